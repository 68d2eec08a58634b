#include "common.h"

#include <omp.h>

#include <sstream>

namespace onednn_addon {

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

static Napi::TypeError ArgError(const Napi::CallbackInfo& info, const char* kernel, const char* name,
                                const std::string& what) {
  return Napi::TypeError::New(info.Env(), std::string("onednn ") + kernel + ": argument '" + name + "' " + what);
}

F32 ArgF32(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name, int64_t expected) {
  if (index >= info.Length() || !info[index].IsTypedArray()) throw ArgError(info, kernel, name, "must be a Float32Array");
  auto array = info[index].As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_float32_array) throw ArgError(info, kernel, name, "must be a Float32Array");
  auto f32 = array.As<Napi::Float32Array>();
  if (expected >= 0 && static_cast<int64_t>(f32.ElementLength()) != expected) {
    throw ArgError(info, kernel, name,
                   "has " + std::to_string(f32.ElementLength()) + " elements, expected " + std::to_string(expected));
  }
  return F32{f32.Data(), f32.ElementLength()};
}

int32_t* ArgI32Data(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name,
                    int64_t expected) {
  if (index >= info.Length() || !info[index].IsTypedArray()) throw ArgError(info, kernel, name, "must be an Int32Array");
  auto array = info[index].As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_int32_array) throw ArgError(info, kernel, name, "must be an Int32Array");
  auto i32 = array.As<Napi::Int32Array>();
  if (expected >= 0 && static_cast<int64_t>(i32.ElementLength()) != expected) {
    throw ArgError(info, kernel, name,
                   "has " + std::to_string(i32.ElementLength()) + " elements, expected " + std::to_string(expected));
  }
  return i32.Data();
}

int64_t ArgInt(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name) {
  if (index >= info.Length() || !info[index].IsNumber()) throw ArgError(info, kernel, name, "must be an integer");
  double v = info[index].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v))) throw ArgError(info, kernel, name, "must be an integer");
  return static_cast<int64_t>(v);
}

double ArgNumber(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name) {
  if (index >= info.Length() || !info[index].IsNumber()) throw ArgError(info, kernel, name, "must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

bool ArgBool(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name) {
  if (index >= info.Length() || !info[index].IsBoolean()) throw ArgError(info, kernel, name, "must be a boolean");
  return info[index].As<Napi::Boolean>().Value();
}

std::vector<int64_t> ArgInts(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name) {
  if (index >= info.Length() || !info[index].IsArray()) throw ArgError(info, kernel, name, "must be an array of integers");
  auto array = info[index].As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsNumber()) throw ArgError(info, kernel, name, "must be an array of integers");
    out[i] = static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
  }
  return out;
}

void PrimitiveCache::Put(const std::string& key, std::shared_ptr<void> value) {
  // Shapes in a training run are few; a bound only protects against pathological shape churn.
  if (entries_.size() > 4096) entries_.clear();
  entries_[key] = std::move(value);
}

PrimitiveCache& Cache() {
  static PrimitiveCache cache;
  return cache;
}

std::string Key(const char* tag, std::initializer_list<int64_t> values) {
  std::string key(tag);
  for (int64_t v : values) {
    key.push_back(':');
    key += std::to_string(v);
  }
  return key;
}

std::string Key(const char* tag, const std::vector<int64_t>& values) {
  std::string key(tag);
  for (int64_t v : values) {
    key.push_back(':');
    key += std::to_string(v);
  }
  return key;
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = ArgInt(info, 0, "setNumThreads", "threads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "onednn setNumThreads: threads must be >= 1, got " + std::to_string(n));
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

static Napi::Value CacheSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Cache().Size()));
}

static Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << v->major << "." << v->minor << "." << v->patch;
  return Napi::String::New(info.Env(), s.str());
}

// The instruction set oneDNN's kernels are generated for: the CPU's best, or less when ONEDNN_MAX_CPU_ISA says so.
static Napi::Value EffectiveIsa(const Napi::CallbackInfo& info) {
  const char* name = "unknown";
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_all: name = "all"; break;
    case dnnl_cpu_isa_sse41: name = "sse41"; break;
    case dnnl_cpu_isa_avx: name = "avx"; break;
    case dnnl_cpu_isa_avx2: name = "avx2"; break;
    case dnnl_cpu_isa_avx2_vnni: name = "avx2_vnni"; break;
    case dnnl_cpu_isa_avx512_mic: name = "avx512_mic"; break;
    case dnnl_cpu_isa_avx512_mic_4ops: name = "avx512_mic_4ops"; break;
    case dnnl_cpu_isa_avx512_core: name = "avx512_core"; break;
    case dnnl_cpu_isa_avx512_core_vnni: name = "avx512_core_vnni"; break;
    case dnnl_cpu_isa_avx512_core_bf16: name = "avx512_core_bf16"; break;
    case dnnl_cpu_isa_avx512_core_amx: name = "avx512_core_amx"; break;
  }
  return Napi::String::New(info.Env(), name);
}

void InitCommon(Napi::Env env, Napi::Object exports) {
  exports.Set("effectiveIsa", Napi::Function::New(env, EffectiveIsa));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("primitiveCacheSize", Napi::Function::New(env, CacheSize));
  exports.Set("onednnVersion", Napi::Function::New(env, Version));
}

}  // namespace onednn_addon
