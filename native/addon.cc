// Module entry: the Device class (io_uring or thread pool), CRC32C, AES-XTS, Argon2 and aligned
// allocation and malloc_trim (TypeScript side: packages/objectstore/src/native/), and AES-128-GCM for msgr2.1 secure
// mode (TypeScript side: packages/messenger/src/native-gcm.ts and src/core/gcm.ts).
#include <cstdlib>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "device.h"

namespace tsceph {

// allocAligned(bytes, alignment) -> ArrayBuffer whose memory is aligned for O_DIRECT and freed when
// the ArrayBuffer is collected.
static Napi::Value AllocAligned(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double bytes = info[0].As<Napi::Number>().DoubleValue();
  uint32_t align = info[1].As<Napi::Number>().Uint32Value();
  if (!(bytes > 0 && bytes <= 1073741824.0) || align < 512 || (align & (align - 1))) {
    Napi::RangeError::New(env, "allocAligned: bad size or alignment").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  void* p = nullptr;
  if (posix_memalign(&p, align, static_cast<size_t>(bytes)) != 0) {
    Napi::Error::New(env, "allocAligned: out of memory").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // V8 does not see memory it did not allocate: report it, so that garbage collection keeps up
  // with buffers handed to callers (a large read returns a view of its aligned buffer).
  int64_t n = static_cast<int64_t>(bytes);
  Napi::MemoryManagement::AdjustExternalMemory(env, n);
  return Napi::ArrayBuffer::New(
      env, p, static_cast<size_t>(bytes),
      [](Napi::Env e, void* d, int64_t* len) {
        free(d);
        Napi::MemoryManagement::AdjustExternalMemory(e, -*len);
        delete len;
      },
      new int64_t(n));
}

// mallocTrim() -> whether memory was returned: glibc's malloc_trim(0). glibc gives back free memory
// only from the top of the main heap by itself; after a burst of Buffers and LevelDB blocks the
// free chunks between live ones stay resident (21 MiB of a ts-osd's 125 MiB after a 4 KiB write
// workload, bench/memory-profile.md). malloc_trim returns their whole pages in every arena.
// Without glibc there is nothing to call: false.
static Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

void InitAlloc(Napi::Env env, Napi::Object exports) {
  exports.Set("allocAligned", Napi::Function::New(env, AllocAligned));
  exports.Set("mallocTrim", Napi::Function::New(env, MallocTrim));
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  Device::Init(env, exports);
  InitCrc32c(env, exports);
  InitXts(env, exports);
  InitGcm(env, exports);
  InitArgon2(env, exports);
  InitAlloc(env, exports);
  return exports;
}

}  // namespace tsceph

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return tsceph::InitModule(env, exports); }

NODE_API_MODULE(ts_ceph_native, InitAll)
