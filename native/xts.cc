// AES-XTS with the plain64 IV, sector by sector, as dm-crypt does (aes-xts-plain64): the IV of a
// sector is its number as a little-endian 64-bit integer in a 16-byte block. OpenSSL's EVP from the
// OpenSSL that Node ships (its symbols are exported by the node binary). One XtsKey keeps its key
// schedules, so a sector only re-initialises the IV.
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>

#include "device.h"

namespace tsceph {

// Encrypt or decrypt sectors with one context: in -> out (may be the same), IV of sector i is
// first + i * step as a 64-bit little-endian number (plain64).
static bool CryptSectors(EVP_CIPHER_CTX* ctx, uint8_t* out, const uint8_t* in, size_t len, size_t ss, uint64_t first, uint32_t step) {
  uint64_t sector = first;
  for (size_t at = 0; at < len; at += ss, sector += step) {
    uint8_t iv[16] = {0};
    for (int b = 0; b < 8; b++) iv[b] = static_cast<uint8_t>(sector >> (8 * b));
    int outl = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, -1) != 1 || EVP_CipherUpdate(ctx, out + at, &outl, in + at, static_cast<int>(ss)) != 1 ||
        outl != static_cast<int>(ss))
      return false;
  }
  return true;
}

// A large range on the libuv thread pool, with its own copy of the key's context (contexts are not
// shared between threads) and references that keep both buffers alive until it is done.
class XtsJob : public Napi::AsyncWorker {
 public:
  XtsJob(Napi::Env env, EVP_CIPHER_CTX* ctx, uint8_t* out, const uint8_t* in, size_t len, size_t ss, uint64_t first, uint32_t step, Napi::Object out_obj, Napi::Object in_obj)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), ctx_(ctx), out_(out), in_(in), len_(len), ss_(ss), first_(first), step_(step) {
    out_ref_ = Napi::Persistent(out_obj);
    in_ref_ = Napi::Persistent(in_obj);
  }
  ~XtsJob() override { EVP_CIPHER_CTX_free(ctx_); }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    if (!CryptSectors(ctx_, out_, in_, len_, ss_, first_, step_)) SetError("XtsKey.cryptAsync: OpenSSL failure");
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  EVP_CIPHER_CTX* ctx_;
  uint8_t* out_;
  const uint8_t* in_;
  size_t len_, ss_;
  uint64_t first_;
  uint32_t step_;
  Napi::ObjectReference out_ref_, in_ref_;
};

