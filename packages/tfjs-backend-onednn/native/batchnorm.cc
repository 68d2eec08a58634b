// Fused batch normalisation for training (Ioffe & Szegedy 2015, Algorithm 1), optionally followed by a residual add
// and ReLU, as in a ResNet basic block: y = relu(γ·(x - μ)/sqrt(σ² + ε) + β + r). Channels-last data is [M, C] with
// M = N·H·W. Forward: one pass for the per-channel moments, one pass for y. Backward: one pass for Σg and Σg·x̂, one
// pass for dx (and dr = g), where g = dy masked by y > 0 when ReLU was applied.
//
// The ReLU mask: when C is a multiple of 8 the forward also writes one bit per element (y > 0), so the backward reads
// dy, x and 1/32 of a tensor instead of dy, x and y in each of its two passes: 5 tensor-sized memory passes instead of
// 7 (it matters when the data come from DRAM). Other channel counts read y as before. With AVX2 the row loops are
// those of batchnorm_simd.cc; the ones here are the portable versions.
#include <omp.h>

#include <cmath>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "batchnorm_simd.h"
#include "common.h"
#include "parallel.h"

namespace onednn_addon {

namespace {

// Mask bytes: bit j of byte i is element 8·i + j of the row-major [M, C] data; with C % 8 == 0 a row's bits start at
// byte r·C/8.
#if defined(__SSE2__)
// Lane masks (all ones where the bit is set) for each 4-bit pattern.
alignas(16) const uint32_t kNibbleLanes[16][4] = {
    {0, 0, 0, 0}, {~0u, 0, 0, 0}, {0, ~0u, 0, 0}, {~0u, ~0u, 0, 0}, {0, 0, ~0u, 0}, {~0u, 0, ~0u, 0},
    {0, ~0u, ~0u, 0}, {~0u, ~0u, ~0u, 0}, {0, 0, 0, ~0u}, {~0u, 0, 0, ~0u}, {0, ~0u, 0, ~0u}, {~0u, ~0u, 0, ~0u},
    {0, 0, ~0u, ~0u}, {~0u, 0, ~0u, ~0u}, {0, ~0u, ~0u, ~0u}, {~0u, ~0u, ~0u, ~0u}};
// dy[0..3] where the bits of `nibble` are set, else 0.
inline __m128 GateByNibble(const float* dy, unsigned nibble) {
  return _mm_and_ps(_mm_loadu_ps(dy), _mm_load_ps(reinterpret_cast<const float*>(kNibbleLanes[nibble & 15u])));
}
#endif

// yr = relu(a·(x - μ) + b (+ r)) for one row of c (a multiple of 8) channels; bit k of mr says yr[k] > 0.
void ReluRowWithMask(const float* xr, const float* rr, const float* a, const float* mu, const float* b, float* yr,
                     uint8_t* mr, int64_t c) {
#if defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps();
  for (int64_t k = 0; k < c; k += 8) {
    const __m128 d0 = _mm_sub_ps(_mm_loadu_ps(xr + k), _mm_loadu_ps(mu + k));
    const __m128 d1 = _mm_sub_ps(_mm_loadu_ps(xr + k + 4), _mm_loadu_ps(mu + k + 4));
    __m128 v0 = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(a + k), d0), _mm_loadu_ps(b + k));
    __m128 v1 = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(a + k + 4), d1), _mm_loadu_ps(b + k + 4));
    if (rr) {
      v0 = _mm_add_ps(v0, _mm_loadu_ps(rr + k));
      v1 = _mm_add_ps(v1, _mm_loadu_ps(rr + k + 4));
    }
    const __m128 p0 = _mm_cmpgt_ps(v0, zero), p1 = _mm_cmpgt_ps(v1, zero);
    _mm_storeu_ps(yr + k, _mm_and_ps(v0, p0));
    _mm_storeu_ps(yr + k + 4, _mm_and_ps(v1, p1));
    mr[k / 8] = static_cast<uint8_t>(_mm_movemask_ps(p0) | (_mm_movemask_ps(p1) << 4));
  }
#else
  for (int64_t k = 0; k < c; k += 8) {
    unsigned bits = 0;
    for (int j = 0; j < 8; ++j) {
      float v = a[k + j] * (xr[k + j] - mu[k + j]) + b[k + j];
      if (rr) v += rr[k + j];
      const bool on = v > 0.f;
      yr[k + j] = on ? v : 0.f;
      bits |= static_cast<unsigned>(on) << j;
    }
    mr[k / 8] = static_cast<uint8_t>(bits);
  }
