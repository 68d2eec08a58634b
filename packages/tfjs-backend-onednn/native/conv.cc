// Convolutions on oneDNN: forward (optionally fused with bias, a residual add and ReLU), backward data, backward
// weights.
// Layouts are tfjs's: activations NHWC, filters HWIO ([kh, kw, in, out]); depthwise filters [kh, kw, in, multiplier]
// are grouped convolutions with groups = in. oneDNN picks its preferred weight layout ("any"); weights are reordered
// from/to the tfjs layout each call (they change every training step), activations are used in place.
#include <cstdlib>
#include <cstring>

#include "common.h"
#include "parallel.h"

namespace onednn_addon {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct ConvParams {
  int64_t n, ih, iw, ic, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups;

  static ConvParams From(const Napi::CallbackInfo& info, size_t index, const char* kernel) {
    std::vector<int64_t> v = ArgInts(info, index, kernel, "params");
    if (v.size() != 18) throw Napi::TypeError::New(info.Env(), std::string("onednn ") + kernel + ": params must hold 18 integers");
    ConvParams p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17]};
    for (int64_t x : v) {
      if (x < 0) throw Napi::RangeError::New(info.Env(), std::string("onednn ") + kernel + ": negative size in params");
    }
    if (p.groups < 1 || p.ic % p.groups != 0 || p.oc % p.groups != 0) {
      throw Napi::RangeError::New(info.Env(), std::string("onednn ") + kernel + ": channels not divisible by groups");
    }
    return p;
  }
  std::vector<int64_t> Vec() const { return {n, ih, iw, ic, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups}; }
  int64_t SrcSize() const { return n * ih * iw * ic; }
  int64_t DstSize() const { return n * oh * ow * oc; }
  int64_t WeiSize() const { return kh * kw * (ic / groups) * oc; }

  memory::desc Src() const { return memory::desc({n, ic, ih, iw}, dt::f32, tag::nhwc); }
  memory::desc Dst() const { return memory::desc({n, oc, oh, ow}, dt::f32, tag::nhwc); }
  memory::dims WeiDims() const {
    if (groups == 1) return {oc, ic, kh, kw};
    return {groups, oc / groups, ic / groups, kh, kw};
  }
  // The tfjs filter layout: [kh, kw, in, out] (hwio), or for depthwise [kh, kw, in(=groups), multiplier] (hwigo).
  memory::desc WeiUser() const {
    if (groups == 1) return memory::desc(WeiDims(), dt::f32, tag::hwio);
    if (ic != groups) throw std::runtime_error("grouped convolution supported only as depthwise (groups == in channels)");
    return memory::desc(WeiDims(), dt::f32, tag::hwigo);
  }
  memory::desc WeiAny() const { return memory::desc(WeiDims(), dt::f32, tag::any); }
  memory::dims Strides() const { return {sh, sw}; }
  memory::dims Dilates() const { return {dh - 1, dw - 1}; }
  memory::dims PadL() const { return {pt, pl}; }
  memory::dims PadR() const { return {pb, pr}; }
};

// Weights held in oneDNN's preferred layout, with the reorder that fills or drains them.
struct WeightBuffer {
  memory::desc user_md;
  memory::desc internal_md;
  bool needs_reorder = false;
  std::vector<char> storage;
  dnnl::reorder reorder;

  void Init(const memory::desc& user, const memory::desc& internal, bool to_internal) {
    user_md = user;
    internal_md = internal;
    needs_reorder = user != internal;
    if (needs_reorder) {
      storage.resize(internal.get_size());
      reorder = to_internal ? dnnl::reorder(memory(user, Engine(), DNNL_MEMORY_NONE), memory(internal, Engine(), DNNL_MEMORY_NONE))
                            : dnnl::reorder(memory(internal, Engine(), DNNL_MEMORY_NONE), memory(user, Engine(), DNNL_MEMORY_NONE));
    }
  }
  memory Internal() { return memory(internal_md, Engine(), needs_reorder ? storage.data() : nullptr); }
  // The weights in oneDNN's layout: tfjs's array itself when the layouts agree, else a reordered copy.
  memory FromUser(dnnl::stream& s, float* user) {
    memory user_mem(user_md, Engine(), user);
    if (!needs_reorder) return user_mem;
    memory internal = Internal();
    reorder.execute(s, user_mem, internal);
    return internal;
  }
};

struct ConvFwd {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  WeightBuffer wei;
};

struct ConvBwdData {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
  WeightBuffer wei;
};

