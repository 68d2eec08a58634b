// Layout kernels: Tile, Transpose, PadV2, Slice (strided copy) and Concat. Pure data movement: rows of the innermost
// dimension are copied with memcpy where they are contiguous, dimensions are walked with incremental odometers, and
// rows are split between OpenMP threads above the size threshold.
#include <cstring>

#include "common.h"
#include "parallel.h"

namespace onednn_addon {

namespace {

std::vector<int64_t> StridesOf(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t k = shape.size(); k-- > 0;) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

// Copies an N-d box: dst (contiguous, dims `dims`) <- src at `src_offset` with element strides `src_strides`; the
// innermost run is contiguous in src when src_strides.back() == 1. dst rows may themselves be strided
// (`dst_strides`) for padding.
void StridedCopy(const float* src, int64_t src_offset, const std::vector<int64_t>& src_strides, float* dst,
                 int64_t dst_offset, const std::vector<int64_t>& dst_strides, const std::vector<int64_t>& dims) {
  size_t r = dims.size();
  if (r == 0) {
    dst[dst_offset] = src[src_offset];
    return;
  }
  int64_t inner = dims[r - 1];
  int64_t s_in = src_strides[r - 1], d_in = dst_strides[r - 1];
  int64_t rows = 1;
  for (size_t k = 0; k + 1 < r; ++k) rows *= dims[k];
  int64_t chunks = rows > 1 ? std::min<int64_t>(Chunks(rows * inner), rows) : 1;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = rows * c / chunks, end = rows * (c + 1) / chunks;
    // Decompose the first row index, then advance an odometer.
    std::vector<int64_t> idx(r > 1 ? r - 1 : 0, 0);
    int64_t rest = begin, so = src_offset, dof = dst_offset;
    for (size_t k = r - 1; k-- > 0;) {
      idx[k] = rest % dims[k];
      rest /= dims[k];
      so += idx[k] * src_strides[k];
      dof += idx[k] * dst_strides[k];
    }
    for (int64_t row = begin; row < end; ++row) {
      if (s_in == 1 && d_in == 1) {
        std::memcpy(dst + dof, src + so, sizeof(float) * inner);
      } else {
        for (int64_t i = 0; i < inner; ++i) dst[dof + i * d_in] = src[so + i * s_in];
      }
      for (size_t k = r - 1; k-- > 0;) {
        so += src_strides[k];
        dof += dst_strides[k];
        if (++idx[k] < dims[k]) break;
        so -= src_strides[k] * dims[k];
        dof -= dst_strides[k] * dims[k];
        idx[k] = 0;
      }
    }
  }
}

// Drops size-1 dimensions and merges dimension k into k+1 when both the source and destination strides make them one
// contiguous run.
void Simplify(std::vector<int64_t>& dims, std::vector<int64_t>& ss, std::vector<int64_t>& ds) {
  std::vector<int64_t> d2, s2, t2;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 1) continue;
    if (!d2.empty() && s2.back() == ss[k] * dims[k] && t2.back() == ds[k] * dims[k]) {
      d2.back() *= dims[k];
      s2.back() = ss[k];
      t2.back() = ds[k];
      continue;
    }
    d2.push_back(dims[k]);
    s2.push_back(ss[k]);
    t2.push_back(ds[k]);
  }
  dims = d2;
  ss = s2;
  ds = t2;
}

// transpose(x, shape, perm, y): y[i0..] = x[..] with y.shape[k] = shape[perm[k]].
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* kernel = "transpose";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    std::vector<int64_t> shape = ArgShape(info, 1, kernel, "shape");
    std::vector<int64_t> perm = ArgInts(info, 2, kernel, "perm");
    if (perm.size() != shape.size()) throw std::runtime_error("perm must have one entry per dimension");
    std::vector<bool> seen(shape.size(), false);
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(shape.size()) || seen[p]) throw std::runtime_error("perm is not a permutation");
      seen[p] = true;
    }
    int64_t size = ShapeSize(shape);
    F32 x = ArgF32(info, 0, kernel, "x", size);
    F32 y = ArgF32(info, 3, kernel, "y", size);
    if (size == 0) return info.Env().Undefined();
    std::vector<int64_t> in_strides = StridesOf(shape);
    std::vector<int64_t> dims(perm.size()), ss(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) {
      dims[k] = shape[perm[k]];
      ss[k] = in_strides[perm[k]];
    }
    std::vector<int64_t> ds = StridesOf(dims);
    Simplify(dims, ss, ds);
    StridedCopy(x.data, 0, ss, y.data, 0, ds, dims);
    return info.Env().Undefined();
  });
}

