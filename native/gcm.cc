// AES-128-GCM for msgr2.1 secure mode (packages/messenger/src/core/gcm.ts validates every argument;
// this side re-checks bounds and stays small). One GcmContext is one direction of one connection:
// the key schedule is set up once, and each GCM operation only sets its 12-byte nonce. The cost of
// creating and keying an OpenSSL context per operation (what createCipheriv does) was most of the
// CPU a secure-mode frame took.
//
// Nonces (12 bytes per operation) and operation lengths may come in longer scratch arrays.
// A call processes all the GCM operations of one frame, in order, over a stream of input pieces:
//   seal: op k encrypts the next opBytes[k] bytes of the stream with nonce k and writes ciphertext
//         then its 16-byte tag; a piece may also be a number n, meaning n zero bytes (padding).
//   open: op k decrypts the next opBytes[k] bytes, then reads the 16-byte tag that follows in the
//         stream and verifies it (OpenSSL's EVP_DecryptFinal_ex compares tags in constant time).
// Output goes to a caller-provided buffer, contiguous; ops do not have to line up with pieces; it
// may not overlap the input, except open's exact in place (one operation, one piece starting at the
// output: a received frame's segments decrypted where their ciphertext lies). An
// optional 7th argument is additional authenticated data for every operation (msgr2 has none; the
// GCM specification's vectors do).
// OpenSSL's EVP from the OpenSSL that Node ships (its symbols are exported by the node binary).
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "device.h"

namespace tsceph {

static const size_t kKeyBytes = 16;
static const size_t kNonceBytes = 12;
static const size_t kTagBytes = 16;
// Upper bounds shared with gcm.ts (gcmOpsMax, gcmPiecesMax): a frame has at most 3 operations.
static const uint32_t kOpsMax = 8;
static const uint32_t kPiecesMax = 4096;
static const uint8_t kZeros[64] = {0};
// EVP_CipherUpdate takes an int length.
static const size_t kUpdateBytesMax = 1u << 30;

struct Piece {
  const uint8_t* p;  // nullptr: `n` zero bytes
  size_t n;
};

// Pieces of one call: a frame has up to 10, kept on the stack; more (a received frame spread over
// many socket reads) go to the heap.
class Pieces {
 public:
  void Add(Piece pc) {
    if (n_ < kInline) inline_[n_] = pc;
    else {
      if (n_ == kInline) heap_.assign(inline_, inline_ + kInline);
      heap_.push_back(pc);
    }
    n_++;
  }
  size_t size() const { return n_; }
  const Piece& operator[](size_t i) const { return n_ <= kInline ? inline_[i] : heap_[i]; }

 private:
  static const size_t kInline = 16;
  Piece inline_[kInline];
  std::vector<Piece> heap_;
  size_t n_ = 0;
};

// A cursor over the input pieces: Next hands out up to `want` contiguous bytes.
class Stream {
 public:
  explicit Stream(const Pieces& pieces) : pieces_(pieces) {}
  size_t Next(size_t want, const uint8_t** p) {
    while (i_ < pieces_.size() && off_ == pieces_[i_].n) i_++, off_ = 0;
    if (i_ == pieces_.size() || want == 0) return 0;
    const Piece& pc = pieces_[i_];
    size_t take = pc.n - off_;
    if (take > want) take = want;
    if (pc.p) {
      *p = pc.p + off_;
    } else {
      if (take > sizeof(kZeros)) take = sizeof(kZeros);
      *p = kZeros;
    }
    off_ += take;
    return take;
  }

 private:
  const Pieces& pieces_;
  size_t i_ = 0, off_ = 0;
};

// A typed array of the given type: its data (offset applied) and element count. Raw Node-API, one
// call: node-addon-api's accessors query the array once per property, and a frame has several
// pieces per call, many calls per second.
static bool Typed(napi_env env, napi_value v, napi_typedarray_type want, void** p, size_t* n) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, n, p, &ab, &off) != napi_ok || type != want) return false;
  if (*n == 0) *p = nullptr;
  return true;
}

static bool Bytes(napi_env env, napi_value v, uint8_t** p, size_t* n) {
  void* d;
  if (!Typed(env, v, napi_uint8_array, &d, n)) return false;
  *p = static_cast<uint8_t*>(d);
  return true;
}

static bool Number(napi_env env, napi_value v, double* d) { return napi_get_value_double(env, v, d) == napi_ok; }

static bool Overlap(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) { return an && bn && a < b + bn && b < a + an; }

