// `trickbox eval`: a saved model (run directory, model directory or model.json) on the test set of a recipe, after
// checking that the two fit; normalised with the model's stored preprocessing, else the recipe's statistics.
import { evaluate, type EvalResult } from './evaluate.js';
import { loadDatasets, prepareData } from './data.js';
import { loadModel } from './modelio.js';
import { RecipeError, type Recipe } from './recipe.js';

export async function evaluateSavedModel(
  model: string,
  recipe: Recipe,
  recipeFile: string,
  opts: { batchSize: number; flipTta: boolean },
): Promise<{ result: EvalResult; modelFile: string }> {
  const { model: m, preprocessing, file: modelFile } = await loadModel(model);
  const rd = prepareData(recipe, await loadDatasets(recipe));
  const expected = m.inputs[0].shape.slice(1).join('×');
  const given = [rd.test.height, rd.test.width, rd.test.channels].join('×');
  if (expected !== given)
    throw new RecipeError(
      `eval: ${modelFile} expects ${expected} images; the test set of ${recipeFile} has ${given} (pass the recipe the model was trained with)`,
    );
  const outShape = m.outputs[0].shape;
  const classes = outShape[outShape.length - 1];
  if (classes !== rd.test.classNames.length)
    throw new RecipeError(
      `eval: ${modelFile} predicts ${classes} classes; the test set of ${recipeFile} has ${rd.test.classNames.length} (pass the recipe the model was trained with)`,
    );
  const result = await evaluate(m, rd.test, {
    mean: preprocessing?.mean ?? rd.mean,
    std: preprocessing?.std ?? rd.std,
    batchSize: opts.batchSize,
    flipTta: opts.flipTta,
  });
  return { result, modelFile };
}
