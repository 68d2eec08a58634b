// Fused batch normalisation for training (Ioffe & Szegedy 2015, Algorithm 1), optionally followed by a residual add
// and ReLU, as in a ResNet basic block: y = relu(γ·(x - μ)/sqrt(σ² + ε) + β + r). Channels-last data is [M, C] with
// M = N·H·W. Forward: one pass for the per-channel moments, one pass for y. Backward: one pass for Σg and Σg·x̂, one
// pass for dx (and dr = g), where g = dy masked by y > 0 when ReLU was applied.
#include <omp.h>

#include <cmath>

#include "common.h"

namespace onednn_addon {

namespace {

// Below this many elements the kernels run on one thread: an OpenMP fork costs more than the work.
constexpr int64_t kParallelThreshold = 1 << 15;

int ThreadsFor(int64_t elements) { return elements < kParallelThreshold ? 1 : omp_get_max_threads(); }

// Per-channel sums of a and a·b over rows, in double precision, each thread on a contiguous block of rows.
template <typename Row>
void ChannelSums(int64_t m, int64_t c, std::vector<double>& s1, std::vector<double>& s2, Row row) {
  const int threads = ThreadsFor(m * c);
  std::vector<double> partial(static_cast<size_t>(threads) * 2 * c, 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t begin = m * t / nt, end = m * (t + 1) / nt;
    double* p1 = partial.data() + static_cast<size_t>(t) * 2 * c;
    double* p2 = p1 + c;
    // Accumulate in float per block of rows, then in double: fast and accurate enough for M up to millions.
    std::vector<float> f1(c), f2(c);
    constexpr int64_t kBlock = 256;
    for (int64_t r0 = begin; r0 < end; r0 += kBlock) {
      std::fill(f1.begin(), f1.end(), 0.f);
      std::fill(f2.begin(), f2.end(), 0.f);
      const int64_t r1 = std::min(end, r0 + kBlock);
      for (int64_t r = r0; r < r1; ++r) row(r, f1.data(), f2.data());
      for (int64_t k = 0; k < c; ++k) {
        p1[k] += f1[k];
        p2[k] += f2[k];
      }
    }
  }
  s1.assign(c, 0.0);
  s2.assign(c, 0.0);
  for (int t = 0; t < threads; ++t) {
    const double* p1 = partial.data() + static_cast<size_t>(t) * 2 * c;
    for (int64_t k = 0; k < c; ++k) {
      s1[k] += p1[k];
      s2[k] += p1[c + k];
    }
  }
}

// bnTrainForward(x, gamma, beta, residual|null, y, mean, invstd, m, c, epsilon, relu,
//                runMean|null, runVar|null, newRunMean|null, newRunVar|null, momentum)
// The running averages follow PyTorch: r' = (1 - momentum)·r + momentum·s, with the unbiased batch variance.
Napi::Value BnTrainForward(const Napi::CallbackInfo& info) {
  const char* kernel = "batchNormTrain";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    const int64_t m = ArgInt(info, 7, kernel, "rows");
    const int64_t c = ArgInt(info, 8, kernel, "channels");
    if (m < 1 || c < 1) throw Napi::RangeError::New(info.Env(), "onednn batchNormTrain: rows and channels must be >= 1");
    const float eps = static_cast<float>(ArgNumber(info, 9, kernel, "epsilon"));
    const bool relu = ArgBool(info, 10, kernel, "relu");
    const float* x = ArgF32(info, 0, kernel, "x", m * c).data;
    const float* gamma = ArgF32(info, 1, kernel, "gamma", c).data;
    const float* beta = ArgF32(info, 2, kernel, "beta", c).data;
    const bool has_res = !info[3].IsNull() && !info[3].IsUndefined();
    const float* res = has_res ? ArgF32(info, 3, kernel, "residual", m * c).data : nullptr;
    float* y = ArgF32(info, 4, kernel, "y", m * c).data;
    float* mean_out = ArgF32(info, 5, kernel, "mean", c).data;
    float* invstd_out = ArgF32(info, 6, kernel, "invstd", c).data;
    const bool running = info.Length() > 11 && !info[11].IsNull() && !info[11].IsUndefined();
    const float* run_mean = running ? ArgF32(info, 11, kernel, "runningMean", c).data : nullptr;
    const float* run_var = running ? ArgF32(info, 12, kernel, "runningVar", c).data : nullptr;
    float* new_run_mean = running ? ArgF32(info, 13, kernel, "newRunningMean", c).data : nullptr;
    float* new_run_var = running ? ArgF32(info, 14, kernel, "newRunningVar", c).data : nullptr;
    const double momentum = running ? ArgNumber(info, 15, kernel, "momentum") : 0.0;

    std::vector<double> sum, sumsq;
    ChannelSums(m, c, sum, sumsq, [&](int64_t r, float* s1, float* s2) {
      const float* xr = x + r * c;
      for (int64_t k = 0; k < c; ++k) {
        s1[k] += xr[k];
        s2[k] += xr[k] * xr[k];
      }
    });
    std::vector<float> a(c), b(c);
    for (int64_t k = 0; k < c; ++k) {
      const double mean = sum[k] / m;
      const double var = std::max(0.0, sumsq[k] / m - mean * mean);  // biased, used to normalise
      const double invstd = 1.0 / std::sqrt(var + eps);
      mean_out[k] = static_cast<float>(mean);
      if (running) {
        const double unbiased = m > 1 ? var * m / (m - 1) : var;
        new_run_mean[k] = static_cast<float>((1.0 - momentum) * run_mean[k] + momentum * mean);
        new_run_var[k] = static_cast<float>((1.0 - momentum) * run_var[k] + momentum * unbiased);
      }
      invstd_out[k] = static_cast<float>(invstd);
      a[k] = static_cast<float>(gamma[k] * invstd);
      b[k] = static_cast<float>(beta[k] - mean * gamma[k] * invstd);
    }
    const float* pa = a.data();
    const float* pb = b.data();
#pragma omp parallel for schedule(static) num_threads(ThreadsFor(m * c))
    for (int64_t r = 0; r < m; ++r) {
      const float* xr = x + r * c;
      float* yr = y + r * c;
      if (res) {
        const float* rr = res + r * c;
        if (relu) {
          for (int64_t k = 0; k < c; ++k) yr[k] = std::max(0.f, pa[k] * xr[k] + pb[k] + rr[k]);
        } else {
          for (int64_t k = 0; k < c; ++k) yr[k] = pa[k] * xr[k] + pb[k] + rr[k];
        }
      } else if (relu) {
        for (int64_t k = 0; k < c; ++k) yr[k] = std::max(0.f, pa[k] * xr[k] + pb[k]);
      } else {
        for (int64_t k = 0; k < c; ++k) yr[k] = pa[k] * xr[k] + pb[k];
      }
    }
    return info.Env().Undefined();
  });
}

