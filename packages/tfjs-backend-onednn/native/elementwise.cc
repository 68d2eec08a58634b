// Elementwise kernels: binary ops with numpy/tfjs broadcasting, unary ops, and AddN. Plain OpenMP loops (memory-bound
// work that oneDNN's binary/eltwise primitives would not speed up, and whose primitive lookup costs more than the
// loop for the small tensors of a training step).
//
// Broadcasting: both operands get per-dimension strides into the output shape (0 where broadcast), adjacent dimensions
// with compatible strides are merged, and the innermost run is processed by a loop specialised for the operand strides
// (1,1) same shape, (1,0) tensor ⊙ row/scalar, (0,1) row/scalar ⊙ tensor, so that [N..., C] ⊙ [C] and scalar cases
// vectorise like the same-shape case.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "common.h"
#include "parallel.h"

namespace onednn_addon {

namespace {

// Binary op codes, shared with src/kernels/binary.ts.
enum BinaryOp { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDifference, kBinaryOpCount };

struct AddOp {
  static float F(float a, float b) { return a + b; }
};
struct SubOp {
  static float F(float a, float b) { return a - b; }
};
struct MulOp {
  static float F(float a, float b) { return a * b; }
};
struct DivOp {
  static float F(float a, float b) { return a / b; }
};
// Math.max / Math.min semantics (the cpu backend's): NaN if either operand is NaN.
struct MaxOp {
  static float F(float a, float b) { return (a > b || a != a) ? a : b; }
};
struct MinOp {
  static float F(float a, float b) { return (a < b || a != a) ? a : b; }
};
struct SqDiffOp {
  static float F(float a, float b) {
    float d = a - b;
    return d * d;
  }
};

// One contiguous run of `n` outputs; SA/SB are the operands' element strides (1, or 0 when broadcast).
template <class Op, int SA, int SB>
inline void Run(const float* __restrict a, const float* __restrict b, float* __restrict o, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) o[i] = Op::F(a[i * SA], b[i * SB]);
}

template <class Op>
inline void RunDispatch(const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n) {
  if (sa == 1 && sb == 1) {
    Run<Op, 1, 1>(a, b, o, n);
  } else if (sa == 1) {
    Run<Op, 1, 0>(a, b, o, n);
  } else if (sb == 1) {
    Run<Op, 0, 1>(a, b, o, n);
  } else {
    Run<Op, 0, 0>(a, b, o, n);
  }
}

// Output dimensions with the operands' strides, innermost last, after merging compatible dimensions.
struct BroadcastPlan {
  std::vector<int64_t> dims, sa, sb;
};

std::vector<int64_t> Padded(const std::vector<int64_t>& shape, size_t rank) {
  std::vector<int64_t> out(rank - shape.size(), 1);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

BroadcastPlan Plan(const std::vector<int64_t>& a_shape, const std::vector<int64_t>& b_shape,
                   const std::vector<int64_t>& out_shape) {
  size_t rank = out_shape.size();
  if (a_shape.size() > rank || b_shape.size() > rank) throw std::runtime_error("operand rank exceeds output rank");
  std::vector<int64_t> a = Padded(a_shape, rank), b = Padded(b_shape, rank);
  std::vector<int64_t> sa(rank), sb(rank);
  int64_t stride_a = 1, stride_b = 1;
  for (size_t k = rank; k-- > 0;) {
    int64_t d = out_shape[k];
    if ((a[k] != d && a[k] != 1) || (b[k] != d && b[k] != 1)) {
      throw std::runtime_error("operand shapes do not broadcast to the output shape");
    }
    sa[k] = a[k] == d ? stride_a : 0;
    sb[k] = b[k] == d ? stride_b : 0;
    stride_a *= a[k];
    stride_b *= b[k];
  }
  // Merge from the innermost dimension outwards; drop size-1 dimensions.
  BroadcastPlan rev;
  for (size_t k = rank; k-- > 0;) {
    int64_t d = out_shape[k];
    if (d == 1) continue;
    if (!rev.dims.empty()) {
      int64_t& D = rev.dims.back();
      if (sa[k] == rev.sa.back() * D && sb[k] == rev.sb.back() * D) {
        D *= d;
        continue;
      }
    }
    rev.dims.push_back(d);
    rev.sa.push_back(sa[k]);
    rev.sb.push_back(sb[k]);
  }
  BroadcastPlan plan;
  plan.dims.assign(rev.dims.rbegin(), rev.dims.rend());
  plan.sa.assign(rev.sa.rbegin(), rev.sa.rend());
  plan.sb.assign(rev.sb.rbegin(), rev.sb.rend());
  return plan;
}

// The two innermost dimensions as a tight 2-D loop (no per-run dispatch or odometer): `n2` runs of `n` outputs, the
// operands advancing by sa2/sb2 between runs.
template <class Op, int SA, int SB>
void Block2D(const float* a, int64_t sa2, const float* b, int64_t sb2, float* o, int64_t n, int64_t n2) {
  for (int64_t j = 0; j < n2; ++j) Run<Op, SA, SB>(a + j * sa2, b + j * sb2, o + j * n, n);
}

template <class Op>
void Block2DDispatch(const float* a, int64_t sa, int64_t sa2, const float* b, int64_t sb, int64_t sb2, float* o,
                     int64_t n, int64_t n2) {
  if (sa == 1 && sb == 1) {
    Block2D<Op, 1, 1>(a, sa2, b, sb2, o, n, n2);
  } else if (sa == 1) {
    Block2D<Op, 1, 0>(a, sa2, b, sb2, o, n, n2);
  } else if (sb == 1) {
    Block2D<Op, 0, 1>(a, sa2, b, sb2, o, n, n2);
  } else {
    Block2D<Op, 0, 0>(a, sa2, b, sb2, o, n, n2);
  }
}

template <class Op>
void Broadcast(const float* a, const float* b, float* o, const BroadcastPlan& p, int64_t total) {
  size_t r = p.dims.size();
  if (r == 0) {  // every dimension is 1: a single element
    o[0] = Op::F(a[0], b[0]);
    return;
  }
  int64_t inner = p.dims[r - 1];
  int64_t isa = p.sa[r - 1], isb = p.sb[r - 1];
  if (r == 1) {
    // One long run (same shape, or scalar ⊙ tensor): split it between threads.
    int64_t chunks = Chunks(total);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t begin = total * c / chunks, end = total * (c + 1) / chunks;
      RunDispatch<Op>(a + begin * isa, isa, b + begin * isb, isb, o + begin, end - begin);
    }
    return;
  }
  // Blocks of the two innermost dimensions, indexed by the outer ones; threads split the blocks, or the rows of the
  // single block when there is only one.
  int64_t inner2 = p.dims[r - 2];
  int64_t sa2 = p.sa[r - 2], sb2 = p.sb[r - 2];
  int64_t block = inner * inner2;
  int64_t blocks = total / block;
  if (blocks == 1) {
    int64_t chunks = std::min<int64_t>(Chunks(total), inner2);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t begin = inner2 * c / chunks, end = inner2 * (c + 1) / chunks;
      Block2DDispatch<Op>(a + begin * sa2, isa, sa2, b + begin * sb2, isb, sb2, o + begin * inner, inner, end - begin);
    }
    return;
  }
  size_t outer_rank = r - 2;
  int64_t chunks = std::min<int64_t>(Chunks(total), blocks);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = blocks * c / chunks, end = blocks * (c + 1) / chunks;
    // Offsets of the first block from its multi-index, then an odometer (no divisions per block).
    std::vector<int64_t> idx(outer_rank, 0);
    int64_t rest = begin, oa = 0, ob = 0;
    for (size_t k = outer_rank; k-- > 0;) {
      idx[k] = rest % p.dims[k];
      rest /= p.dims[k];
      oa += idx[k] * p.sa[k];
      ob += idx[k] * p.sb[k];
    }
    for (int64_t blk = begin; blk < end; ++blk) {
      Block2DDispatch<Op>(a + oa, isa, sa2, b + ob, isb, sb2, o + blk * block, inner, inner2);
      for (size_t k = outer_rank; k-- > 0;) {
        oa += p.sa[k];
        ob += p.sb[k];
        if (++idx[k] < p.dims[k]) break;
        oa -= p.sa[k] * p.dims[k];
        ob -= p.sb[k] * p.dims[k];
        idx[k] = 0;
      }
    }
  }
}