// slice(x, shape, begin, size, y): y = x[begin : begin + size] (a copy; contiguous slices are views in JS instead).
Napi::Value Slice(const Napi::CallbackInfo& info) {
  const char* kernel = "slice";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    std::vector<int64_t> shape = ArgShape(info, 1, kernel, "shape");
    std::vector<int64_t> begin = ArgShape(info, 2, kernel, "begin");
    std::vector<int64_t> size = ArgShape(info, 3, kernel, "size");
    if (begin.size() != shape.size() || size.size() != shape.size()) throw std::runtime_error("rank mismatch");
    for (size_t k = 0; k < shape.size(); ++k) {
      if (begin[k] + size[k] > shape[k]) throw std::runtime_error("slice exceeds the input in dimension " + std::to_string(k));
    }
    F32 x = ArgF32(info, 0, kernel, "x", ShapeSize(shape));
    int64_t out_size = ShapeSize(size);
    F32 y = ArgF32(info, 4, kernel, "y", out_size);
    if (out_size == 0) return info.Env().Undefined();
    std::vector<int64_t> ss = StridesOf(shape);
    int64_t offset = 0;
    for (size_t k = 0; k < shape.size(); ++k) offset += begin[k] * ss[k];
    std::vector<int64_t> dims = size, ds = StridesOf(size);
    Simplify(dims, ss, ds);
    StridedCopy(x.data, offset, ss, y.data, 0, ds, dims);
    return info.Env().Undefined();
  });
}

// pad(x, shape, before, after, value, y): constant padding.
Napi::Value Pad(const Napi::CallbackInfo& info) {
  const char* kernel = "pad";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    std::vector<int64_t> shape = ArgShape(info, 1, kernel, "shape");
    std::vector<int64_t> before = ArgShape(info, 2, kernel, "before");
    std::vector<int64_t> after = ArgShape(info, 3, kernel, "after");
    float value = static_cast<float>(ArgNumber(info, 4, kernel, "value"));
    if (before.size() != shape.size() || after.size() != shape.size()) throw std::runtime_error("rank mismatch");
    std::vector<int64_t> out_shape(shape.size());
    for (size_t k = 0; k < shape.size(); ++k) out_shape[k] = before[k] + shape[k] + after[k];
    int64_t in_size = ShapeSize(shape), out_size = ShapeSize(out_shape);
    F32 x = ArgF32(info, 0, kernel, "x", in_size);
    F32 y = ArgF32(info, 5, kernel, "y", out_size);
    float* yd = y.data;
    int64_t chunks = Chunks(out_size);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      for (int64_t i = out_size * c / chunks; i < out_size * (c + 1) / chunks; ++i) yd[i] = value;
    }
    if (in_size == 0) return info.Env().Undefined();
    std::vector<int64_t> ds = StridesOf(out_shape);
    int64_t offset = 0;
    for (size_t k = 0; k < shape.size(); ++k) offset += before[k] * ds[k];
    std::vector<int64_t> dims = shape, ss = StridesOf(shape);
    Simplify(dims, ss, ds);
    StridedCopy(x.data, 0, ss, y.data, offset, ds, dims);
    return info.Env().Undefined();
  });
}

// tile(x, shape, reps, y): y.shape[k] = shape[k] * reps[k]. Writes one copy of each block, then duplicates it.
void TileLevel(const float* x, float* y, const std::vector<int64_t>& shape, const std::vector<int64_t>& reps,
               const std::vector<int64_t>& in_strides, const std::vector<int64_t>& out_strides, size_t level) {
  size_t r = shape.size();
  int64_t block = shape[level] * out_strides[level];  // one un-repeated block of this level in y
  if (level + 1 == r) {
    std::memcpy(y, x, sizeof(float) * shape[level]);
  } else {
    for (int64_t j = 0; j < shape[level]; ++j) {
      TileLevel(x + j * in_strides[level], y + j * out_strides[level], shape, reps, in_strides, out_strides, level + 1);
    }
  }
  for (int64_t rep = 1; rep < reps[level]; ++rep) std::memcpy(y + rep * block, y, sizeof(float) * block);
}

