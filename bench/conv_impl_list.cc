// Every oneDNN implementation of the three convolution passes (forward, backward data, backward weights) of the
// ResNet-20 3x3 convolutions at batch 128, NHWC, timed side by side: which one would a per-shape rule pick at this ISA?
// The backend takes oneDNN's first choice except where docs/backend.md ("Convolution implementations") says.
//   g++ -O2 -std=c++17 -fopenmp bench/conv_impl_list.cc -ldnnl -o /tmp/conv_impl_list
//   ONEDNN_MAX_CPU_ISA=AVX2 GOMP_SPINCOUNT=0 /tmp/conv_impl_list [iterations, default 10]
// The implementations take turns call by call, so a change of load hits all of them alike. Printed per
// implementation: median and best wall ms of a call, and the median CPU ms of the process (all threads) per call, the
// figure that still compares on a loaded machine. oneDNN's reference kernels ("ref:") are skipped (orders of
// magnitude slower). Weights and activations are constants: only the speed is of interest here.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

double CpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

double WallMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A 3x3 convolution with `same` output for stride 1 and tfjs's `same` padding (0 before, 1 after) for stride 2.
struct Shape {
  const char* name;
  int64_t n, ih, iw, ic, oc, oh, ow, stride, pad_before;
};

enum class Pass { kForward, kBackwardData, kBackwardWeights };
const char* PassName(Pass p) {
  return p == Pass::kForward ? "fwd" : p == Pass::kBackwardData ? "bwd_data" : "bwd_weights";
}

struct Candidate {
  std::string impl;
  dnnl::primitive prim;
  memory weights;
  std::vector<double> wall, cpu;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Times every implementation `pd` can step to (pd.next_impl()).
template <typename Pd, typename Make, typename WeightsDesc>
void TimeAll(dnnl::engine& eng, const Shape& s, Pass pass, Pd pd, Make make, WeightsDesc weights_desc, const memory::desc& src,
             const memory::desc& dst, int iterations) {
  dnnl::stream stream(eng);
  std::vector<Candidate> list;
  do {
    std::string impl = pd.impl_info_str();
    if (impl.rfind("ref", 0) == 0) continue;
    bool seen = false;
    for (const auto& c : list) seen = seen || c.impl == impl;
    if (!seen) list.push_back({impl, make(pd), memory(weights_desc(pd), eng), {}, {}});
  } while (pd.next_impl());
  std::vector<float> x(src.get_size() / sizeof(float), 0.1f), y(dst.get_size() / sizeof(float), 0.1f);
  std::vector<float> dx(x.size());
  for (int it = 0; it < iterations + 2; it++) {
    for (auto& c : list) {
      memory xm(src, eng, x.data()), ym(dst, eng, y.data()), dxm(src, eng, dx.data());
      std::unordered_map<int, memory> args;
      if (pass == Pass::kForward) args = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, c.weights}, {DNNL_ARG_DST, ym}};
      if (pass == Pass::kBackwardData)
        args = {{DNNL_ARG_DIFF_DST, ym}, {DNNL_ARG_WEIGHTS, c.weights}, {DNNL_ARG_DIFF_SRC, dxm}};
      if (pass == Pass::kBackwardWeights)
        args = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, ym}, {DNNL_ARG_DIFF_WEIGHTS, c.weights}};
      const double w0 = WallMs(), c0 = CpuMs();
      c.prim.execute(stream, args);
      stream.wait();
      if (it >= 2) {  // two untimed rounds: first-call setup
        c.wall.push_back(WallMs() - w0);
        c.cpu.push_back(CpuMs() - c0);
      }
    }
  }
  for (const auto& c : list) {
    std::printf("%-12s %-12s %-22s wall median %8.3f best %8.3f  cpu median %8.3f ms\n", s.name, PassName(pass),
                c.impl.c_str(), Median(c.wall), *std::min_element(c.wall.begin(), c.wall.end()), Median(c.cpu));
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  const std::vector<Shape> shapes = {
      {"1->16 28", 128, 28, 28, 1, 16, 28, 28, 1, 1},     {"16->16 28", 128, 28, 28, 16, 16, 28, 28, 1, 1},
      {"16->32 28/2", 128, 28, 28, 16, 32, 14, 14, 2, 0}, {"32->32 14", 128, 14, 14, 32, 32, 14, 14, 1, 1},
      {"32->64 14/2", 128, 14, 14, 32, 64, 7, 7, 2, 0},   {"64->64 7", 128, 7, 7, 64, 64, 7, 7, 1, 1},
      {"3->16 32", 128, 32, 32, 3, 16, 32, 32, 1, 1},     {"16->16 32", 128, 32, 32, 16, 16, 32, 32, 1, 1},
      {"16->32 32/2", 128, 32, 32, 16, 32, 16, 16, 2, 0}, {"32->32 16", 128, 16, 16, 32, 32, 16, 16, 1, 1},
      {"32->64 16/2", 128, 16, 16, 32, 64, 8, 8, 2, 0},   {"64->64 8", 128, 8, 8, 64, 64, 8, 8, 1, 1},
  };
  for (const Shape& s : shapes) {
    const memory::desc src({s.n, s.ic, s.ih, s.iw}, dt::f32, tag::nhwc);
    const memory::desc dst({s.n, s.oc, s.oh, s.ow}, dt::f32, tag::nhwc);
    const memory::desc weights({s.oc, s.ic, 3, 3}, dt::f32, tag::any);
    const memory::dims strides{s.stride, s.stride}, dilates{0, 0}, pad_l{s.pad_before, s.pad_before}, pad_r{1, 1};
    const auto algo = dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::desc fwd(dnnl::prop_kind::forward_training, algo, src, weights, dst, strides, dilates,
                                        pad_l, pad_r);
    dnnl::convolution_forward::primitive_desc hint(fwd, eng);
    TimeAll(
        eng, s, Pass::kForward, hint, [](const auto& pd) { return dnnl::primitive(dnnl::convolution_forward(pd)); },
        [](const auto& pd) { return pd.weights_desc(); }, src, dst, iterations);
    dnnl::convolution_backward_data::desc bwd_data(algo, src, weights, dst, strides, dilates, pad_l, pad_r);
    TimeAll(
        eng, s, Pass::kBackwardData, dnnl::convolution_backward_data::primitive_desc(bwd_data, eng, hint),
        [](const auto& pd) { return dnnl::primitive(dnnl::convolution_backward_data(pd)); },
        [](const auto& pd) { return pd.weights_desc(); }, src, dst, iterations);
    dnnl::convolution_backward_weights::desc bwd_weights(algo, src, weights, dst, strides, dilates, pad_l, pad_r);
    TimeAll(
        eng, s, Pass::kBackwardWeights, dnnl::convolution_backward_weights::primitive_desc(bwd_weights, eng, hint),
        [](const auto& pd) { return dnnl::primitive(dnnl::convolution_backward_weights(pd)); },
        [](const auto& pd) { return pd.diff_weights_desc(); }, src, dst, iterations);
  }
  return 0;
}