// binary(op, a, aShape, b, bShape, out, outShape)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* kernel = "binary";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    int64_t op = ArgInt(info, 0, kernel, "op");
    if (op < 0 || op >= kBinaryOpCount) throw std::runtime_error("unknown binary op " + std::to_string(op));
    std::vector<int64_t> a_shape = ArgShape(info, 2, kernel, "aShape");
    std::vector<int64_t> b_shape = ArgShape(info, 4, kernel, "bShape");
    std::vector<int64_t> out_shape = ArgShape(info, 6, kernel, "outShape");
    F32 a = ArgF32(info, 1, kernel, "a", ShapeSize(a_shape));
    F32 b = ArgF32(info, 3, kernel, "b", ShapeSize(b_shape));
    int64_t total = ShapeSize(out_shape);
    F32 o = ArgF32(info, 5, kernel, "out", total);
    if (total == 0) return info.Env().Undefined();
    BroadcastPlan plan = Plan(a_shape, b_shape, out_shape);
    switch (op) {
      case kAdd: Broadcast<AddOp>(a.data, b.data, o.data, plan, total); break;
      case kSub: Broadcast<SubOp>(a.data, b.data, o.data, plan, total); break;
      case kMul: Broadcast<MulOp>(a.data, b.data, o.data, plan, total); break;
      case kDiv: Broadcast<DivOp>(a.data, b.data, o.data, plan, total); break;
      case kMax: Broadcast<MaxOp>(a.data, b.data, o.data, plan, total); break;
      case kMin: Broadcast<MinOp>(a.data, b.data, o.data, plan, total); break;
      case kSquaredDifference: Broadcast<SqDiffOp>(a.data, b.data, o.data, plan, total); break;
    }
    return info.Env().Undefined();
  });
}