#endif
}

// Backward pass 1 for one row with a mask: s1 += g, s2 += g·(x - μ), where g = dy where the bit is set, else 0.
void MaskedSumsRow(const float* dyr, const float* xr, const uint8_t* mr, const float* mean, float* s1, float* s2,
                   int64_t c) {
#if defined(__SSE2__)
  for (int64_t k = 0; k < c; k += 8) {
    const unsigned bits = mr[k / 8];
    for (int h = 0; h < 2; ++h) {
      const int64_t j = k + 4 * h;
      const __m128 g = GateByNibble(dyr + j, bits >> (4 * h));
      const __m128 xc = _mm_sub_ps(_mm_loadu_ps(xr + j), _mm_loadu_ps(mean + j));
      _mm_storeu_ps(s1 + j, _mm_add_ps(_mm_loadu_ps(s1 + j), g));
      _mm_storeu_ps(s2 + j, _mm_add_ps(_mm_loadu_ps(s2 + j), _mm_mul_ps(g, xc)));
    }
  }
#else
  for (int64_t k = 0; k < c; ++k) {
    const float g = (mr[k / 8] >> (k % 8)) & 1u ? dyr[k] : 0.f;
    s1[k] += g;
    s2[k] += g * (xr[k] - mean[k]);
  }
#endif
}

// Backward pass 2 for one row with a mask: g as above (written to gr when given),
// dx = scale·g - shift - xcoef·(x - μ).
void MaskedDxRow(const float* dyr, const float* xr, const uint8_t* mr, const float* mean, const float* scale,
                 const float* shift, const float* xcoef, float* dxr, float* gr, int64_t c) {
#if defined(__SSE2__)
  for (int64_t k = 0; k < c; k += 8) {
    const unsigned bits = mr[k / 8];
    for (int h = 0; h < 2; ++h) {
      const int64_t j = k + 4 * h;
      const __m128 g = GateByNibble(dyr + j, bits >> (4 * h));
      if (gr) _mm_storeu_ps(gr + j, g);
      const __m128 dx = _mm_sub_ps(_mm_sub_ps(_mm_mul_ps(_mm_loadu_ps(scale + j), g), _mm_loadu_ps(shift + j)),
                                   _mm_mul_ps(_mm_loadu_ps(xcoef + j), _mm_sub_ps(_mm_loadu_ps(xr + j),
                                                                                  _mm_loadu_ps(mean + j))));
      _mm_storeu_ps(dxr + j, dx);
    }
  }
#else
  for (int64_t k = 0; k < c; ++k) {
    const float g = (mr[k / 8] >> (k % 8)) & 1u ? dyr[k] : 0.f;
    if (gr) gr[k] = g;
    dxr[k] = scale[k] * g - shift[k] - xcoef[k] * (xr[k] - mean[k]);
  }
#endif
}

// The optional mask argument at `index`: a Float32Array used as bytes, at least rows·channels/8 bytes long.
uint8_t* ArgMask(const Napi::CallbackInfo& info, size_t index, const char* kernel, int64_t m, int64_t c) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return nullptr;
  if (c % 8 != 0) throw std::runtime_error("a ReLU mask needs a channel count that is a multiple of 8");
  F32 mask = ArgF32(info, index, kernel, "mask", -1);
  if (static_cast<int64_t>(mask.length) * 32 < m * c) throw std::runtime_error("mask array too short");
  return reinterpret_cast<uint8_t*>(mask.data);
}

// Calls fn(t, r0, r1) on contiguous row ranges, one per thread t of `threads` (Chunks of the element count).
template <typename Fn>
void ParallelRows(int64_t m, int threads, Fn fn) {
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    fn(t, m * t / nt, m * (t + 1) / nt);
  }
}