struct ConvBwdWeights {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  WeightBuffer wei;
};

// TFJS_ONEDNN_CONV_IMPL=first: always oneDNN's first choice of implementation, and the residual through a sum post-op.
bool FirstChoiceOnly() {
  static const bool first_only = [] {
    const char* v = std::getenv("TFJS_ONEDNN_CONV_IMPL");
    return v != nullptr && std::string(v) == "first";
  }();
  return first_only;
}

// 3x3 convolutions with at most 16 input channels: the only ones the choices below were measured on.
bool SmallChannels3x3(const ConvParams& p) {
  return !FirstChoiceOnly() && p.groups == 1 && p.kh == 3 && p.kw == 3 && p.ic <= 16;
}

// Shapes whose forward runs faster on oneDNN's direct jit kernel than on its first choice brgconv (see ForwardPd).
bool PreferDirectJit(const ConvParams& p) { return SmallChannels3x3(p) && (p.ic < 16 || p.ow % 16 != 0); }

// Residual through a binary-add post-op (no copy): faster for all of these shapes (see ForwardPd).
bool BinaryResidual(const ConvParams& p) { return SmallChannels3x3(p); }

// oneDNN 2.6's 1x1 kernels ("jit_1x1:avx2", "jit_1x1:avx512_core") turn a strided 1x1 convolution into a unit-stride
// one by first copying the strided pixels into a per-thread workspace ("rtus", reduce to unit stride). With nhwc data
// the workspace is sized for `ic` channels but the copy writes whole channel blocks (8 floats on AVX2, 16 on
// AVX-512), so with fewer input channels than a block, or a partial last block, it writes past the workspace: wrong
// weight gradients that change between runs, and heap corruption (uxlfoundation/oneDNN issue 6035; docs/backend.md).
// The conditions are oneDNN's own for taking that path (rtus_prepare in jit_uni_1x1_conv_utils.hpp): a 1x1 kernel,
// a stride above 1, no padding, and an output that is exactly the input divided by the stride. A multiple of 16
// channels fills every block on both instruction sets.
bool RtusOverflowRisk(const ConvParams& p) {
  return p.kh == 1 && p.kw == 1 && p.groups == 1 && (p.sh > 1 || p.sw > 1) && p.pt == 0 && p.pl == 0 &&
         p.oh * p.sh == p.ih && p.ow * p.sw == p.iw && p.ic % 16 != 0;
}

bool IsOneByOneJit(const char* impl) { return std::string(impl).rfind("jit_1x1", 0) == 0; }

// Steps `pd` past oneDNN's 1x1 kernels when RtusOverflowRisk(p); the next in oneDNN's list is its direct kernel
// ("jit:avx2", "jit:avx512_core"), which reads the strided source in place. Throws when oneDNN has nothing else: the TS kernel then runs
// the cpu backend's kernel.
template <typename Pd>
void AvoidRtusOverflow(Pd& pd, const ConvParams& p) {
  if (!RtusOverflowRisk(p)) return;
  while (IsOneByOneJit(pd.impl_info_str())) {
    if (!pd.next_impl()) throw std::runtime_error("no oneDNN implementation without the 1x1 workspace overflow");
  }
}

