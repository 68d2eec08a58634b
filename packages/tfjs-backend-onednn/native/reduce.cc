// Reductions over any set of axes (Sum, Mean, Max, Min), ArgMax/ArgMin over one axis, and Softmax over the last axis.
//
// Size-1 dimensions are dropped and adjacent dimensions of the same kind (kept / reduced) are merged, so that nearly
// every reduction of a training step becomes x[K1, R, K2] -> y[K1, K2]: batch-norm moments are [1, N·H·W, C], global
// average pooling [N, H·W, C], gradient sums of broadcasts [1, R, C] or [K, R, 1]. Those run as vectorised column or
// row loops; other axis patterns use a generic strided loop. Sums accumulate in double (the cpu backend accumulates
// in float32 sequentially; double keeps ours within its rounding error).
#include <cmath>
#include <limits>
#include <type_traits>

#include "common.h"
#include "parallel.h"

namespace onednn_addon {

namespace {

enum ReduceOp { kSum = 0, kMean, kMax, kMin, kReduceOpCount };

struct SumAcc {
  using T = double;
  static T Init() { return 0.0; }
  static T Add(T a, float v) { return a + v; }
  static T Merge(T a, T b) { return a + b; }
};
// NaN propagates, as in the cpu backend's loops (`if (isNaN(v) || v > max) max = v`).
struct MaxAcc {
  using T = float;
  static T Init() { return -std::numeric_limits<float>::infinity(); }
  static T Add(T a, float v) { return (v > a || v != v) ? v : a; }
  static T Merge(T a, T b) { return a != a ? a : Add(a, b); }
};
struct MinAcc {
  using T = float;
  static T Init() { return std::numeric_limits<float>::infinity(); }
  static T Add(T a, float v) { return (v < a || v != v) ? v : a; }
  static T Merge(T a, T b) { return a != a ? a : Add(a, b); }
};

// acc[k] (+)= rows[r][k] for r in [r0, r1) of a [R, K] block. Sums go through float partials of up to 64 rows (which
// vectorise) before being added to the double accumulators.
template <class Acc>
void AccumulateRows(const float* block, int64_t r0, int64_t r1, int64_t K, typename Acc::T* acc) {
  if constexpr (std::is_same_v<typename Acc::T, double>) {
    std::vector<float> part(K);
    for (int64_t rb = r0; rb < r1; rb += 64) {
      int64_t re = std::min(r1, rb + 64);
      float* pt = part.data();
      for (int64_t k = 0; k < K; ++k) pt[k] = 0.f;
      for (int64_t r = rb; r < re; ++r) {
        const float* row = block + r * K;
#pragma omp simd
        for (int64_t k = 0; k < K; ++k) pt[k] += row[k];
      }
      for (int64_t k = 0; k < K; ++k) acc[k] += pt[k];
    }
  } else {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = block + r * K;
#pragma omp simd
      for (int64_t k = 0; k < K; ++k) acc[k] = Acc::Add(acc[k], row[k]);
    }
  }
}

// Reduces a contiguous run.
template <class Acc>
typename Acc::T ReduceRun(const float* x, int64_t n) {
  if constexpr (std::is_same_v<typename Acc::T, double>) {
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < n; ++i) acc += x[i];
    return acc;
  } else {
    typename Acc::T acc = Acc::Init();
    for (int64_t i = 0; i < n; ++i) acc = Acc::Add(acc, x[i]);
    return acc;
  }
}

// Dimensions after dropping size-1 ones and merging neighbours of the same kind.
struct Groups {
  std::vector<int64_t> dims;
  std::vector<bool> reduced;
};

Groups Collapse(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes) {
  std::vector<bool> is_reduced(shape.size(), false);
  for (int64_t a : axes) {
    if (a < 0 || a >= static_cast<int64_t>(shape.size())) throw std::runtime_error("axis out of range");
    is_reduced[a] = true;
  }
  Groups g;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (!g.dims.empty() && g.reduced.back() == is_reduced[k]) {
      g.dims.back() *= shape[k];
    } else {
      g.dims.push_back(shape[k]);
      g.reduced.push_back(is_reduced[k]);
    }
  }
  return g;
}