// Per-channel sums over rows, in double precision, each thread on a contiguous block of rows; block(r0, r1, f1, f2)
// adds the sums of rows [r0, r1) to the float arrays f1, f2.
template <typename Block>
void ChannelSums(int64_t m, int64_t c, std::vector<double>& s1, std::vector<double>& s2, Block block) {
  const int threads = static_cast<int>(Chunks(m * c));
  std::vector<double> partial(static_cast<size_t>(threads) * 2 * c, 0.0);
  ParallelRows(m, threads, [&](int t, int64_t begin, int64_t end) {
    double* p1 = partial.data() + static_cast<size_t>(t) * 2 * c;
    double* p2 = p1 + c;
    // Accumulate in float per block of rows, then in double: fast and accurate enough for M up to millions.
    std::vector<float> f1(c), f2(c);
    constexpr int64_t kBlock = 256;
    for (int64_t r0 = begin; r0 < end; r0 += kBlock) {
      std::fill(f1.begin(), f1.end(), 0.f);
      std::fill(f2.begin(), f2.end(), 0.f);
      const int64_t r1 = std::min(end, r0 + kBlock);
      block(r0, r1, f1.data(), f2.data());
      for (int64_t k = 0; k < c; ++k) {
        p1[k] += f1[k];
        p2[k] += f2[k];
      }
    }
  });
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
//                runMean|null, runVar|null, newRunMean|null, newRunVar|null, momentum, mask|null)
// mask (relu only, c % 8 == 0): receives the ReLU bit mask for bnTrainBackward.
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
    uint8_t* mask = ArgMask(info, 16, kernel, m, c);
    if (mask && !relu) throw std::runtime_error("a ReLU mask was given without relu");

    // Moments of x - x[0] (the "shifted data" algorithm): Σd²/M - (Σd/M)² loses far less to cancellation than
    // Σx²/M - μ² when |μ| is large against σ, and costs one subtraction.
    const bool simd = c % 8 == 0 && bn_simd::Available();
    // The shift in its own array: read through x, the compiler would have to assume that the sums' stores change it.
    const std::vector<float> shift(x, x + c);
    const float* sh = shift.data();
    std::vector<double> sum, sumsq;
    ChannelSums(m, c, sum, sumsq, [&](int64_t r0, int64_t r1, float* s1, float* s2) {
      if (simd) return bn_simd::ShiftedSums(x, sh, r0, r1, c, s1, s2);
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * c;
        for (int64_t k = 0; k < c; ++k) {
          const float d = xr[k] - sh[k];
          s1[k] += d;
          s2[k] += d * d;
        }
      }
    });
    std::vector<float> a(c);
    for (int64_t k = 0; k < c; ++k) {
      const double shifted_mean = sum[k] / m;
      const double mean = sh[k] + shifted_mean;
      const double var = std::max(0.0, sumsq[k] / m - shifted_mean * shifted_mean);  // biased, used to normalise
      const double invstd = 1.0 / std::sqrt(var + eps);
      mean_out[k] = static_cast<float>(mean);
      if (running) {
        const double unbiased = m > 1 ? var * m / (m - 1) : var;
        new_run_mean[k] = static_cast<float>((1.0 - momentum) * run_mean[k] + momentum * mean);
        new_run_var[k] = static_cast<float>((1.0 - momentum) * run_var[k] + momentum * unbiased);
      }
      invstd_out[k] = static_cast<float>(invstd);
      a[k] = static_cast<float>(gamma[k] * invstd);
    }
    // y = a·(x - μ) + β: subtracting μ first keeps the precision that a·x + (β - a·μ) loses when σ is small.
    const float* pa = a.data();
    // μ and β from local copies, not through pointers the compiler must assume y's stores can change.
    const std::vector<float> mean_copy(mean_out, mean_out + c), beta_copy(beta, beta + c);
    const float* pm = mean_copy.data();
    const float* pb = beta_copy.data();
    ParallelRows(m, static_cast<int>(Chunks(m * c)), [&](int, int64_t r0, int64_t r1) {
      if (simd) return bn_simd::Apply(x, res, pa, pm, pb, y, mask, relu, r0, r1, c);
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * c;
        float* yr = y + r * c;
        if (mask) {
          ReluRowWithMask(xr, res ? res + r * c : nullptr, pa, pm, pb, yr, mask + r * c / 8, c);
        } else if (res) {
          const float* rr = res + r * c;
          if (relu) {
            for (int64_t k = 0; k < c; ++k) yr[k] = std::max(0.f, pa[k] * (xr[k] - pm[k]) + pb[k] + rr[k]);
          } else {
            for (int64_t k = 0; k < c; ++k) yr[k] = pa[k] * (xr[k] - pm[k]) + pb[k] + rr[k];
          }
        } else if (relu) {
          for (int64_t k = 0; k < c; ++k) yr[k] = std::max(0.f, pa[k] * (xr[k] - pm[k]) + pb[k]);
        } else {
          for (int64_t k = 0; k < c; ++k) yr[k] = pa[k] * (xr[k] - pm[k]) + pb[k];
        }
      }
    });
    return info.Env().Undefined();
  });
}

