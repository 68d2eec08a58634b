// Entry point of the oneDNN addon: each kernel family registers its functions here (one source file per family).
#include "common.h"

namespace onednn_addon {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitCommon(env, exports);
  InitConv(env, exports);
  InitElementwise(env, exports);
  InitReduce(env, exports);
  InitLayout(env, exports);
  InitMatMul(env, exports);
  InitPool(env, exports);
  InitBatchNorm(env, exports);
  InitOptimizer(env, exports);
  InitFmaPeak(env, exports);
  return exports;
}

NODE_API_MODULE(onednn_addon, Init)

}  // namespace onednn_addon