// y[k1, k2] = reduce_r x[k1, r, k2]; `scale` multiplies sums (1/R for Mean).
template <class Acc>
void ReduceKRK(const float* x, float* y, int64_t K1, int64_t R, int64_t K2, double scale) {
  using T = typename Acc::T;
  int64_t total = K1 * R * K2;
  int threads = total >= kParallelMin ? omp_get_max_threads() : 1;
  if (K2 == 1) {
    if (K1 >= threads) {  // rows over threads
#pragma omp parallel for schedule(static) if (threads > 1)
      for (int64_t k = 0; k < K1; ++k) {
        y[k] = static_cast<float>(ReduceRun<Acc>(x + k * R, R) * scale);
      }
    } else {  // few long rows: split each row between threads
      for (int64_t k = 0; k < K1; ++k) {
        const float* row = x + k * R;
        std::vector<T> part(threads, Acc::Init());
#pragma omp parallel for schedule(static) if (threads > 1)
        for (int t = 0; t < threads; ++t) {
          int64_t begin = R * t / threads, end = R * (t + 1) / threads;
          part[t] = ReduceRun<Acc>(row + begin, end - begin);
        }
        T acc = part[0];
        for (int t = 1; t < threads; ++t) acc = Acc::Merge(acc, part[t]);
        y[k] = static_cast<float>(acc * scale);
      }
    }
    return;
  }
  if (K1 >= threads) {  // independent [R, K2] blocks over threads (e.g. global average pooling)
#pragma omp parallel for schedule(static) if (threads > 1)
    for (int64_t k1 = 0; k1 < K1; ++k1) {
      std::vector<T> acc(K2, Acc::Init());
      AccumulateRows<Acc>(x + k1 * R * K2, 0, R, K2, acc.data());
      for (int64_t k2 = 0; k2 < K2; ++k2) y[k1 * K2 + k2] = static_cast<float>(acc[k2] * scale);
    }
    return;
  }
  // Few blocks (e.g. batch-norm moments, bias gradients): split R between threads, then merge the partial rows.
  for (int64_t k1 = 0; k1 < K1; ++k1) {
    const float* block = x + k1 * R * K2;
    std::vector<T> part(static_cast<size_t>(threads) * K2, Acc::Init());
#pragma omp parallel for schedule(static) if (threads > 1)
    for (int t = 0; t < threads; ++t) {
      int64_t begin = R * t / threads, end = R * (t + 1) / threads;
      AccumulateRows<Acc>(block, begin, end, K2, part.data() + static_cast<size_t>(t) * K2);
    }
    for (int64_t k2 = 0; k2 < K2; ++k2) {
      T acc = part[k2];
      for (int t = 1; t < threads; ++t) acc = Acc::Merge(acc, part[static_cast<size_t>(t) * K2 + k2]);
      y[k1 * K2 + k2] = static_cast<float>(acc * scale);
    }
  }
}

// Any other pattern: for each output, walk the reduced dimensions with an odometer.
template <class Acc>
void ReduceGeneric(const float* x, float* y, const Groups& g, double scale) {
  size_t rank = g.dims.size();
  std::vector<int64_t> stride(rank);
  int64_t s = 1;
  for (size_t k = rank; k-- > 0;) {
    stride[k] = s;
    s *= g.dims[k];
  }
  std::vector<int64_t> kdims, kstride, rdims, rstride;
  for (size_t k = 0; k < rank; ++k) {
    (g.reduced[k] ? rdims : kdims).push_back(g.dims[k]);
    (g.reduced[k] ? rstride : kstride).push_back(stride[k]);
  }
  int64_t outs = ShapeSize(kdims), R = ShapeSize(rdims);
#pragma omp parallel for schedule(static) if (outs * R >= kParallelMin)
  for (int64_t o = 0; o < outs; ++o) {
    int64_t base = 0, rest = o;
    for (size_t k = kdims.size(); k-- > 0;) {
      base += (rest % kdims[k]) * kstride[k];
      rest /= kdims[k];
    }
    std::vector<int64_t> idx(rdims.size(), 0);
    int64_t off = 0;
    typename Acc::T acc = Acc::Init();
    for (int64_t r = 0; r < R; ++r) {
      acc = Acc::Add(acc, x[base + off]);
      for (size_t k = rdims.size(); k-- > 0;) {  // odometer increment
        off += rstride[k];
        if (++idx[k] < rdims[k]) break;
        off -= rstride[k] * rdims[k];
        idx[k] = 0;
      }
    }
    y[o] = static_cast<float>(acc * scale);
  }
}

template <class Acc>
void Reduce(const float* x, float* y, const Groups& g, double scale) {
  size_t n = g.dims.size();
  if (n == 0) {
    y[0] = static_cast<float>(Acc::Add(Acc::Init(), x[0]) * scale);
  } else if (n == 1 && !g.reduced[0]) {  // nothing to reduce (only size-1 axes)
    ReduceKRK<Acc>(x, y, g.dims[0], 1, 1, scale);
  } else if (n == 1) {
    ReduceKRK<Acc>(x, y, 1, g.dims[0], 1, scale);
  } else if (n == 2) {
    if (g.reduced[0]) ReduceKRK<Acc>(x, y, 1, g.dims[0], g.dims[1], scale);
    else ReduceKRK<Acc>(x, y, g.dims[0], g.dims[1], 1, scale);
  } else if (n == 3 && g.reduced[1]) {
    ReduceKRK<Acc>(x, y, g.dims[0], g.dims[1], g.dims[2], scale);
  } else {
    ReduceGeneric<Acc>(x, y, g, scale);
  }
}

