// AES-XTS with the plain64 IV, sector by sector, as dm-crypt does (aes-xts-plain64): the IV of a
// sector is its number as a little-endian 64-bit integer in a 16-byte block. OpenSSL's EVP from the
// OpenSSL that Node ships (its symbols are exported by the node binary). One XtsKey keeps its key
// schedules, so a sector only re-initialises the IV.
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>

#include "device.h"

namespace tsceph {

class XtsKey : public Napi::ObjectWrap<XtsKey> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("XtsKey", DefineClass(env, "XtsKey", {InstanceMethod("crypt", &XtsKey::Crypt), InstanceMethod("destroy", &XtsKey::Destroy)}));
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
  // crypt(encrypt, buf, offset, length, sectorBytes, firstIv, ivStep[, src, srcOffset]): in place,
  // or from `src` into `buf` (one pass instead of a copy and then a pass); sector i of the range
  // gets IV firstIv + i * ivStep (dm-crypt counts IVs in 512-byte units unless iv_large_sectors).
  Napi::Value Crypt(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!enc_ || info.Length() < 7 || !info[1].IsTypedArray() || (info.Length() > 7 && !info[7].IsTypedArray())) {
      Napi::TypeError::New(env, "XtsKey.crypt: bad arguments or destroyed key").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    bool encrypt = info[0].ToBoolean();
    Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
    uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    size_t n = ta.ByteLength();
    size_t off = info[2].As<Napi::Number>().Uint32Value();
    size_t len = info[3].As<Napi::Number>().Uint32Value();
    size_t ss = info[4].As<Napi::Number>().Uint32Value();
    double first = info[5].As<Napi::Number>().DoubleValue();
    uint32_t step = info[6].As<Napi::Number>().Uint32Value();
    if (off > n || len > n - off || ss < 16 || len % ss != 0 || !(first >= 0 && first <= 9007199254740991.0)) {
      Napi::RangeError::New(env, "XtsKey.crypt: range or sector size invalid").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const uint8_t* in = base + off;
    if (info.Length() > 7) {
      Napi::TypedArray st = info[7].As<Napi::TypedArray>();
      size_t soff = info[8].As<Napi::Number>().Uint32Value();
      if (soff > st.ByteLength() || len > st.ByteLength() - soff) {
        Napi::RangeError::New(env, "XtsKey.crypt: source range outside its buffer").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      in = static_cast<uint8_t*>(st.ArrayBuffer().Data()) + st.ByteOffset() + soff;
    }
    EVP_CIPHER_CTX* ctx = encrypt ? enc_ : dec_;
    uint64_t sector = static_cast<uint64_t>(first);
    for (size_t at = 0; at < len; at += ss, sector += step) {
      uint8_t iv[16] = {0};
      for (int b = 0; b < 8; b++) iv[b] = static_cast<uint8_t>(sector >> (8 * b));
      int outl = 0;
      uint8_t* p = base + off + at;
      if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, -1) != 1 ||
          EVP_CipherUpdate(ctx, p, &outl, in + at, static_cast<int>(ss)) != 1 || outl != static_cast<int>(ss)) {
        Napi::Error::New(env, "XtsKey.crypt: OpenSSL failure").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    return env.Undefined();
  }
  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
};

void InitXts(Napi::Env env, Napi::Object exports) { XtsKey::Init(env, exports); }

}  // namespace tsceph