// `residual`: the residual block's add and ReLU without two more passes over memory (oneDNN "post-ops" guide): either
// a sum post-op (dst holds the residual on entry; the caller copies it there) or, with `binary_residual`, a binary-add
// post-op reading the residual from its own array (no copy). The binary post-op takes oneDNN 2.6 off brgconv to its
// older jit kernel; it is used for 3x3 convolutions with at most 16 input channels, where it measured faster anyway
// (16->16 + residual + ReLU at 28x28: 1.54 vs 1.87 ms with the copy and the sum, at 32x32: 2.51 vs 3.07 ms); with 64
// channels the sum on brgconv stays faster (1.27 vs 1.29-1.55 ms).
//
// `tuned`: oneDNN's first choice, except where its older direct kernel ("jit:avx512_core") measured faster than the
// first choice brgconv (bench/conv_impl.ts; Zen 5, 2 threads, batch 128; docs/benchmarks.md), all 3x3: stems with
// fewer than 16 input channels (1->16 at 28x28: 0.17 vs 0.45 ms, 3->16 at 32x32: 0.44 vs 0.70 ms) and 16 input
// channels with an output width that is not a multiple of 16 (16->16 at 28x28 + ReLU: 1.39 vs 1.84 ms). With 16->16
// at 32x32 brgconv was faster (2.39 vs 2.27 ms), with 32 or 64 channels within 3%: those keep oneDNN's order. The
// choice depends on the shape only, so results stay reproducible. Without `tuned` (the hints of the backward
// primitives), or with TFJS_ONEDNN_CONV_IMPL=first in the environment, it is oneDNN's first choice.
dnnl::convolution_forward::primitive_desc ForwardPd(const ConvParams& p, bool bias, bool relu, bool residual = false,
                                                    bool tuned = false, bool binary_residual = false) {
  memory::desc bias_md = bias ? memory::desc({p.oc}, dt::f32, tag::a) : memory::desc();
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, p.Src(),
                                    p.WeiAny(), bias_md, p.Dst(), p.Strides(), p.Dilates(), p.PadL(), p.PadR());
  dnnl::primitive_attr attr;
  if (relu || residual) {
    dnnl::post_ops ops;
    if (residual && binary_residual) {
      ops.append_binary(dnnl::algorithm::binary_add, p.Dst());
    } else if (residual) {
      ops.append_sum(1.f);
    }
    if (relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  dnnl::convolution_forward::primitive_desc pd(d, attr, Engine());
  AvoidRtusOverflow(pd, p);
  if (!tuned || !PreferDirectJit(p)) return pd;
  const auto is = [&pd](const char* prefix) { return std::string(pd.impl_info_str()).rfind(prefix, 0) == 0; };
  if (!is("brg")) return pd;
  // Step through oneDNN's list of implementations (best first; the iterator needs d and attr alive).
  while (pd.next_impl()) {
    if (is("jit:")) return pd;
  }
  return dnnl::convolution_forward::primitive_desc(d, attr, Engine());
}

// dst = src, split between the threads (the residual copied into the output before a sum post-op).
void ParallelCopy(float* dst, const float* src, int64_t n) {
  const int64_t chunks = Chunks(n);
#pragma omp parallel for num_threads(chunks) if (chunks > 1)
  for (int64_t c = 0; c < chunks; c++) {
    const int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
    std::memcpy(dst + begin, src + begin, (end - begin) * sizeof(float));
  }
}

// conv2d(x, w, bias | null, y, params[18], relu, residual? | null): y = relu?(conv(x, w) + bias (+ residual))
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return Guarded(info, "conv2d", [&]() -> Napi::Value {
    ConvParams p = ConvParams::From(info, 4, "conv2d");
    F32 x = ArgF32(info, 0, "conv2d", "x", p.SrcSize());
    F32 w = ArgF32(info, 1, "conv2d", "filter", p.WeiSize());
    bool has_bias = !info[2].IsNull() && !info[2].IsUndefined();
    F32 b = has_bias ? ArgF32(info, 2, "conv2d", "bias", p.oc) : F32{nullptr, 0};
    F32 y = ArgF32(info, 3, "conv2d", "y", p.DstSize());
    bool relu = ArgBool(info, 5, "conv2d", "relu");
    bool has_residual = info.Length() > 6 && !info[6].IsNull() && !info[6].IsUndefined();
    F32 r = has_residual ? ArgF32(info, 6, "conv2d", "residual", p.DstSize()) : F32{nullptr, 0};
    if (has_residual && r.data == y.data) throw std::runtime_error("residual and y must be different arrays");

    const bool binary_residual = has_residual && BinaryResidual(p);
    std::vector<int64_t> kv = p.Vec();
    kv.push_back(has_bias);
    kv.push_back(relu);
    kv.push_back(has_residual);
    std::string key = Key("conv_fwd", kv);
    auto entry = Cache().Get<ConvFwd>(key);
    if (!entry) {
      entry = std::make_shared<ConvFwd>();
      entry->pd = ForwardPd(p, has_bias, relu, has_residual, true, binary_residual);
      entry->prim = dnnl::convolution_forward(entry->pd);
      entry->wei.Init(p.WeiUser(), entry->pd.weights_desc(), true);
      Cache().Put(key, entry);
    }
    auto& s = Stream();
    memory wei = entry->wei.FromUser(s, w.data);
    if (has_residual && !binary_residual) ParallelCopy(y.data, r.data, p.DstSize());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.Src(), Engine(), x.data)},
                                         {DNNL_ARG_WEIGHTS, wei},
                                         {DNNL_ARG_DST, memory(p.Dst(), Engine(), y.data)}};
    if (has_bias) args[DNNL_ARG_BIAS] = memory(memory::desc({p.oc}, dt::f32, tag::a), Engine(), b.data);
    if (binary_residual) args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = memory(p.Dst(), Engine(), r.data);
    entry->prim.execute(s, args);
    s.wait();
    return info.Env().Undefined();
  });
}