Napi::Value Tile(const Napi::CallbackInfo& info) {
  const char* kernel = "tile";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    std::vector<int64_t> shape = ArgShape(info, 1, kernel, "shape");
    std::vector<int64_t> reps = ArgShape(info, 2, kernel, "reps");
    if (reps.size() != shape.size()) throw std::runtime_error("reps must have one entry per dimension");
    std::vector<int64_t> out_shape(shape.size());
    for (size_t k = 0; k < shape.size(); ++k) out_shape[k] = shape[k] * reps[k];
    F32 x = ArgF32(info, 0, kernel, "x", ShapeSize(shape));
    int64_t out_size = ShapeSize(out_shape);
    F32 y = ArgF32(info, 3, kernel, "y", out_size);
    if (out_size == 0) return info.Env().Undefined();
    if (shape.empty()) {
      y.data[0] = x.data[0];
      return info.Env().Undefined();
    }
    // Merge neighbours that are not repeated (reps 1) into contiguous runs.
    std::vector<int64_t> s2, r2;
    for (size_t k = 0; k < shape.size(); ++k) {
      if (shape[k] == 1 && reps[k] == 1) continue;
      if (!s2.empty() && r2.back() == 1 && reps[k] == 1) {
        s2.back() *= shape[k];
        continue;
      }
      s2.push_back(shape[k]);
      r2.push_back(reps[k]);
    }
    if (s2.empty()) {
      y.data[0] = x.data[0];
      return info.Env().Undefined();
    }
    std::vector<int64_t> in_strides = StridesOf(s2), o(s2.size());
    for (size_t k = 0; k < s2.size(); ++k) o[k] = s2[k] * r2[k];
    std::vector<int64_t> out_strides = StridesOf(o);
    // The outermost level's blocks are independent: split them between threads.
    int64_t n0 = s2[0];
    if (s2.size() > 1 && n0 > 1 && out_size >= kParallelMin) {
#pragma omp parallel for schedule(static)
      for (int64_t j = 0; j < n0; ++j) {
        TileLevel(x.data + j * in_strides[0], y.data + j * out_strides[0], s2, r2, in_strides, out_strides, 1);
      }
      int64_t block = n0 * out_strides[0];
#pragma omp parallel for schedule(static) if (r2[0] > 2)
      for (int64_t rep = 1; rep < r2[0]; ++rep) std::memcpy(y.data + rep * block, y.data, sizeof(float) * block);
    } else {
      TileLevel(x.data, y.data, s2, r2, in_strides, out_strides, 0);
    }
    return info.Env().Undefined();
  });
}

// concat(xs, inners, outer, y): y viewed as [outer, Σ inners]; xs[i] as [outer, inners[i]].
Napi::Value Concat(const Napi::CallbackInfo& info) {
  const char* kernel = "concat";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsArray()) throw std::runtime_error("argument 'xs' must be an array");
    std::vector<int64_t> inners = ArgShape(info, 1, kernel, "inners");
    int64_t outer = ArgInt(info, 2, kernel, "outer");
    auto list = info[0].As<Napi::Array>();
    if (list.Length() != inners.size() || outer < 0) throw std::runtime_error("xs and inners differ in length");
    std::vector<const float*> xs;
    int64_t width = 0;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value v = list.Get(i);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw std::runtime_error("xs[" + std::to_string(i) + "] must be a Float32Array");
      }
      auto f = v.As<Napi::Float32Array>();
      if (static_cast<int64_t>(f.ElementLength()) != outer * inners[i]) {
        throw std::runtime_error("xs[" + std::to_string(i) + "] has a wrong length");
      }
      xs.push_back(f.Data());
      width += inners[i];
    }
    F32 y = ArgF32(info, 3, kernel, "y", outer * width);
    int64_t chunks = outer > 1 ? std::min<int64_t>(Chunks(outer * width), outer) : 1;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      for (int64_t o = outer * c / chunks; o < outer * (c + 1) / chunks; ++o) {
        float* dst = y.data + o * width;
        for (size_t i = 0; i < xs.size(); ++i) {
          std::memcpy(dst, xs[i] + o * inners[i], sizeof(float) * inners[i]);
          dst += inners[i];
        }
      }
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void InitLayout(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("slice", Napi::Function::New(env, Slice));
  exports.Set("pad", Napi::Function::New(env, Pad));
  exports.Set("tile", Napi::Function::New(env, Tile));
  exports.Set("concat", Napi::Function::New(env, Concat));
}

}  // namespace onednn_addon