// Unary op codes, shared with src/kernels/unary.ts. Semantics follow the cpu backend's kernels (NaN propagates).
enum UnaryOp {
  kRelu = 0, kExp, kLog, kNeg, kSquare, kSqrt, kRsqrt, kAbs, kSigmoid, kTanh, kReciprocal, kStep, kRelu6,
  kFloor, kCeil, kRound, kSign, kElu, kLeakyRelu, kUnaryOpCount
};

template <class F>
void Map(const float* x, float* y, int64_t n, F f) {
  int64_t chunks = Chunks(n);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
    const F g = f;  // a thread-local copy of the functor (its captures) lets the loop vectorise
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) y[i] = g(x[i]);
  }
}

// unary(op, x, y, alpha): alpha is Step's value for x <= 0 and LeakyRelu's slope.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const char* kernel = "unary";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    int64_t op = ArgInt(info, 0, kernel, "op");
    if (op < 0 || op >= kUnaryOpCount) throw std::runtime_error("unknown unary op " + std::to_string(op));
    F32 x = ArgF32(info, 1, kernel, "x", -1);
    F32 y = ArgF32(info, 2, kernel, "y", static_cast<int64_t>(x.length));
    float alpha = static_cast<float>(ArgNumber(info, 3, kernel, "alpha"));
    int64_t n = static_cast<int64_t>(x.length);
    switch (op) {
      case kRelu: Map(x.data, y.data, n, [](float v) { return (v > 0.f || v != v) ? v : 0.f; }); break;  // Math.max(0, v)
      case kExp: Map(x.data, y.data, n, [](float v) { return std::exp(v); }); break;
      case kLog: Map(x.data, y.data, n, [](float v) { return std::log(v); }); break;
      case kNeg: Map(x.data, y.data, n, [](float v) { return -v; }); break;
      case kSquare: Map(x.data, y.data, n, [](float v) { return v * v; }); break;
      case kSqrt: Map(x.data, y.data, n, [](float v) { return std::sqrt(v); }); break;
      case kRsqrt: Map(x.data, y.data, n, [](float v) { return 1.f / std::sqrt(v); }); break;
      case kAbs: Map(x.data, y.data, n, [](float v) { return std::fabs(v); }); break;
      case kSigmoid: Map(x.data, y.data, n, [](float v) { return 1.f / (1.f + std::exp(-v)); }); break;
      case kTanh: Map(x.data, y.data, n, [](float v) { return std::tanh(v); }); break;
      case kReciprocal: Map(x.data, y.data, n, [](float v) { return 1.f / v; }); break;
      case kStep:  // select form (not nested branches) so that the loop vectorises
        Map(x.data, y.data, n, [alpha](float v) {
          float r = v > 0.f ? 1.f : alpha;
          return v != v ? v : r;
        });
        break;
      case kRelu6: Map(x.data, y.data, n, [](float v) { return v > 0.f ? (v < 6.f ? v : 6.f) : (v != v ? v : 0.f); }); break;
      case kFloor: Map(x.data, y.data, n, [](float v) { return std::floor(v); }); break;
      case kCeil: Map(x.data, y.data, n, [](float v) { return std::ceil(v); }); break;
      // Round half to even, as the cpu kernel ("banker's rounding"): nearbyint in the default rounding mode.
      case kRound: Map(x.data, y.data, n, [](float v) { return std::nearbyint(v); }); break;
      case kSign: Map(x.data, y.data, n, [](float v) { return v > 0.f ? 1.f : (v < 0.f ? -1.f : 0.f); }); break;
      // ELU (Clevert et al. 2016, eq. 1 with alpha = 1)
      case kElu: Map(x.data, y.data, n, [](float v) { return v >= 0.f ? v : std::expm1(v); }); break;
      case kLeakyRelu:
        Map(x.data, y.data, n, [alpha](float v) {
          float r = alpha * v;
          return v < 0.f ? r : v;
        });
        break;
    }
    return info.Env().Undefined();
  });
}