// bnTrainBackward(dy, x, y|null, gamma, mean, invstd, dx, dgamma, dbeta, dresidual|null, m, c, mask|null)
// When the forward applied ReLU, either its bit mask or y is given; dresidual receives g when the forward added a
// residual.
Napi::Value BnTrainBackward(const Napi::CallbackInfo& info) {
  const char* kernel = "batchNormTrainGrad";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    const int64_t m = ArgInt(info, 10, kernel, "rows");
    const int64_t c = ArgInt(info, 11, kernel, "channels");
    if (m < 1 || c < 1) throw Napi::RangeError::New(info.Env(), "onednn batchNormTrainGrad: rows and channels must be >= 1");
    const float* dy = ArgF32(info, 0, kernel, "dy", m * c).data;
    const float* x = ArgF32(info, 1, kernel, "x", m * c).data;
    const bool with_y = !info[2].IsNull() && !info[2].IsUndefined();
    const float* y = with_y ? ArgF32(info, 2, kernel, "y", m * c).data : nullptr;
    const float* gamma = ArgF32(info, 3, kernel, "gamma", c).data;
    const float* mean = ArgF32(info, 4, kernel, "mean", c).data;
    const float* invstd = ArgF32(info, 5, kernel, "invstd", c).data;
    float* dx = ArgF32(info, 6, kernel, "dx", m * c).data;
    float* dgamma = ArgF32(info, 7, kernel, "dgamma", c).data;
    float* dbeta = ArgF32(info, 8, kernel, "dbeta", c).data;
    const bool has_dres = !info[9].IsNull() && !info[9].IsUndefined();
    float* dres = has_dres ? ArgF32(info, 9, kernel, "dresidual", m * c).data : nullptr;
    const uint8_t* mask = ArgMask(info, 12, kernel, m, c);

    // Σg and Σg·(x - μ); x̂ = (x - μ)·invstd is applied per channel after the sum.
    std::vector<double> sum_g, sum_gx;
    const bool simd = c % 8 == 0 && bn_simd::Available();
    ChannelSums(m, c, sum_g, sum_gx, [&](int64_t r0, int64_t r1, float* s1, float* s2) {
      if (simd) return bn_simd::GradSums(dy, x, y, mask, mean, r0, r1, c, s1, s2);
      for (int64_t r = r0; r < r1; ++r) {
        const float* dyr = dy + r * c;
        const float* xr = x + r * c;
        if (mask) {
          MaskedSumsRow(dyr, xr, mask + r * c / 8, mean, s1, s2, c);
        } else if (y) {
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
      shift[k] = static_cast<float>(gamma[k] * inv * sum_g[k] / m);
    }
    const float* ps = scale.data();
    const float* psh = shift.data();
    const float* pxc = xcoef.data();
    ParallelRows(m, static_cast<int>(Chunks(m * c)), [&](int, int64_t r0, int64_t r1) {
      if (simd) return bn_simd::Dx(dy, x, y, mask, mean, ps, psh, pxc, dx, dres, r0, r1, c);
      for (int64_t r = r0; r < r1; ++r) {
        const float* dyr = dy + r * c;
        const float* xr = x + r * c;
        float* dxr = dx + r * c;
        if (mask) {
          MaskedDxRow(dyr, xr, mask + r * c / 8, mean, ps, psh, pxc, dxr, dres ? dres + r * c : nullptr, c);
        } else if (y) {
          const float* yr = y + r * c;
          // Two simple loops (g first, then dx from g) vectorise; one fused loop with the select did not.
          float* gr = dres ? dres + r * c : dxr;
          for (int64_t k = 0; k < c; ++k) {
            const float dv = dyr[k];
            gr[k] = yr[k] > 0.f ? dv : 0.f;
          }
          for (int64_t k = 0; k < c; ++k) dxr[k] = ps[k] * gr[k] - psh[k] - pxc[k] * (xr[k] - mean[k]);
        } else {
          for (int64_t k = 0; k < c; ++k) dxr[k] = ps[k] * dyr[k] - psh[k] - pxc[k] * (xr[k] - mean[k]);
          if (dres) std::copy(dyr, dyr + c, dres + r * c);
        }
      }
    });
    return info.Env().Undefined();
  });
}

}  // namespace

void InitBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormSimd", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                return Napi::Boolean::New(info.Env(), bn_simd::Available());
              }));
  exports.Set("bnTrainForward", Napi::Function::New(env, BnTrainForward));
  exports.Set("bnTrainBackward", Napi::Function::New(env, BnTrainBackward));
}

}  // namespace onednn_addon