// reduce(op, x, shape, axes, y)
Napi::Value ReduceFn(const Napi::CallbackInfo& info) {
  const char* kernel = "reduce";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    int64_t op = ArgInt(info, 0, kernel, "op");
    if (op < 0 || op >= kReduceOpCount) throw std::runtime_error("unknown reduce op " + std::to_string(op));
    std::vector<int64_t> shape = ArgShape(info, 2, kernel, "shape");
    std::vector<int64_t> axes = ArgInts(info, 3, kernel, "axes");
    int64_t size = ShapeSize(shape);
    if (size == 0) throw std::runtime_error("empty input");
    F32 x = ArgF32(info, 1, kernel, "x", size);
    int64_t reduce_size = 1;
    for (int64_t a : axes) {
      if (a < 0 || a >= static_cast<int64_t>(shape.size())) throw std::runtime_error("axis out of range");
      reduce_size *= shape[a];
    }
    F32 y = ArgF32(info, 4, kernel, "y", size / reduce_size);
    Groups g = Collapse(shape, axes);
    switch (op) {
      case kSum: Reduce<SumAcc>(x.data, y.data, g, 1.0); break;
      case kMean: Reduce<SumAcc>(x.data, y.data, g, 1.0 / static_cast<double>(reduce_size)); break;
      case kMax: Reduce<MaxAcc>(x.data, y.data, g, 1.0); break;
      case kMin: Reduce<MinAcc>(x.data, y.data, g, 1.0); break;
    }
    return info.Env().Undefined();
  });
}

// argReduce(isMax, x, [K1, R, K2], y: Int32Array of K1*K2): index of the first maximum (minimum) along R, as the cpu
// backend's ArgMax/ArgMin (strict comparison, so ties and NaN keep the earlier index).
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  const char* kernel = "argReduce";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    bool is_max = ArgBool(info, 0, kernel, "isMax");
    std::vector<int64_t> d = ArgShape(info, 2, kernel, "dims");
    if (d.size() != 3 || d[1] == 0) throw std::runtime_error("dims must be [K1, R, K2] with R > 0");
    int64_t K1 = d[0], R = d[1], K2 = d[2];
    F32 x = ArgF32(info, 1, kernel, "x", K1 * R * K2);
    int32_t* y = ArgI32Data(info, 3, kernel, "y", K1 * K2);
#pragma omp parallel for schedule(static) if (K1 * R * K2 >= kParallelMin && K1 > 1)
    for (int64_t k1 = 0; k1 < K1; ++k1) {
      const float* block = x.data + k1 * R * K2;
      std::vector<float> best(block, block + K2);
      int32_t* out = y + k1 * K2;
      for (int64_t k2 = 0; k2 < K2; ++k2) out[k2] = 0;
      for (int64_t r = 1; r < R; ++r) {
        const float* row = block + r * K2;
        for (int64_t k2 = 0; k2 < K2; ++k2) {
          float v = row[k2];
          if (is_max ? v > best[k2] : v < best[k2]) {
            best[k2] = v;
            out[k2] = static_cast<int32_t>(r);
          }
        }
      }
    }
    return info.Env().Undefined();
  });
}

// softmax(x, rows, cols, y): softmax over the last axis (Bridle 1990), y = exp(x - max) / Σ exp(x - max), the max
// subtracted for range as in the cpu kernel.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const char* kernel = "softmax";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    int64_t rows = ArgInt(info, 1, kernel, "rows"), cols = ArgInt(info, 2, kernel, "cols");
    if (rows < 0 || cols < 1) throw std::runtime_error("rows must be >= 0 and cols >= 1");
    F32 x = ArgF32(info, 0, kernel, "x", rows * cols);
    F32 y = ArgF32(info, 3, kernel, "y", rows * cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin && rows > 1)
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x.data + r * cols;
      float* yr = y.data + r * cols;
      float m = MaxAcc::Init();
      for (int64_t c = 0; c < cols; ++c) m = MaxAcc::Add(m, xr[c]);
      double sum = 0.0;
      for (int64_t c = 0; c < cols; ++c) {
        yr[c] = std::exp(xr[c] - m);
        sum += yr[c];
      }
      float inv = static_cast<float>(1.0 / sum);
      for (int64_t c = 0; c < cols; ++c) yr[c] *= inv;
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void InitReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, ReduceFn));
  exports.Set("argReduce", Napi::Function::New(env, ArgReduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
}

}  // namespace onednn_addon
