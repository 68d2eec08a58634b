// Helpers of the hand-written (non-oneDNN) kernels: when to use OpenMP threads, and shape arguments.
#pragma once

#include <omp.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common.h"

namespace onednn_addon {

// Below this many elements a kernel runs on the calling thread: an OpenMP fork/join costs a few microseconds, more
// than a memory-bound loop over a small tensor (the prototype measured ~150 µs per op overall, so every µs counts).
constexpr int64_t kParallelMin = 1 << 15;

// Number of equal chunks to split `n` elements of work into: one per thread above the threshold, else one.
inline int64_t Chunks(int64_t n) { return n >= kParallelMin ? static_cast<int64_t>(omp_get_max_threads()) : 1; }

inline int64_t ShapeSize(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// A tensor shape argument: an array of non-negative integers.
inline std::vector<int64_t> ArgShape(const Napi::CallbackInfo& info, size_t index, const char* kernel,
                                     const char* name) {
  std::vector<int64_t> shape = ArgInts(info, index, kernel, name);
  for (int64_t d : shape) {
    if (d < 0) throw std::runtime_error(std::string("argument '") + name + "' has a negative dimension");
  }
  return shape;
}

}  // namespace onednn_addon
