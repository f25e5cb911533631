// Module entry: the Device class (io_uring or thread pool), CRC32C, AES-XTS, Argon2 and aligned
// allocation and malloc_trim (TypeScript side: packages/objectstore/src/native/), and AES-128-GCM for msgr2.1 secure
// mode (TypeScript side: packages/messenger/src/native-gcm.ts and src/core/gcm.ts).
#include <cstdlib>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "device.h"

namespace tsceph {

// alignSkip(arrayBuffer, alignment) -> how many bytes from the start of the ArrayBuffer's memory to
// the first address that is a multiple of alignment. Aligned I/O buffers are node's own Buffers,
// allocated a block larger and used from there (packages/objectstore/src/native/buffers.ts): memory
// that V8 allocates and accounts for once, where posix_memalign behind an external ArrayBuffer was
// counted twice (by V8 and by AdjustExternalMemory) and freed only through a finalizer, which made
// every large read cost a share of a full garbage collection.
static Napi::Value AlignSkip(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArrayBuffer() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "alignSkip(arrayBuffer, alignment)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t align = info[1].As<Napi::Number>().Uint32Value();
  if (align < 512 || align > (1u << 20) || (align & (align - 1))) {
    Napi::RangeError::New(env, "alignSkip: bad alignment").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uintptr_t p = reinterpret_cast<uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  return Napi::Number::New(env, static_cast<double>((align - (p % align)) % align));
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
  exports.Set("alignSkip", Napi::Function::New(env, AlignSkip));
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
