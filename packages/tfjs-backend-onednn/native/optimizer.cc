// In-place optimizer updates: one pass over parameter, gradient and state instead of the ~6 tensor ops (and 6
// allocations) tfjs would compose per variable.
#include <omp.h>

#include "common.h"

namespace onednn_addon {

namespace {

constexpr int64_t kParallelThreshold = 1 << 16;

// sgdMomentum(param, grad, velocity, lr, momentum, dampening, weightDecay, nesterov)
// PyTorch torch.optim.SGD semantics: g = grad + wd·p; v = μ·v + (1 - dampening)·g (v = g on the first step is the
// caller's business: pass a zero velocity and dampening 0); g' = nesterov ? g + μ·v : v; p -= lr·g'.
Napi::Value SgdMomentum(const Napi::CallbackInfo& info) {
  const char* kernel = "sgdMomentum";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    F32 p = ArgF32(info, 0, kernel, "param", -1);
    const int64_t n = static_cast<int64_t>(p.length);
    const float* g = ArgF32(info, 1, kernel, "grad", n).data;
    float* v = ArgF32(info, 2, kernel, "velocity", n).data;
    const float lr = static_cast<float>(ArgNumber(info, 3, kernel, "lr"));
    const float mu = static_cast<float>(ArgNumber(info, 4, kernel, "momentum"));
    const float damp = 1.f - static_cast<float>(ArgNumber(info, 5, kernel, "dampening"));
    const float wd = static_cast<float>(ArgNumber(info, 6, kernel, "weightDecay"));
    const bool nesterov = ArgBool(info, 7, kernel, "nesterov");
    float* w = p.data;
#pragma omp parallel for schedule(static) num_threads(n < kParallelThreshold ? 1 : omp_get_max_threads())
    for (int64_t i = 0; i < n; ++i) {
      const float gi = g[i] + wd * w[i];
      const float vi = mu * v[i] + damp * gi;
      v[i] = vi;
      w[i] -= lr * (nesterov ? gi + mu * vi : vi);
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void InitOptimizer(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdMomentum", Napi::Function::New(env, SgdMomentum));
}

}  // namespace onednn_addon
