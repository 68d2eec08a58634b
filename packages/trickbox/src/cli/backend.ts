// The CLI's backend set-up lives beside the library (the study's trial processes use it too).
export { initBackend } from '../backend.js';