class GcmContext : public Napi::ObjectWrap<GcmContext> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("GcmContext", DefineClass(env, "GcmContext",
                                          {InstanceMethod("seal", &GcmContext::Seal), InstanceMethod("open", &GcmContext::Open),
                                           InstanceMethod("destroy", &GcmContext::Destroy)}));
  }
  // new GcmContext(key: Uint8Array(16), encrypt: boolean)
  explicit GcmContext(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GcmContext>(info) {
    Napi::Env env = info.Env();
    uint8_t* key;
    size_t n;
    if (info.Length() < 2 || !Bytes(env, info[0], &key, &n) || !info[1].IsBoolean()) {
      Napi::TypeError::New(env, "GcmContext: bad arguments").ThrowAsJavaScriptException();
      return;
    }
    if (n != kKeyBytes) {
      Napi::RangeError::New(env, "GcmContext: key must be 16 bytes").ThrowAsJavaScriptException();
      return;
    }
    encrypt_ = info[1].As<Napi::Boolean>();
    ctx_ = EVP_CIPHER_CTX_new();
    // The nonce length is GCM's default, 12 bytes; each operation sets only the nonce.
    if (!ctx_ || EVP_CipherInit_ex(ctx_, EVP_aes_128_gcm(), nullptr, key, nullptr, encrypt_ ? 1 : 0) != 1) {
      Free();
      Napi::Error::New(env, "GcmContext: OpenSSL refused the key").ThrowAsJavaScriptException();
    }
  }
  ~GcmContext() override { Free(); }

 private:
  void Free() {
    if (ctx_) EVP_CIPHER_CTX_free(ctx_);  // clears the key schedule
    ctx_ = nullptr;
  }
  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Free();
    return info.Env().Undefined();
  }

  // The arguments both calls share: (out, outOffset, nonces, opBytes, ops, pieces[, aad]). False
  // (with an exception pending) when they do not add up; nothing has been written then.
  struct Args {
    uint8_t* out;
    size_t out_room;
    uint8_t* nonces;
    const uint32_t* op_bytes;
    uint32_t ops;
    Pieces pieces;
    uint8_t* aad = nullptr;
    size_t aad_n = 0;
  };
  bool Fail(napi_env env, bool range, const char* what, const char* why) {
    std::string m = std::string(what) + ": " + why;
    if (range) Napi::RangeError::New(env, m).ThrowAsJavaScriptException();
    else Napi::TypeError::New(env, m).ThrowAsJavaScriptException();
    return false;
  }
  bool Parse(const Napi::CallbackInfo& info, bool seal, Args* a) {
    napi_env env = info.Env();
    const char* what = seal ? "GcmContext.seal" : "GcmContext.open";
    size_t out_n, nonces_n, op_n;
    double out_off, ops;
    void* op_bytes;
    uint32_t count;
    bool is_array = false;
    if (!ctx_ || encrypt_ != seal) return Fail(env, false, what, "destroyed context or wrong direction");
    if (info.Length() < 6 || !Bytes(env, info[0], &a->out, &out_n) || !Number(env, info[1], &out_off) || !Bytes(env, info[2], &a->nonces, &nonces_n) ||
        !Typed(env, info[3], napi_uint32_array, &op_bytes, &op_n) || !Number(env, info[4], &ops) || napi_is_array(env, info[5], &is_array) != napi_ok ||
        !is_array || napi_get_array_length(env, info[5], &count) != napi_ok)
      return Fail(env, false, what, "bad arguments");
    if (info.Length() > 6 && !info[6].IsUndefined() && (!Bytes(env, info[6], &a->aad, &a->aad_n) || a->aad_n > kUpdateBytesMax))
      return Fail(env, false, what, "additional data must be a Uint8Array");
    if (!(ops >= 1 && ops <= kOpsMax) || op_n < ops || nonces_n < ops * kNonceBytes || count > kPiecesMax || !(out_off >= 0 && out_off <= static_cast<double>(out_n)))
      return Fail(env, true, what, "operation count, nonces or output offset invalid");
    a->ops = static_cast<uint32_t>(ops);
    a->out += static_cast<size_t>(out_off);
    a->out_room = out_n - static_cast<size_t>(out_off);
    a->op_bytes = static_cast<const uint32_t*>(op_bytes);
    size_t plain = 0;
    for (uint32_t k = 0; k < a->ops; k++) plain += a->op_bytes[k];
    size_t stream_bytes = 0;
    for (uint32_t i = 0; i < count; i++) {
      napi_value v;
      Piece pc;
      uint8_t* p;
      double z;
      if (napi_get_element(env, info[5], i, &v) != napi_ok) return Fail(env, false, what, "cannot read a piece");
      if (Bytes(env, v, &p, &pc.n)) {
        pc.p = p;
        // Exact in place is allowed for open (OpenSSL's GCM decrypts with out == in): one
        // operation whose only piece starts where its plaintext goes; its tag follows the
        // plaintext's end and is read after the bytes before it were decrypted. Any other overlap
        // (a piece running into output not yet written, or written before it is read) is refused.
        bool in_place = !seal && a->ops == 1 && count == 1 && pc.p == a->out;
        if (!in_place && Overlap(pc.p, pc.n, a->out, a->out_room)) return Fail(env, true, what, "an input piece overlaps the output");
      } else if (seal && Number(env, v, &z)) {
        if (!(z >= 0 && z <= 4294967295.0)) return Fail(env, true, what, "bad zero-run length");
        pc.p = nullptr;
        pc.n = static_cast<size_t>(z);
      } else {
        return Fail(env, false, what, "a piece is not a Uint8Array");
      }
      stream_bytes += pc.n;
      a->pieces.Add(pc);
    }
    // seal: the stream is the plaintext, the output adds a tag per operation; open: the stream is
    // ciphertext and tags, the output is the plaintext.
    size_t tags = a->ops * kTagBytes;
    size_t want_stream = seal ? plain : plain + tags;
    size_t want_out = seal ? plain + tags : plain;
    if (stream_bytes != want_stream || want_out > a->out_room) return Fail(env, true, what, "pieces do not match the operations, or the output is too small");
    return true;
  }

  // Set operation k's nonce and feed the additional data, if any.
  bool Start(const Args& a, uint32_t k) {
    int outl = 0;
    return EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, a.nonces + k * kNonceBytes, -1) == 1 &&
           (a.aad_n == 0 || EVP_CipherUpdate(ctx_, nullptr, &outl, a.aad, static_cast<int>(a.aad_n)) == 1);
  }

  // Run `n` bytes of the stream through the cipher into out (GCM is a stream mode: out == in size).
  bool Update(Stream* s, size_t n, uint8_t* out) {
    while (n > 0) {
      const uint8_t* p = nullptr;
      size_t take = s->Next(n < kUpdateBytesMax ? n : kUpdateBytesMax, &p);
      int outl = 0;
      if (take == 0 || EVP_CipherUpdate(ctx_, out, &outl, p, static_cast<int>(take)) != 1 || outl != static_cast<int>(take)) return false;
      out += take;
      n -= take;
    }
    return true;
  }

  // seal(out, outOffset, nonces, opBytes: Uint32Array, ops, pieces: (Uint8Array | number)[][, aad]) -> bytes written
  Napi::Value Seal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Args a;
    if (!Parse(info, true, &a)) return env.Undefined();
    Stream s(a.pieces);
    uint8_t* w = a.out;
    for (uint32_t k = 0; k < a.ops; k++) {
      int outl = 0;
      if (!Start(a, k) || !Update(&s, a.op_bytes[k], w) ||
          EVP_CipherFinal_ex(ctx_, w + a.op_bytes[k], &outl) != 1 || outl != 0 ||
          EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTagBytes, w + a.op_bytes[k]) != 1) {
        memset(a.out, 0, static_cast<size_t>(w - a.out) + a.op_bytes[k]);
        Napi::Error::New(env, "GcmContext.seal: OpenSSL failure").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      w += a.op_bytes[k] + kTagBytes;
    }
    return Napi::Number::New(env, static_cast<double>(w - a.out));
  }

  // open(out, outOffset, nonces, opBytes: Uint32Array, ops, pieces: Uint8Array[][, aad]) -> -1 when every
  // tag verified, else the index of the first operation whose tag did not (the output is zeroed:
  // unauthenticated plaintext never reaches the caller).
  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Args a;
    if (!Parse(info, false, &a)) return env.Undefined();
    Stream s(a.pieces);
    uint8_t* w = a.out;
    for (uint32_t k = 0; k < a.ops; k++) {
      bool ok = Start(a, k) && Update(&s, a.op_bytes[k], w);
      // The tag follows the ciphertext in the stream (it may span pieces).
      uint8_t tag[kTagBytes];
      size_t got = 0;
      while (ok && got < kTagBytes) {
        const uint8_t* p = nullptr;
        size_t take = s.Next(kTagBytes - got, &p);
        if (take == 0) ok = false;
        else memcpy(tag + got, p, take);
        got += take;
      }
      int outl = 0;
      ok = ok && EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag) == 1 && EVP_CipherFinal_ex(ctx_, w + a.op_bytes[k], &outl) == 1 &&
           outl == 0;
      if (!ok) {
        memset(a.out, 0, static_cast<size_t>(w - a.out) + a.op_bytes[k]);
        return Napi::Number::New(env, k);
      }
      w += a.op_bytes[k];
    }
    return Napi::Number::New(env, -1);
  }

  EVP_CIPHER_CTX* ctx_ = nullptr;
  bool encrypt_ = true;
};

void InitGcm(Napi::Env env, Napi::Object exports) { GcmContext::Init(env, exports); }

}  // namespace tsceph
