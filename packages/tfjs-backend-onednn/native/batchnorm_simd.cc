// AVX2 + FMA row loops of the fused batch norm; see batchnorm_simd.h. Only these functions carry the target
// attribute, so the addon still loads on CPUs without AVX2 (batchnorm.cc then keeps its own loops).
#include "batchnorm_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#define BN_AVX2 __attribute__((target("avx2,fma")))

namespace onednn_addon::bn_simd {

bool Available() {
  static const bool available = [] {
    const char* setting = std::getenv("TFJS_ONEDNN_BN_SIMD");
    if (setting != nullptr && std::string(setting) == "0") return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return available;
}

namespace {

// Lane masks (all ones where the bit is set) of one mask byte.
BN_AVX2 inline __m256 ByteLanes(unsigned byte) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(byte)), bit), bit));
}

enum class Gate { kNone, kY, kMask };

// g for 8 channels starting at element offset `e` (a multiple of 8) of the [M, c] data.
template <Gate G>
BN_AVX2 inline __m256 Gated(const float* dy, const float* y, const uint8_t* mask, int64_t e) {
  const __m256 d = _mm256_loadu_ps(dy + e);
  if constexpr (G == Gate::kMask) return _mm256_and_ps(d, ByteLanes(mask[e / 8]));
  if constexpr (G == Gate::kY) return _mm256_and_ps(d, _mm256_cmp_ps(_mm256_loadu_ps(y + e), _mm256_setzero_ps(), _CMP_GT_OQ));
  return d;
}

// s1[g..] += a1, s2[g..] += a2: a channel group's register sums added to the caller's float arrays.
template <int NV>
BN_AVX2 inline void AddSums(const __m256* a1, const __m256* a2, int64_t g, float* s1, float* s2) {
  for (int v = 0; v < NV; ++v) {
    float* p1 = s1 + g + 8 * v;
    float* p2 = s2 + g + 8 * v;
    _mm256_storeu_ps(p1, _mm256_add_ps(_mm256_loadu_ps(p1), a1[v]));
    _mm256_storeu_ps(p2, _mm256_add_ps(_mm256_loadu_ps(p2), a2[v]));
  }
}

// The reductions keep NV (1..4) vectors of accumulators in registers per channel group of 8·NV channels; rows of a
// block are swept once per group (a block of 256 rows of 64 channels is 64 KB, still in L2 for the next group).
template <int NV>
BN_AVX2 void ShiftedSumsGroup(const float* x, const float* shift, int64_t r0, int64_t r1, int64_t c, int64_t g,
                              float* s1, float* s2) {
  __m256 a1[NV], a2[NV], sh[NV];
  for (int v = 0; v < NV; ++v) {
    a1[v] = _mm256_setzero_ps();
    a2[v] = _mm256_setzero_ps();
    sh[v] = _mm256_loadu_ps(shift + g + 8 * v);
  }
  for (int64_t r = r0; r < r1; ++r) {
    const float* xr = x + r * c + g;
    for (int v = 0; v < NV; ++v) {
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + 8 * v), sh[v]);
      a1[v] = _mm256_add_ps(a1[v], d);
      a2[v] = _mm256_fmadd_ps(d, d, a2[v]);
    }
  }
  AddSums<NV>(a1, a2, g, s1, s2);
}

template <Gate G, int NV>
BN_AVX2 void GradSumsGroup(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean,
                           int64_t r0, int64_t r1, int64_t c, int64_t g, float* s1, float* s2) {
  __m256 a1[NV], a2[NV], mu[NV];
  for (int v = 0; v < NV; ++v) {
    a1[v] = _mm256_setzero_ps();
    a2[v] = _mm256_setzero_ps();
    mu[v] = _mm256_loadu_ps(mean + g + 8 * v);
  }
  for (int64_t r = r0; r < r1; ++r) {
    for (int v = 0; v < NV; ++v) {
      const int64_t e = r * c + g + 8 * v;
      const __m256 gv = Gated<G>(dy, y, mask, e);
      a1[v] = _mm256_add_ps(a1[v], gv);
      a2[v] = _mm256_fmadd_ps(gv, _mm256_sub_ps(_mm256_loadu_ps(x + e), mu[v]), a2[v]);
    }
  }
  AddSums<NV>(a1, a2, g, s1, s2);
}

// Calls group(g, nv) over the channel groups, with nv (1..4) as a compile-time constant.
template <typename Group>
BN_AVX2 inline void ForEachGroup(int64_t c, Group group) {
  for (int64_t g = 0; g < c; g += 32) {
    switch (std::min<int64_t>(4, (c - g) / 8)) {
      case 4: group(g, std::integral_constant<int, 4>()); break;
      case 3: group(g, std::integral_constant<int, 3>()); break;
      case 2: group(g, std::integral_constant<int, 2>()); break;
      default: group(g, std::integral_constant<int, 1>()); break;
    }
  }
}

template <Gate G>
BN_AVX2 void GradSumsGated(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean,
                           int64_t r0, int64_t r1, int64_t c, float* s1, float* s2) {
  ForEachGroup(c, [&](int64_t g, auto nv) BN_AVX2 {
    GradSumsGroup<G, decltype(nv)::value>(dy, x, y, mask, mean, r0, r1, c, g, s1, s2);
  });
}