// bnTrainBackward(dy, x, y|null, gamma, mean, invstd, dx, dgamma, dbeta, dresidual|null, m, c)
// y is given when the forward applied ReLU (its mask); dresidual receives g when the forward added a residual.
Napi::Value BnTrainBackward(const Napi::CallbackInfo& info) {
  const char* kernel = "batchNormTrainGrad";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    const int64_t m = ArgInt(info, 10, kernel, "rows");
    const int64_t c = ArgInt(info, 11, kernel, "channels");
    if (m < 1 || c < 1) throw Napi::RangeError::New(info.Env(), "onednn batchNormTrainGrad: rows and channels must be >= 1");
    const float* dy = ArgF32(info, 0, kernel, "dy", m * c).data;
    const float* x = ArgF32(info, 1, kernel, "x", m * c).data;
    const bool relu = !info[2].IsNull() && !info[2].IsUndefined();
    const float* y = relu ? ArgF32(info, 2, kernel, "y", m * c).data : nullptr;
    const float* gamma = ArgF32(info, 3, kernel, "gamma", c).data;
    const float* mean = ArgF32(info, 4, kernel, "mean", c).data;
    const float* invstd = ArgF32(info, 5, kernel, "invstd", c).data;
    float* dx = ArgF32(info, 6, kernel, "dx", m * c).data;
    float* dgamma = ArgF32(info, 7, kernel, "dgamma", c).data;
    float* dbeta = ArgF32(info, 8, kernel, "dbeta", c).data;
    const bool has_dres = !info[9].IsNull() && !info[9].IsUndefined();
    float* dres = has_dres ? ArgF32(info, 9, kernel, "dresidual", m * c).data : nullptr;

    // Σg and Σg·(x - μ); x̂ = (x - μ)·invstd is applied per channel after the sum.
    std::vector<double> sum_g, sum_gx;
    ChannelSums(m, c, sum_g, sum_gx, [&](int64_t r, float* s1, float* s2) {
      const float* dyr = dy + r * c;
      const float* xr = x + r * c;
      if (y) {
        const float* yr = y + r * c;
        // g = dy where y > 0, else 0. dy is loaded unconditionally so that GCC if-converts and vectorises the select;
        // written as a conditional load (or as dy·float(y > 0)) it stays a branch that mispredicts on random signs,
        // measured 15x slower.
        for (int64_t k = 0; k < c; ++k) {
          const float dv = dyr[k];
          const float g = yr[k] > 0.f ? dv : 0.f;
          s1[k] += g;
          s2[k] += g * (xr[k] - mean[k]);
        }
      } else {
        for (int64_t k = 0; k < c; ++k) {
          s1[k] += dyr[k];
          s2[k] += dyr[k] * (xr[k] - mean[k]);
        }
      }
    });
    // dx = γ·invstd·(g - Σg/M - x̂·Σ(g·x̂)/M)  (Ioffe & Szegedy 2015, backward of Algorithm 1)
    std::vector<float> scale(c), shift(c), xcoef(c);
    for (int64_t k = 0; k < c; ++k) {
      const double inv = invstd[k];
      dbeta[k] = static_cast<float>(sum_g[k]);
      dgamma[k] = static_cast<float>(sum_gx[k] * inv);
      scale[k] = static_cast<float>(gamma[k] * inv);
      // dx = scale·g - scale·Σg/M - scale·inv²·Σg(x-μ)/M·(x - μ)
      xcoef[k] = static_cast<float>(gamma[k] * inv * inv * inv * sum_gx[k] / m);
      shift[k] = static_cast<float>(gamma[k] * inv * sum_g[k] / m - xcoef[k] * mean[k]);
    }
    const float* ps = scale.data();
    const float* psh = shift.data();
    const float* pxc = xcoef.data();
#pragma omp parallel for schedule(static) num_threads(ThreadsFor(m * c))
    for (int64_t r = 0; r < m; ++r) {
      const float* dyr = dy + r * c;
      const float* xr = x + r * c;
      float* dxr = dx + r * c;
      if (y) {
        const float* yr = y + r * c;
        // Two simple loops (g first, then dx from g) vectorise; one fused loop with the select did not.
        float* gr = dres ? dres + r * c : dxr;
        for (int64_t k = 0; k < c; ++k) {
          const float dv = dyr[k];
          gr[k] = yr[k] > 0.f ? dv : 0.f;
        }
        for (int64_t k = 0; k < c; ++k) dxr[k] = ps[k] * gr[k] - psh[k] - pxc[k] * xr[k];
      } else {
        for (int64_t k = 0; k < c; ++k) dxr[k] = ps[k] * dyr[k] - psh[k] - pxc[k] * xr[k];
        if (dres) std::copy(dyr, dyr + c, dres + r * c);
      }
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void InitBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("bnTrainForward", Napi::Function::New(env, BnTrainForward));
  exports.Set("bnTrainBackward", Napi::Function::New(env, BnTrainBackward));
}

}  // namespace onednn_addon
