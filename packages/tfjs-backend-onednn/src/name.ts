// The backend's registered name, in a module of its own so that the fused ops (src/ops/) can test for it without
// importing the backend class or the native addon (they must load in a browser too).
export const BACKEND_NAME = 'onednn';
