/** A failure during training (not a usage error): NaN loss, incompatible checkpoint, … */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}
