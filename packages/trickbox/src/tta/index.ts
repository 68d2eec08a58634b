// Test-time augmentation: trainer plug-ins that average the model's softmax over transformed views of each image.
export { flipTtaPlugin } from './flip.js';
export { translateTtaPlugin, translatedViews } from './translate.js';
