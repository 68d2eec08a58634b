// The machine's measured float32 FMA peak: every thread runs a loop of independent vector FMAs on registers, so the
// figure is what the cores can do at best, the denominator of a kernel's "fraction of peak" (bench/backend.ts).
// Only the loops carry a target attribute (as batchnorm_simd.cc), so the addon still loads on baseline x86-64; the
// variant is chosen at run time from what the CPU reports.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include "common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace onednn_addon {
namespace {

// Independent accumulator chains per thread: enough to cover the FMA latency (4–5 cycles) times the FMA ports (2) of
// current x86 cores, and few enough to stay in registers (16 ymm on AVX2, 32 zmm on AVX-512).
constexpr int kAvx2Chains = 12;
constexpr int kAvx512Chains = 24;
// Iterations of the inner loop per timed call: ~2-4 ms per thread at a few GHz, short enough that on a shared
// machine some of the repeats find the cores free (the best repeat is the figure).
constexpr int64_t kIterations = 1 << 20;

#if defined(__x86_64__)
// Returns a value depending on every accumulator, so the compiler cannot drop the loop.
__attribute__((target("avx2,fma"))) float FmaLoopAvx2(int64_t iterations) {
  __m256 acc[kAvx2Chains];
  for (int i = 0; i < kAvx2Chains; ++i) acc[i] = _mm256_set1_ps(1.0f + 0.001f * i);
  // a·acc + b converges to b / (1 - a): no overflow, no denormals, however long the loop.
  const __m256 a = _mm256_set1_ps(0.999f);
  const __m256 b = _mm256_set1_ps(0.001f);
  // Fully unrolled, so the accumulators live in registers (without it GCC interchanged the loops and kept them in
  // memory: 60% of the AVX-512 peak).
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < kAvx2Chains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < kAvx2Chains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  return _mm256_cvtss_f32(sum);
}

__attribute__((target("avx512f"))) float FmaLoopAvx512(int64_t iterations) {
  __m512 acc[kAvx512Chains];
  for (int i = 0; i < kAvx512Chains; ++i) acc[i] = _mm512_set1_ps(1.0f + 0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999f);
  const __m512 b = _mm512_set1_ps(0.001f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < kAvx512Chains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < kAvx512Chains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

bool HasAvx2Fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool HasAvx512() { return __builtin_cpu_supports("avx512f"); }
#else
float FmaLoopAvx2(int64_t) { throw std::runtime_error("the FMA loops exist for x86-64 only"); }
float FmaLoopAvx512(int64_t) { throw std::runtime_error("the FMA loops exist for x86-64 only"); }
bool HasAvx2Fma() { return false; }
bool HasAvx512() { return false; }
#endif

struct Variant {
  const char* name;
  int lanes;
  int chains;
  float (*loop)(int64_t);
};

Variant ChooseVariant(const std::string& requested) {
  const Variant avx2{"avx2", 8, kAvx2Chains, FmaLoopAvx2};
  const Variant avx512{"avx512", 16, kAvx512Chains, FmaLoopAvx512};
  if (requested == "auto") {
    if (HasAvx512()) return avx512;
    if (HasAvx2Fma()) return avx2;
    throw std::runtime_error("the CPU has neither AVX2 + FMA nor AVX-512");
  }
  if (requested == "avx2") {
    if (!HasAvx2Fma()) throw std::runtime_error("the CPU has no AVX2 + FMA");
    return avx2;
  }
  if (requested == "avx512") {
    if (!HasAvx512()) throw std::runtime_error("the CPU has no AVX-512");
    return avx512;
  }
  throw std::runtime_error("variant must be 'auto', 'avx2' or 'avx512', got '" + requested + "'");
}

// Best of `repeats` parallel regions on `threads` threads, in FLOP/s (an FMA counts 2 FLOPs per lane).
double MeasurePeak(const Variant& variant, int threads, int repeats) {
  volatile float sink = 0;
  double best = 0;
  for (int r = 0; r <= repeats; ++r) {  // round 0 wakes the threads and the clocks up, untimed
    const auto start = std::chrono::steady_clock::now();
    float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    total += variant.loop(kIterations);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sink = sink + total;
    if (r == 0) continue;
    const double flops = 2.0 * variant.lanes * variant.chains * static_cast<double>(kIterations) * threads;
    best = std::max(best, flops / seconds);
  }
  return best;
}

// fmaPeak(threads, variant = 'auto', repeats = 5) → { variant, threads, flops }.
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  return Guarded(info, "fmaPeak", [&]() -> Napi::Value {
    const int64_t threads = ArgInt(info, 0, "fmaPeak", "threads");
    if (threads < 1 || threads > 1024) {
      throw std::runtime_error("threads must be an integer in [1, 1024], got " + std::to_string(threads));
    }
    std::string requested = "auto";
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsString()) throw std::runtime_error("variant must be a string");
      requested = info[1].As<Napi::String>().Utf8Value();
    }
    int64_t repeats = 5;
    if (info.Length() > 2 && !info[2].IsUndefined()) repeats = ArgInt(info, 2, "fmaPeak", "repeats");
    if (repeats < 1 || repeats > 100) {
      throw std::runtime_error("repeats must be an integer in [1, 100], got " + std::to_string(repeats));
    }
    const Variant variant = ChooseVariant(requested);
    const double flops = MeasurePeak(variant, static_cast<int>(threads), static_cast<int>(repeats));
    Napi::Object result = Napi::Object::New(info.Env());
    result.Set("variant", variant.name);
    result.Set("threads", static_cast<double>(threads));
    result.Set("flops", flops);
    return result;
  });
}

}  // namespace

void InitFmaPeak(Napi::Env env, Napi::Object exports) {
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak));
  exports.Set("fmaVariants", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                Napi::Array names = Napi::Array::New(info.Env());
                uint32_t n = 0;
                if (HasAvx2Fma()) names.Set(n++, "avx2");
                if (HasAvx512()) names.Set(n++, "avx512");
                return names;
              }));
}

}  // namespace onednn_addon
