// AVX2 + FMA versions of the batch-norm row loops (batchnorm.cc), chosen at run time when the CPU has them and the
// channel count is a multiple of 8. The scalar loops of batchnorm.cc, compiled for the baseline x86-64 (SSE2), ran at
// ~2 cycles per element: the kernels were instruction-bound, not memory-bound (measured: the same speed on data in
// cache and in DRAM, while one core copies 92 GB/s from cache).
//
// Every function works on rows [r0, r1) of row-major [M, c] data. Mask bytes: bit j of byte i is element 8·i + j.
#pragma once

#include <cstdint>

namespace onednn_addon::bn_simd {

// True when the CPU runs AVX2 and FMA (checked once), unless TFJS_ONEDNN_BN_SIMD=0 is set (tests use it to run the
// portable loops).
bool Available();

// s1[k] += Σ(x - shift), s2[k] += Σ(x - shift)² over the rows (float accumulators, the caller sums blocks in double).
void ShiftedSums(const float* x, const float* shift, int64_t r0, int64_t r1, int64_t c, float* s1, float* s2);

// y = a·(x - μ) + b (+ res), then ReLU when `relu`; mask (relu only, may be null) gets the bits of y > 0.
void Apply(const float* x, const float* res, const float* a, const float* mu, const float* b, float* y,
           uint8_t* mask, bool relu, int64_t r0, int64_t r1, int64_t c);

// g = dy masked by `mask` bits, else by y > 0 when y is given, else dy: s1 += Σg, s2 += Σg·(x - μ).
void GradSums(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean, int64_t r0,
              int64_t r1, int64_t c, float* s1, float* s2);

// g as in GradSums (also written to dres when given); dx = scale·g - shift - xcoef·(x - μ).
void Dx(const float* dy, const float* x, const float* y, const uint8_t* mask, const float* mean, const float* scale,
        const float* shift, const float* xcoef, float* dx, float* dres, int64_t r0, int64_t r1, int64_t c);

}  // namespace onednn_addon::bn_simd
