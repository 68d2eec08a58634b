// 2-D pooling on oneDNN in NHWC: max and average (average over the in-bounds elements only, as tfjs: oneDNN's
// pooling_avg_exclude_padding) forward, and their backward passes. tfjs's MaxPoolGrad gets (dy, x, y) with no argmax,
// so the backward pass reruns the forward pass in training mode to get oneDNN's workspace (the argmax per output;
// first maximum in window scan order, the cpu backend's tie-break), then scatters dy through it. tfjs's AvgPoolGrad
// divides by the full window size even where the forward pass averaged fewer (padded) elements; to match the other
// backends we do the same (oneDNN's pooling_avg_include_padding backward).
#include "common.h"

namespace onednn_addon {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct PoolParams {
  int64_t n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr;

  static PoolParams From(const Napi::CallbackInfo& info, size_t index, const char* kernel) {
    std::vector<int64_t> v = ArgInts(info, index, kernel, "params");
    if (v.size() != 14) throw std::runtime_error("params must hold 14 integers");
    for (int64_t x : v) {
      if (x < 0) throw std::runtime_error("negative size in params");
    }
    PoolParams p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
    if (p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1) throw std::runtime_error("filter and strides must be >= 1");
    return p;
  }
  std::vector<int64_t> Vec() const { return {n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr}; }
  int64_t SrcSize() const { return n * ih * iw * c; }
  int64_t DstSize() const { return n * oh * ow * c; }
  memory::desc Src() const { return memory::desc({n, c, ih, iw}, dt::f32, tag::nhwc); }
  memory::desc Dst() const { return memory::desc({n, c, oh, ow}, dt::f32, tag::nhwc); }
  dnnl::pooling_forward::desc FwdDesc(dnnl::prop_kind prop, dnnl::algorithm alg) const {
    return dnnl::pooling_forward::desc(prop, alg, Src(), Dst(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
  }
};

dnnl::algorithm Alg(bool is_max) {
  return is_max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
}
dnnl::algorithm BackwardAlg(bool is_max) {
  return is_max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding;
}

struct PoolFwd {
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward prim;
};

struct PoolBwd {
  dnnl::pooling_forward::primitive_desc fwd_pd;  // training mode, with workspace (max only)
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward::primitive_desc pd;
  dnnl::pooling_backward prim;
  std::vector<char> workspace;
  std::vector<float> scratch_dst;  // forward output recomputed for the workspace (not returned)
};

// pool(isMax, x, y, params[14])
Napi::Value Pool(const Napi::CallbackInfo& info) {
  const char* kernel = "pool";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    bool is_max = ArgBool(info, 0, kernel, "isMax");
    PoolParams p = PoolParams::From(info, 3, kernel);
    F32 x = ArgF32(info, 1, kernel, "x", p.SrcSize());
    F32 y = ArgF32(info, 2, kernel, "y", p.DstSize());
    std::vector<int64_t> kv = p.Vec();
    kv.push_back(is_max);
    std::string key = Key("pool_fwd", kv);
    auto entry = Cache().Get<PoolFwd>(key);
    if (!entry) {
      entry = std::make_shared<PoolFwd>();
      entry->pd = dnnl::pooling_forward::primitive_desc(p.FwdDesc(dnnl::prop_kind::forward_inference, Alg(is_max)),
                                                        Engine());
      entry->prim = dnnl::pooling_forward(entry->pd);
      Cache().Put(key, entry);
    }
    auto& s = Stream();
    entry->prim.execute(s, {{DNNL_ARG_SRC, memory(p.Src(), Engine(), x.data)},
                            {DNNL_ARG_DST, memory(p.Dst(), Engine(), y.data)}});
    s.wait();
    return info.Env().Undefined();
  });
}

// poolBackward(isMax, dy, x | null, dx, params[14]): x is needed for max pooling only.
Napi::Value PoolBackward(const Napi::CallbackInfo& info) {
  const char* kernel = "poolBackward";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    bool is_max = ArgBool(info, 0, kernel, "isMax");
    PoolParams p = PoolParams::From(info, 4, kernel);
    F32 dy = ArgF32(info, 1, kernel, "dy", p.DstSize());
    F32 x = is_max ? ArgF32(info, 2, kernel, "x", p.SrcSize()) : F32{nullptr, 0};
    F32 dx = ArgF32(info, 3, kernel, "dx", p.SrcSize());
    std::vector<int64_t> kv = p.Vec();
    kv.push_back(is_max);
    std::string key = Key("pool_bwd", kv);
    auto entry = Cache().Get<PoolBwd>(key);
    if (!entry) {
      entry = std::make_shared<PoolBwd>();
      entry->fwd_pd = dnnl::pooling_forward::primitive_desc(
          p.FwdDesc(dnnl::prop_kind::forward_training, BackwardAlg(is_max)), Engine());
      entry->fwd = dnnl::pooling_forward(entry->fwd_pd);
      dnnl::pooling_backward::desc d(BackwardAlg(is_max), p.Src(), p.Dst(), {p.sh, p.sw}, {p.kh, p.kw}, {p.pt, p.pl},
                                     {p.pb, p.pr});
      entry->pd = dnnl::pooling_backward::primitive_desc(d, Engine(), entry->fwd_pd);
      entry->prim = dnnl::pooling_backward(entry->pd);
      if (is_max) {
        entry->workspace.resize(entry->fwd_pd.workspace_desc().get_size());
        entry->scratch_dst.resize(p.DstSize());
      }
      Cache().Put(key, entry);
    }
    auto& s = Stream();
    std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, memory(p.Dst(), Engine(), dy.data)},
                                         {DNNL_ARG_DIFF_SRC, memory(p.Src(), Engine(), dx.data)}};
    if (is_max) {
      memory ws(entry->fwd_pd.workspace_desc(), Engine(), entry->workspace.data());
      entry->fwd.execute(s, {{DNNL_ARG_SRC, memory(p.Src(), Engine(), x.data)},
                             {DNNL_ARG_DST, memory(p.Dst(), Engine(), entry->scratch_dst.data())},
                             {DNNL_ARG_WORKSPACE, ws}});
      args[DNNL_ARG_WORKSPACE] = ws;
    }
    entry->prim.execute(s, args);
    s.wait();
    return info.Env().Undefined();
  });
}

}  // namespace

void InitPool(Napi::Env env, Napi::Object exports) {
  exports.Set("pool", Napi::Function::New(env, Pool));
  exports.Set("poolBackward", Napi::Function::New(env, PoolBackward));
}

}  // namespace onednn_addon