class XtsKey : public Napi::ObjectWrap<XtsKey> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("XtsKey", DefineClass(env, "XtsKey", {InstanceMethod("crypt", &XtsKey::Crypt), InstanceMethod("cryptAsync", &XtsKey::CryptAsync), InstanceMethod("destroy", &XtsKey::Destroy)}));
  }
  // new XtsKey(key: 32 or 64 bytes): aes-128-xts or aes-256-xts.
  explicit XtsKey(const Napi::CallbackInfo& info) : Napi::ObjectWrap<XtsKey>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray()) {
      Napi::TypeError::New(env, "XtsKey: key must be a Uint8Array").ThrowAsJavaScriptException();
      return;
    }
    Napi::TypedArray k = info[0].As<Napi::TypedArray>();
    const uint8_t* key = static_cast<uint8_t*>(k.ArrayBuffer().Data()) + k.ByteOffset();
    const EVP_CIPHER* cipher = k.ByteLength() == 64 ? EVP_aes_256_xts() : k.ByteLength() == 32 ? EVP_aes_128_xts() : nullptr;
    if (!cipher) {
      Napi::RangeError::New(env, "XtsKey: key must be 32 or 64 bytes").ThrowAsJavaScriptException();
      return;
    }
    enc_ = EVP_CIPHER_CTX_new();
    dec_ = EVP_CIPHER_CTX_new();
    uint8_t iv[16] = {0};
    if (!enc_ || !dec_ || EVP_CipherInit_ex(enc_, cipher, nullptr, key, iv, 1) != 1 ||
        EVP_CipherInit_ex(dec_, cipher, nullptr, key, iv, 0) != 1) {
      Free();
      Napi::Error::New(env, "XtsKey: OpenSSL refused the key (XTS needs two different halves)").ThrowAsJavaScriptException();
    }
  }
  ~XtsKey() override { Free(); }

 private:
  void Free() {
    if (enc_) EVP_CIPHER_CTX_free(enc_);
    if (dec_) EVP_CIPHER_CTX_free(dec_);
    enc_ = dec_ = nullptr;
  }
  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Free();
    return info.Env().Undefined();
  }
  // The arguments of crypt/cryptAsync, checked: output and input pointers, length, sector size,
  // first IV, IV step. False (with an exception pending) when they are bad.
  struct Args {
    bool encrypt;
    uint8_t* out;
    const uint8_t* in;
    size_t len, ss;
    uint64_t first;
    uint32_t step;
    Napi::Object out_obj, in_obj;
  };
  bool Parse(const Napi::CallbackInfo& info, Args* a) {
    Napi::Env env = info.Env();
    if (!enc_ || info.Length() < 7 || !info[1].IsTypedArray() || (info.Length() > 7 && !info[7].IsTypedArray())) {
      Napi::TypeError::New(env, "XtsKey.crypt: bad arguments or destroyed key").ThrowAsJavaScriptException();
      return false;
    }
    a->encrypt = info[0].ToBoolean();
    Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
    uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    size_t n = ta.ByteLength();
    size_t off = info[2].As<Napi::Number>().Uint32Value();
    a->len = info[3].As<Napi::Number>().Uint32Value();
    a->ss = info[4].As<Napi::Number>().Uint32Value();
    double first = info[5].As<Napi::Number>().DoubleValue();
    a->step = info[6].As<Napi::Number>().Uint32Value();
    if (off > n || a->len > n - off || a->ss < 16 || a->len % a->ss != 0 || !(first >= 0 && first <= 9007199254740991.0)) {
      Napi::RangeError::New(env, "XtsKey.crypt: range or sector size invalid").ThrowAsJavaScriptException();
      return false;
    }
    a->first = static_cast<uint64_t>(first);
    a->out = base + off;
    a->in = a->out;
    a->out_obj = ta;
    a->in_obj = ta;
    if (info.Length() > 7) {
      Napi::TypedArray st = info[7].As<Napi::TypedArray>();
      size_t soff = info[8].As<Napi::Number>().Uint32Value();
      if (soff > st.ByteLength() || a->len > st.ByteLength() - soff) {
        Napi::RangeError::New(env, "XtsKey.crypt: source range outside its buffer").ThrowAsJavaScriptException();
        return false;
      }
      a->in = static_cast<uint8_t*>(st.ArrayBuffer().Data()) + st.ByteOffset() + soff;
      a->in_obj = st;
    }
    return true;
  }

  // crypt(encrypt, buf, offset, length, sectorBytes, firstIv, ivStep[, src, srcOffset]): in place,
  // or from `src` into `buf` (one pass instead of a copy and then a pass); sector i of the range
  // gets IV firstIv + i * ivStep (dm-crypt counts IVs in 512-byte units unless iv_large_sectors).
  Napi::Value Crypt(const Napi::CallbackInfo& info) {
    Args a;
    if (!Parse(info, &a)) return info.Env().Undefined();
    if (!CryptSectors(a.encrypt ? enc_ : dec_, a.out, a.in, a.len, a.ss, a.first, a.step))
      Napi::Error::New(info.Env(), "XtsKey.crypt: OpenSSL failure").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }

  // cryptAsync(same arguments) -> Promise<void>: the same on the libuv thread pool. The caller must
  // not touch the range until the promise settles.
  Napi::Value CryptAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Args a;
    if (!Parse(info, &a)) return env.Undefined();
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (!ctx || EVP_CIPHER_CTX_copy(ctx, a.encrypt ? enc_ : dec_) != 1) {
      EVP_CIPHER_CTX_free(ctx);
      Napi::Error::New(env, "XtsKey.cryptAsync: cannot copy the cipher context").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto* job = new XtsJob(env, ctx, a.out, a.in, a.len, a.ss, a.first, a.step, a.out_obj, a.in_obj);
    Napi::Promise p = job->Promise();
    job->Queue();
    return p;
  }
  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
};

void InitXts(Napi::Env env, Napi::Object exports) { XtsKey::Init(env, exports); }

}  // namespace tsceph
