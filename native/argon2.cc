// Argon2i/Argon2id key derivation for LUKS2 keyslots, from Debian's libargon2 (any lane count, so
// keyslots made by cryptsetup with 2-4 lanes open). Runs on the libuv pool: a keyslot costs seconds.
#include <argon2.h>

#include <string>
#include <vector>

#include "device.h"

namespace tsceph {

class Argon2Worker : public Napi::AsyncWorker {
 public:
  Argon2Worker(Napi::Env env, argon2_type type, std::string pass, std::vector<uint8_t> salt, uint32_t t, uint32_t m,
               uint32_t p, uint32_t outlen)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), type_(type), pass_(std::move(pass)),
        salt_(std::move(salt)), t_(t), m_(m), p_(p), out_(outlen) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    int r = argon2_hash(t_, m_, p_, pass_.data(), pass_.size(), salt_.data(), salt_.size(), out_.data(), out_.size(), nullptr,
                        0, type_, ARGON2_VERSION_13);
    if (r != ARGON2_OK) SetError(std::string("argon2: ") + argon2_error_message(r));
  }
  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), out_.data(), out_.size())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  argon2_type type_;
  std::string pass_;
  std::vector<uint8_t> salt_;
  uint32_t t_, m_, p_;
  std::vector<uint8_t> out_;
};

// argon2(type 'argon2i'|'argon2id', password: Uint8Array, salt: Uint8Array, time, memoryKiB, lanes, outBytes) -> Promise<Buffer>
static Napi::Value JsArgon2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsString() || !info[1].IsTypedArray() || !info[2].IsTypedArray()) {
    Napi::TypeError::New(env, "argon2: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string type = info[0].As<Napi::String>();
  Napi::TypedArray pw = info[1].As<Napi::TypedArray>();
  Napi::TypedArray sa = info[2].As<Napi::TypedArray>();
  const char* pwp = static_cast<const char*>(pw.ArrayBuffer().Data()) + pw.ByteOffset();
  const uint8_t* sap = static_cast<const uint8_t*>(sa.ArrayBuffer().Data()) + sa.ByteOffset();
  auto* w = new Argon2Worker(env, type == "argon2i" ? Argon2_i : Argon2_id, std::string(pwp, pw.ByteLength()),
                             std::vector<uint8_t>(sap, sap + sa.ByteLength()), info[3].As<Napi::Number>().Uint32Value(),
                             info[4].As<Napi::Number>().Uint32Value(), info[5].As<Napi::Number>().Uint32Value(),
                             info[6].As<Napi::Number>().Uint32Value());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

void InitArgon2(Napi::Env env, Napi::Object exports) { exports.Set("argon2", Napi::Function::New(env, JsArgon2)); }

}  // namespace tsceph
