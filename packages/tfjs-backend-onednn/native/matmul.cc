// Batched matrix multiplication on oneDNN's matmul primitive, optionally fused with a bias row and ReLU (post-op).
// tfjs's transposeA/transposeB are expressed as memory strides on the operands (no copies); a batch of 1 in either
// operand broadcasts over the other's batch. Primitives are cached per shape.
#include "common.h"

namespace onednn_addon {

using dnnl::memory;
using dt = memory::data_type;

namespace {

struct MatMulEntry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
  memory::desc a_md, b_md, bias_md, c_md;
};

// params: [batchA, batchB, M, K, N, transposeA, transposeB]
// matmul(a, b, bias | null, c, params, relu)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const char* kernel = "matmul";
  return Guarded(info, kernel, [&]() -> Napi::Value {
    std::vector<int64_t> p = ArgInts(info, 4, kernel, "params");
    if (p.size() != 7) throw std::runtime_error("params must hold 7 integers");
    int64_t ba = p[0], bb = p[1], M = p[2], K = p[3], N = p[4];
    bool ta = p[5] != 0, tb = p[6] != 0;
    if (ba < 1 || bb < 1 || M < 1 || K < 1 || N < 1) throw std::runtime_error("sizes must be positive");
    if (ba != bb && ba != 1 && bb != 1) throw std::runtime_error("batch sizes must match or one must be 1");
    int64_t batch = std::max(ba, bb);
    F32 a = ArgF32(info, 0, kernel, "a", ba * M * K);
    F32 b = ArgF32(info, 1, kernel, "b", bb * K * N);
    bool has_bias = !info[2].IsNull() && !info[2].IsUndefined();
    F32 bias = has_bias ? ArgF32(info, 2, kernel, "bias", N) : F32{nullptr, 0};
    F32 c = ArgF32(info, 3, kernel, "c", batch * M * N);
    bool relu = ArgBool(info, 5, kernel, "relu");

    std::string key = Key("matmul", {ba, bb, M, K, N, ta, tb, has_bias, relu});
    auto entry = Cache().Get<MatMulEntry>(key);
    if (!entry) {
      entry = std::make_shared<MatMulEntry>();
      // a is [ba, M, K] row-major, or [ba, K, M] when transposed; likewise b is [bb, K, N] or [bb, N, K].
      entry->a_md = memory::desc({ba, M, K}, dt::f32, ta ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
      entry->b_md = memory::desc({bb, K, N}, dt::f32, tb ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
      entry->c_md = memory::desc({batch, M, N}, dt::f32, memory::dims{M * N, N, 1});
      entry->bias_md = has_bias ? memory::desc({1, 1, N}, dt::f32, memory::dims{N, N, 1}) : memory::desc();
      dnnl::matmul::desc d = has_bias ? dnnl::matmul::desc(entry->a_md, entry->b_md, entry->bias_md, entry->c_md)
                                      : dnnl::matmul::desc(entry->a_md, entry->b_md, entry->c_md);
      dnnl::primitive_attr attr;
      if (relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      entry->pd = dnnl::matmul::primitive_desc(d, attr, Engine());
      entry->prim = dnnl::matmul(entry->pd);
      Cache().Put(key, entry);
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(entry->a_md, Engine(), a.data)},
                                         {DNNL_ARG_WEIGHTS, memory(entry->b_md, Engine(), b.data)},
                                         {DNNL_ARG_DST, memory(entry->c_md, Engine(), c.data)}};
    if (has_bias) args[DNNL_ARG_BIAS] = memory(entry->bias_md, Engine(), bias.data);
    auto& s = Stream();
    entry->prim.execute(s, args);
    s.wait();
    return info.Env().Undefined();
  });
}

}  // namespace

void InitMatMul(Napi::Env env, Napi::Object exports) { exports.Set("matmul", Napi::Function::New(env, MatMul)); }

}  // namespace onednn_addon
