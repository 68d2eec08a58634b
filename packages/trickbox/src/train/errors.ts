/** A failure during training (not a usage error): NaN loss, incompatible checkpoint, … */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** A user error in a recipe or an override: the CLI prints the message alone and exits with code 2. */
export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}