template <Gate G>
BN_AVX2 void DxGated(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean,
                     const float* scale, const float* shift, const float* xcoef, float* dx, float* dres, int64_t r0,
                     int64_t r1, int64_t c) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t k = 0; k < c; k += 8) {
      const int64_t e = r * c + k;
      const __m256 gv = Gated<G>(dy, y, mask, e);
      if (dres) _mm256_storeu_ps(dres + e, gv);
      const __m256 xc = _mm256_sub_ps(_mm256_loadu_ps(x + e), _mm256_loadu_ps(mean + k));
      const __m256 t = _mm256_fmsub_ps(_mm256_loadu_ps(scale + k), gv, _mm256_loadu_ps(shift + k));
      _mm256_storeu_ps(dx + e, _mm256_fnmadd_ps(_mm256_loadu_ps(xcoef + k), xc, t));
    }
  }
}

}  // namespace

BN_AVX2 void ShiftedSums(const float* x, const float* shift, int64_t r0, int64_t r1, int64_t c, float* s1,
                         float* s2) {
  ForEachGroup(c, [&](int64_t g, auto nv) BN_AVX2 {
    ShiftedSumsGroup<decltype(nv)::value>(x, shift, r0, r1, c, g, s1, s2);
  });
}

BN_AVX2 void Apply(const float* x, const float* res, const float* a, const float* mu, const float* b, float* y,
                   uint8_t* mask, bool relu, int64_t r0, int64_t r1, int64_t c) {
  const __m256 zero = _mm256_setzero_ps();
  if (mask && c % 16 == 0) {
    // Two vectors and one 16-bit store of mask bits at a time (byte stores were the slow part).
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t k = 0; k < c; k += 16) {
        const int64_t e = r * c + k;
        __m256 v0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_sub_ps(_mm256_loadu_ps(x + e), _mm256_loadu_ps(mu + k)),
                                    _mm256_loadu_ps(b + k));
        __m256 v1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8),
                                    _mm256_sub_ps(_mm256_loadu_ps(x + e + 8), _mm256_loadu_ps(mu + k + 8)),
                                    _mm256_loadu_ps(b + k + 8));
        if (res) {
          v0 = _mm256_add_ps(v0, _mm256_loadu_ps(res + e));
          v1 = _mm256_add_ps(v1, _mm256_loadu_ps(res + e + 8));
        }
        const __m256 p0 = _mm256_cmp_ps(v0, zero, _CMP_GT_OQ), p1 = _mm256_cmp_ps(v1, zero, _CMP_GT_OQ);
        _mm256_storeu_ps(y + e, _mm256_and_ps(v0, p0));
        _mm256_storeu_ps(y + e + 8, _mm256_and_ps(v1, p1));
        const uint16_t bits = static_cast<uint16_t>(_mm256_movemask_ps(p0) | (_mm256_movemask_ps(p1) << 8));
        std::memcpy(mask + e / 8, &bits, 2);
      }
    }
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t k = 0; k < c; k += 8) {
      const int64_t e = r * c + k;
      const __m256 xc = _mm256_sub_ps(_mm256_loadu_ps(x + e), _mm256_loadu_ps(mu + k));
      __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), xc, _mm256_loadu_ps(b + k));
      if (res) v = _mm256_add_ps(v, _mm256_loadu_ps(res + e));
      if (relu) {
        const __m256 positive = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
        v = _mm256_and_ps(v, positive);
        if (mask) mask[e / 8] = static_cast<uint8_t>(_mm256_movemask_ps(positive));
      }
      _mm256_storeu_ps(y + e, v);
    }
  }
}

BN_AVX2 void GradSums(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean,
                      int64_t r0, int64_t r1, int64_t c, float* s1, float* s2) {
  if (mask) return GradSumsGated<Gate::kMask>(dy, x, y, mask, mean, r0, r1, c, s1, s2);
  if (y) return GradSumsGated<Gate::kY>(dy, x, y, mask, mean, r0, r1, c, s1, s2);
  GradSumsGated<Gate::kNone>(dy, x, y, mask, mean, r0, r1, c, s1, s2);
}

BN_AVX2 void Dx(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean,
                const float* scale, const float* shift, const float* xcoef, float* dx, float* dres, int64_t r0,
                int64_t r1, int64_t c) {
  if (mask) return DxGated<Gate::kMask>(dy, x, y, mask, mean, scale, shift, xcoef, dx, dres, r0, r1, c);
  if (y) return DxGated<Gate::kY>(dy, x, y, mask, mean, scale, shift, xcoef, dx, dres, r0, r1, c);
  DxGated<Gate::kNone>(dy, x, y, mask, mean, scale, shift, xcoef, dx, dres, r0, r1, c);
}

}  // namespace onednn_addon::bn_simd

#else  // not x86-64: never available, the callers keep their portable loops.

namespace onednn_addon::bn_simd {
bool Available() { return false; }
void ShiftedSums(const float*, const float*, int64_t, int64_t, int64_t, float*, float*) {}
void Apply(const float*, const float*, const float*, const float*, const float*, float*, uint8_t*, bool, int64_t,
           int64_t, int64_t) {}
void GradSums(const float*, const float*, const float*, const uint8_t*, const float*, int64_t, int64_t, int64_t,
              float*, float*) {}
void Dx(const float*, const float*, const float*, const uint8_t*, const float*, const float*, const float*,
        const float*, float*, float*, int64_t, int64_t, int64_t) {}
}  // namespace onednn_addon::bn_simd

#endif
