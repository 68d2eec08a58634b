// Convolutions on oneDNN: forward (optionally fused with bias, a residual add and ReLU), backward data, backward
// weights.
// Layouts are tfjs's: activations NHWC, filters HWIO ([kh, kw, in, out]); depthwise filters [kh, kw, in, multiplier]
// are grouped convolutions with groups = in. oneDNN picks its preferred weight layout ("any"); weights are reordered
// from/to the tfjs layout each call (they change every training step), activations are used in place.
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

// `residual`: dst += conv(...) + bias through a sum post-op (dst holds the residual on entry), then the ReLU; the
// residual block's add and ReLU without two more passes over memory (oneDNN "post-ops" guide, sum then eltwise).
dnnl::convolution_forward::primitive_desc ForwardPd(const ConvParams& p, bool bias, bool relu, bool residual = false) {
  memory::desc bias_md = bias ? memory::desc({p.oc}, dt::f32, tag::a) : memory::desc();
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, p.Src(),
                                    p.WeiAny(), bias_md, p.Dst(), p.Strides(), p.Dilates(), p.PadL(), p.PadR());
  dnnl::primitive_attr attr;
  if (relu || residual) {
    dnnl::post_ops ops;
    if (residual) ops.append_sum(1.f);
    if (relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
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

    std::vector<int64_t> kv = p.Vec();
    kv.push_back(has_bias);
    kv.push_back(relu);
    kv.push_back(has_residual);
    std::string key = Key("conv_fwd", kv);
    auto entry = Cache().Get<ConvFwd>(key);
    if (!entry) {
      entry = std::make_shared<ConvFwd>();
      entry->pd = ForwardPd(p, has_bias, relu, has_residual);
      entry->prim = dnnl::convolution_forward(entry->pd);
      entry->wei.Init(p.WeiUser(), entry->pd.weights_desc(), true);
      Cache().Put(key, entry);
    }
    auto& s = Stream();
    memory wei = entry->wei.FromUser(s, w.data);
    if (has_residual) ParallelCopy(y.data, r.data, p.DstSize());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.Src(), Engine(), x.data)},
                                         {DNNL_ARG_WEIGHTS, wei},
                                         {DNNL_ARG_DST, memory(p.Dst(), Engine(), y.data)}};
    if (has_bias) args[DNNL_ARG_BIAS] = memory(memory::desc({p.oc}, dt::f32, tag::a), Engine(), b.data);
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