// conv2dBackpropInput(dy, w, dx, params[18])
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const char* kernel = "conv2dBackpropInput";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    ConvParams p = ConvParams::From(info, 3, kernel);
    F32 dy = ArgF32(info, 0, kernel, "dy", p.DstSize());
    F32 w = ArgF32(info, 1, kernel, "filter", p.WeiSize());
    F32 dx = ArgF32(info, 2, kernel, "dx", p.SrcSize());
    std::string key = Key("conv_bwd_data", p.Vec());
    auto entry = Cache().Get<ConvBwdData>(key);
    if (!entry) {
      entry = std::make_shared<ConvBwdData>();
      auto hint = ForwardPd(p, false, false);
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, p.Src(), p.WeiAny(), p.Dst(),
                                              p.Strides(), p.Dilates(), p.PadL(), p.PadR());
      entry->pd = dnnl::convolution_backward_data::primitive_desc(d, Engine(), hint);
      AvoidRtusOverflow(entry->pd, p);
      entry->prim = dnnl::convolution_backward_data(entry->pd);
      entry->wei.Init(p.WeiUser(), entry->pd.weights_desc(), true);
      Cache().Put(key, entry);
    }
    auto& s = Stream();
    memory wei = entry->wei.FromUser(s, w.data);
    entry->prim.execute(s, {{DNNL_ARG_DIFF_DST, memory(p.Dst(), Engine(), dy.data)},
                            {DNNL_ARG_WEIGHTS, wei},
                            {DNNL_ARG_DIFF_SRC, memory(p.Src(), Engine(), dx.data)}});
    s.wait();
    return info.Env().Undefined();
  });
}

// conv2dBackpropFilter(x, dy, dw, params[18], dbias | null)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const char* kernel = "conv2dBackpropFilter";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    ConvParams p = ConvParams::From(info, 3, kernel);
    F32 x = ArgF32(info, 0, kernel, "x", p.SrcSize());
    F32 dy = ArgF32(info, 1, kernel, "dy", p.DstSize());
    F32 dw = ArgF32(info, 2, kernel, "dw", p.WeiSize());
    bool has_bias = info.Length() > 4 && !info[4].IsNull() && !info[4].IsUndefined();
    F32 db = has_bias ? ArgF32(info, 4, kernel, "dbias", p.oc) : F32{nullptr, 0};
    std::vector<int64_t> kv = p.Vec();
    kv.push_back(has_bias);
    std::string key = Key("conv_bwd_weights", kv);
    auto entry = Cache().Get<ConvBwdWeights>(key);
    if (!entry) {
      entry = std::make_shared<ConvBwdWeights>();
      auto hint = ForwardPd(p, has_bias, false);
      memory::desc bias_md = has_bias ? memory::desc({p.oc}, dt::f32, tag::a) : memory::desc();
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, p.Src(), p.WeiAny(), bias_md,
                                                 p.Dst(), p.Strides(), p.Dilates(), p.PadL(), p.PadR());
      entry->pd = dnnl::convolution_backward_weights::primitive_desc(d, Engine(), hint);
      AvoidRtusOverflow(entry->pd, p);
      entry->prim = dnnl::convolution_backward_weights(entry->pd);
      entry->wei.Init(p.WeiUser(), entry->pd.diff_weights_desc(), false);
      Cache().Put(key, entry);
    }
    auto& s = Stream();
    memory user_dw(entry->wei.user_md, Engine(), dw.data);
    memory diff_wei = entry->wei.needs_reorder ? entry->wei.Internal() : user_dw;
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.Src(), Engine(), x.data)},
                                         {DNNL_ARG_DIFF_DST, memory(p.Dst(), Engine(), dy.data)},
                                         {DNNL_ARG_DIFF_WEIGHTS, diff_wei}};
    if (has_bias) args[DNNL_ARG_DIFF_BIAS] = memory(memory::desc({p.oc}, dt::f32, tag::a), Engine(), db.data);
    entry->prim.execute(s, args);
    if (entry->wei.needs_reorder) entry->wei.reorder.execute(s, diff_wei, user_dw);
    s.wait();
    return info.Env().Undefined();
  });
}

}  // namespace

void InitConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
}

}  // namespace onednn_addon
