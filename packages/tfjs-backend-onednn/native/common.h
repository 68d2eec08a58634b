// Shared helpers of the oneDNN addon: the engine/stream singletons, a per-shape primitive cache, and checked access to
// the JS TypedArrays that hold tensor data (the addon never owns tensor memory; it reads and writes it in place).
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace onednn_addon {

dnnl::engine& Engine();
dnnl::stream& Stream();

// A float32 view of a JS Float32Array argument. Throws a TypeError naming the kernel and argument when the value is not
// a Float32Array or its length is not `expected` (pass -1 to accept any length).
struct F32 {
  float* data;
  size_t length;
};
F32 ArgF32(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name, int64_t expected);
int32_t* ArgI32Data(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name,
                    int64_t expected);
int64_t ArgInt(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name);
double ArgNumber(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name);
bool ArgBool(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name);
std::vector<int64_t> ArgInts(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name);

// Primitive cache: oneDNN primitive creation costs far more than execution for small shapes, so every kernel keys its
// primitives (and their descriptors) by a string of all shape/attribute parameters.
class PrimitiveCache {
 public:
  template <typename T>
  std::shared_ptr<T> Get(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    return std::static_pointer_cast<T>(it->second);
  }
  void Put(const std::string& key, std::shared_ptr<void> value);
  size_t Size() const { return entries_.size(); }
  void Clear() { entries_.clear(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<void>> entries_;
};
PrimitiveCache& Cache();

// Builds a cache key from integers: Key("conv", {n, c, h, w}).
std::string Key(const char* tag, std::initializer_list<int64_t> values);
std::string Key(const char* tag, const std::vector<int64_t>& values);

// Runs `body`, turning C++ and oneDNN exceptions into JS errors that name the kernel.
template <typename F>
Napi::Value Guarded(const Napi::CallbackInfo& info, const char* kernel, F body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("onednn ") + kernel + ": oneDNN error " +
                                           std::to_string(static_cast<int>(e.status)) + ": " + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("onednn ") + kernel + ": " + e.what());
  }
}

// Registration of one kernel family's functions on the addon's exports.
void InitCommon(Napi::Env env, Napi::Object exports);
void InitConv(Napi::Env env, Napi::Object exports);
void InitElementwise(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);
void InitLayout(Napi::Env env, Napi::Object exports);
void InitMatMul(Napi::Env env, Napi::Object exports);
void InitPool(Napi::Env env, Napi::Object exports);
void InitBatchNorm(Napi::Env env, Napi::Object exports);
void InitOptimizer(Napi::Env env, Napi::Object exports);
void InitFmaPeak(Napi::Env env, Napi::Object exports);

}  // namespace onednn_addon
