// CRC32C (Castagnoli) in Ceph's raw form (src/include/crc32c.h, ceph_crc32c): the seed is the
// running register and there is no final inversion. SSE4.2's crc32 instruction when the CPU has it,
// a byte table otherwise (both are exercised by the tests: crc32c(..., forceTable)).
#include <nmmintrin.h>

#include <cstdint>
#include <cstring>

#include "device.h"

namespace tsceph {

static uint32_t table[256];

static void BuildTable() {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
}

static uint32_t Crc32cTable(uint32_t crc, const uint8_t* p, size_t n) {
  while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

__attribute__((target("sse4.2"))) static uint32_t Crc32cHwSerial(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    n--;
  }
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n--) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return static_cast<uint32_t>(c);
}

// The crc32 instruction has a latency of three cycles and a throughput of one per cycle, so three
// independent streams run about three times faster than one. A chunk of 3 * kLane bytes is split
// into three lanes; lanes 2 and 3 start from a zero register, and since the raw CRC is linear,
// crc(c, A || B) = shift(crc(c, A), |B|) ^ crc(0, B), where shift(c, n) advances the register over
// n zero bytes. Shifting by kLane bytes is a linear map on 32 bits, tabulated per byte of c.
static const size_t kLane = 1360;  // 3 lanes + 16 bytes = 4096: one checksum block in one chunk
static uint32_t shift_table[4][256];

static void BuildShiftTable() {
  for (int k = 0; k < 4; k++) {
    for (uint32_t b = 0; b < 256; b++) {
      uint32_t c = b << (8 * k);
      for (size_t i = 0; i < kLane; i++) c = table[c & 0xff] ^ (c >> 8);
      shift_table[k][b] = c;
    }
  }
}

static inline uint32_t ShiftLane(uint32_t c) {
  return shift_table[0][c & 0xff] ^ shift_table[1][(c >> 8) & 0xff] ^ shift_table[2][(c >> 16) & 0xff] ^ shift_table[3][c >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t Crc32cHw(uint32_t crc, const uint8_t* p, size_t n) {
  while (n >= 3 * kLane) {
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    const uint8_t* a = p;
    const uint8_t* b = p + kLane;
    const uint8_t* d = p + 2 * kLane;
    for (size_t i = 0; i < kLane; i += 8) {
      uint64_t va, vb, vd;
      memcpy(&va, a + i, 8);
      memcpy(&vb, b + i, 8);
      memcpy(&vd, d + i, 8);
      c0 = _mm_crc32_u64(c0, va);
      c1 = _mm_crc32_u64(c1, vb);
      c2 = _mm_crc32_u64(c2, vd);
    }
    crc = ShiftLane(ShiftLane(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
    p += 3 * kLane;
    n -= 3 * kLane;
  }
  return Crc32cHwSerial(crc, p, n);
}

static bool have_hw = false;

static uint32_t Crc32c(uint32_t crc, const uint8_t* p, size_t n, bool force_table) {
  return (have_hw && !force_table) ? Crc32cHw(crc, p, n) : Crc32cTable(crc, p, n);
}

static bool Span(const Napi::CallbackInfo& info, size_t i, uint8_t** p, size_t* n) {
  if (!info[i].IsTypedArray()) return false;
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  *p = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  *n = ta.ByteLength();
  return true;
}

// crc32c(seed, buf, offset, length, forceTable) -> u32
static Napi::Value JsCrc32c(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* p;
  size_t n;
  if (info.Length() < 5 || !info[0].IsNumber() || !Span(info, 1, &p, &n)) {
    Napi::TypeError::New(env, "crc32c: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t seed = info[0].As<Napi::Number>().Uint32Value();
  size_t off = info[2].As<Napi::Number>().Uint32Value();
  size_t len = info[3].As<Napi::Number>().Uint32Value();
  if (off > n || len > n - off) {
    Napi::RangeError::New(env, "crc32c: range outside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, Crc32c(seed, p + off, len, info[4].ToBoolean()));
}

// crc32cBlocks(seed, buf, blockBytes, out: Uint32Array) -> fills out[i] with the crc of block i.
static Napi::Value JsCrc32cBlocks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* p;
  size_t n;
  if (info.Length() < 4 || !Span(info, 1, &p, &n) || !info[3].IsTypedArray() ||
      info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    Napi::TypeError::New(env, "crc32cBlocks: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t seed = info[0].As<Napi::Number>().Uint32Value();
  size_t bs = info[2].As<Napi::Number>().Uint32Value();
  Napi::Uint32Array out = info[3].As<Napi::Uint32Array>();
  if (bs == 0 || n % bs != 0 || out.ElementLength() < n / bs) {
    Napi::RangeError::New(env, "crc32cBlocks: size mismatch").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  for (size_t i = 0; i < n / bs; i++) out[i] = Crc32c(seed, p + i * bs, bs, false);
  return env.Undefined();
}

void InitCrc32c(Napi::Env env, Napi::Object exports) {
  BuildTable();
  BuildShiftTable();
  __builtin_cpu_init();
  have_hw = __builtin_cpu_supports("sse4.2");
  exports.Set("crc32c", Napi::Function::New(env, JsCrc32c));
  exports.Set("crc32cBlocks", Napi::Function::New(env, JsCrc32cBlocks));
  exports.Set("crc32cHardware", Napi::Boolean::New(env, have_hw));
}

}  // namespace tsceph