// addN([x0, x1, ...], y): elementwise sum of equally long arrays, summed left to right like the cpu backend.
Napi::Value AddN(const Napi::CallbackInfo& info) {
  const char* kernel = "addN";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsArray()) throw std::runtime_error("argument 'inputs' must be an array");
    F32 y = ArgF32(info, 1, kernel, "y", -1);
    auto list = info[0].As<Napi::Array>();
    std::vector<const float*> xs;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value v = list.Get(i);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw std::runtime_error("inputs[" + std::to_string(i) + "] must be a Float32Array");
      }
      auto f = v.As<Napi::Float32Array>();
      if (f.ElementLength() != y.length) throw std::runtime_error("inputs[" + std::to_string(i) + "] has a wrong length");
      xs.push_back(f.Data());
    }
    if (xs.empty()) throw std::runtime_error("inputs must not be empty");
    int64_t n = static_cast<int64_t>(y.length);
    int64_t chunks = Chunks(n * static_cast<int64_t>(xs.size()));
    float* out = y.data;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
      const float* x0 = xs[0];
      for (int64_t i = begin; i < end; ++i) out[i] = x0[i];
      for (size_t k = 1; k < xs.size(); ++k) {
        const float* xk = xs[k];
#pragma omp simd
        for (int64_t i = begin; i < end; ++i) out[i] += xk[i];
      }
    }
    return info.Env().Undefined();
  });
}

// reluGrad(dy, x, dx): dx = dy · step(x), the ReLU gradient tfjs composes as Multiply(dy, Step(x)), in one pass with
// the same values (step(NaN) = NaN, so NaN propagates; dy · 0 keeps its sign).
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  const char* kernel = "reluGrad";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    F32 dy = ArgF32(info, 0, kernel, "dy", -1);
    int64_t n = static_cast<int64_t>(dy.length);
    F32 x = ArgF32(info, 1, kernel, "x", n);
    F32 dx = ArgF32(info, 2, kernel, "dx", n);
    const float *g = dy.data, *xv = x.data;
    float* out = dx.data;
    int64_t chunks = Chunks(n);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) {
        float v = xv[i];
        float s = v > 0.f ? 1.f : 0.f;
        s = v != v ? v : s;
        out[i] = g[i] * s;
      }
    }
    return info.Env().Undefined();
  });
}

// batchNorm(x, channels, mean, variance, scale | null, offset | null, epsilon, y): tfjs's FusedBatchNorm kernel (the
// inference-style normalisation that tfjs-layers also uses in training with the batch moments),
// y = offset + (x - mean) · scale / sqrt(variance + ε) (Ioffe & Szegedy 2015, Alg. 1), per channel of the last axis;
// each parameter holds `channels` values or a single one.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const char* kernel = "batchNorm";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    F32 x = ArgF32(info, 0, kernel, "x", -1);
    int64_t C = ArgInt(info, 1, kernel, "channels");
    if (C < 1 || static_cast<int64_t>(x.length) % C != 0) throw std::runtime_error("channels must divide x's length");
    auto param = [&](size_t index, const char* name, float fallback) {
      std::vector<float> v(C, fallback);
      if (info[index].IsNull() || info[index].IsUndefined()) return v;
      F32 p = ArgF32(info, index, kernel, name, -1);
      if (p.length == 1) {
        std::fill(v.begin(), v.end(), p.data[0]);
      } else if (static_cast<int64_t>(p.length) == C) {
        std::copy(p.data, p.data + C, v.begin());
      } else {
        throw std::runtime_error(std::string("argument '") + name + "' must hold 1 or `channels` values");
      }
      return v;
    };
    std::vector<float> mean = param(2, "mean", 0.f), var = param(3, "variance", 1.f);
    std::vector<float> scale = param(4, "scale", 1.f), offset = param(5, "offset", 0.f);
    double eps = ArgNumber(info, 6, kernel, "epsilon");
    F32 y = ArgF32(info, 7, kernel, "y", static_cast<int64_t>(x.length));
    std::vector<float> a(C);
    for (int64_t c = 0; c < C; ++c) a[c] = static_cast<float>(scale[c] / std::sqrt(static_cast<double>(var[c]) + eps));
    int64_t rows = static_cast<int64_t>(x.length) / C;
    int64_t chunks = std::min<int64_t>(Chunks(static_cast<int64_t>(x.length)), rows);
    const float *m = mean.data(), *o = offset.data(), *ap = a.data();
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t t = 0; t < chunks; ++t) {
      for (int64_t r = rows * t / chunks; r < rows * (t + 1) / chunks; ++r) {
        const float* xr = x.data + r * C;
        float* yr = y.data + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) yr[c] = o[c] + (xr[c] - m[c]) * ap[c];
      }
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void InitElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("addN", Napi::Function::New(env, AddN));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad));
}

}  // namespace onednn_addon
