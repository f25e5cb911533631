// Device: the fd, the backend choice, argument bounds checks and completion delivery to JS.
#include "device.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tsceph {

static Napi::Value ThrowErrno(Napi::Env env, int err, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Object Device::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "Device",
                                 {InstanceMethod("submit", &Device::Submit),
                                  InstanceMethod("flush", &Device::FlushQueue),
                                  InstanceMethod("close", &Device::Close),
                                  InstanceMethod("info", &Device::Info),
                                  InstanceMethod("setFault", &Device::SetFault),
                                  InstanceMethod("registerBuffer", &Device::RegisterBuffer),
                                  InstanceMethod("writeSync", &Device::WriteSync)});
  exports.Set("Device", f);
  return exports;
}

// new Device(path, direct, readonly, backend ('auto'|'uring'|'pool'), entries, completions, onComplete)
Device::Device(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Device>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsString() || !info[1].IsBoolean() || !info[2].IsBoolean() ||
      !info[3].IsString() || !info[4].IsNumber() || !info[5].IsTypedArray() || !info[6].IsFunction()) {
    Napi::TypeError::New(env, "Device: bad arguments").ThrowAsJavaScriptException();
    return;
  }
  std::string path = info[0].As<Napi::String>();
  direct_ = info[1].As<Napi::Boolean>();
  bool readonly = info[2].As<Napi::Boolean>();
  std::string backend = info[3].As<Napi::String>();
  uint32_t entries = info[4].As<Napi::Number>().Uint32Value();
  Napi::TypedArray ta = info[5].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_int32_array || ta.ElementLength() < 2 || entries < 1 || entries > 32768) {
    Napi::TypeError::New(env, "Device: bad completion array or entries").ThrowAsJavaScriptException();
    return;
  }
  Napi::Int32Array comp = ta.As<Napi::Int32Array>();
  completions_ = Napi::Persistent(comp);
  comp_ = comp.Data();
  comp_cap_ = static_cast<uint32_t>(comp.ElementLength() / 2);
  on_complete_ = Napi::Persistent(info[6].As<Napi::Function>());
  async_ctx_ = new Napi::AsyncContext(env, "ts-ceph:device");
  napi_get_uv_event_loop(env, &loop_);

  int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (direct_ ? O_DIRECT : 0);
  fd_ = open(path.c_str(), flags);
  if (fd_ < 0) {
    ThrowErrno(env, errno, "open " + path);
    return;
  }
  struct stat st;
  if (fstat(fd_, &st) != 0) {
    int e = errno;
    close(fd_);
    fd_ = -1;
    ThrowErrno(env, e, "fstat " + path);
    return;
  }
  blockdev_ = S_ISBLK(st.st_mode);
  if (blockdev_) {
    if (ioctl(fd_, BLKGETSIZE64, &size_) != 0) size_ = 0;
  } else {
    size_ = static_cast<uint64_t>(st.st_size);
  }
  std::string why;
  if (backend != "pool") {
    backend_ = MakeUringBackend(this, entries, &why);
    if (!backend_ && backend == "uring") {
      close(fd_);
      fd_ = -1;
      Napi::Error e = Napi::Error::New(env, "io_uring unavailable: " + why);
      e.Set("errno", Napi::Number::New(env, ENOSYS));
      e.ThrowAsJavaScriptException();
      return;
    }
  }
  if (!backend_) backend_ = MakePoolBackend(this, entries);
  Value().Set("fallbackReason", Napi::String::New(env, why));
}

Device::~Device() { Shutdown(); }

void Device::Shutdown() {
  if (backend_) {
    delete backend_;
    backend_ = nullptr;
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  delete async_ctx_;
  async_ctx_ = nullptr;
}

int32_t Device::ApplyFault(int32_t result) {
  if (fault_every_ <= 0 || fault_remaining_ == 0) return result;
  if (++fault_count_ % fault_every_ != 0) return result;
  if (fault_remaining_ > 0) fault_remaining_--;
  return -fault_errno_;
}

void Device::Complete(uint32_t slot, int32_t result) {
  pending_.push_back({static_cast<int32_t>(slot), ApplyFault(result)});
}

// Hands finished ops to JS in chunks of the shared array's size. The JS side copies a chunk out
// before acting on it, so a completion that arrives during the callback waits for the next chunk.
void Device::DeliverCompletions() {
  if (delivering_) return;
  delivering_ = true;
  Napi::Env env = Env();
  while (!pending_.empty()) {
    Napi::HandleScope scope(env);
    size_t n = pending_.size() < comp_cap_ ? pending_.size() : comp_cap_;
    for (size_t i = 0; i < n; i++) {
      comp_[2 * i] = pending_[i].first;
      comp_[2 * i + 1] = pending_[i].second;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    napi_value recv = Value();
    if (async_ctx_) {
      on_complete_.MakeCallback(recv, {Napi::Number::New(env, static_cast<double>(n))}, *async_ctx_);
    } else {
      on_complete_.Call(recv, {Napi::Number::New(env, static_cast<double>(n))});
    }
    if (env.IsExceptionPending()) {
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());
    }
  }
  delivering_ = false;
  MaybeFinish();
}

// After the last in-flight op: release the pin and finish a close that waited for it.
void Device::MaybeFinish() {
  if (backend_ && backend_->inflight() > 0) return;
  if (closing_) Shutdown();
  if (pinned_) {
    pinned_ = false;
    Unref();
  }
}

// submit(op, slot, buf|null, bufOffset, len, offset, flags) -> 0 | -errno. An op with FLAG_LINK
// must be followed at once by the submit of its partner (device.ts does both in one pump()).
Napi::Value Device::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!backend_ || fd_ < 0 || closing_) return Napi::Number::New(env, -EBADF);
  int32_t op = info[0].As<Napi::Number>().Int32Value();
  uint32_t slot = info[1].As<Napi::Number>().Uint32Value();
  uint8_t* ptr = nullptr;
  uint32_t len = info[4].As<Napi::Number>().Uint32Value();
  double off = info[5].As<Napi::Number>().DoubleValue();
  if (!(off >= 0 && off <= 9007199254740991.0)) return Napi::Number::New(env, -EINVAL);
  if (op == OP_READ || op == OP_WRITE || op == OP_WRITE_DSYNC) {
    if (!info[2].IsTypedArray()) return Napi::Number::New(env, -EINVAL);
    Napi::TypedArray ta = info[2].As<Napi::TypedArray>();
    size_t bytes = ta.ByteLength();
    size_t boff = info[3].As<Napi::Number>().Uint32Value();
    // Bounds are the caller's job; a violation here is a bug in our TypeScript, so refuse it.
    if (boff > bytes || len > bytes - boff || len == 0) return Napi::Number::New(env, -EFAULT);
    ptr = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset() + boff;
  } else if (op != OP_FSYNC && op != OP_FDATASYNC && op != OP_DISCARD) {
    return Napi::Number::New(env, -EINVAL);
  }
  int32_t flags = info.Length() > 6 && info[6].IsNumber() ? info[6].As<Napi::Number>().Int32Value() : 0;
  if (flags & ~(FLAG_LINK | FLAG_BACKGROUND)) return Napi::Number::New(env, -EINVAL);
  bool link = flags & FLAG_LINK;
  if (link && link_open_) return Napi::Number::New(env, -EINVAL);
  int r = backend_->Queue(op, slot, ptr, len, static_cast<uint64_t>(off), flags);
  if (r == 0) link_open_ = link;
  // While ops are in flight the wrapper must outlive them, whatever JS drops.
  if (r == 0 && !pinned_) {
    Ref();
    pinned_ = true;
  }
  return Napi::Number::New(env, r);
}

// writeSync(buf, bufOffset, len, offset) -> bytes written | -errno: a durable write (RWF_DSYNC)
// done here, on the JS thread, whatever the backend. With nothing else to do (one commit in flight)
// this skips every hand-off of an asynchronous op: no ring worker, no eventfd wake-up of the loop,
// no completion callback. The caller orders it against its own in-flight ops.
Napi::Value Device::WriteSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!backend_ || fd_ < 0 || closing_) return Napi::Number::New(env, -EBADF);
  if (info.Length() < 4 || !info[0].IsTypedArray()) return Napi::Number::New(env, -EINVAL);
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  size_t bytes = ta.ByteLength();
  size_t boff = info[1].As<Napi::Number>().Uint32Value();
  uint32_t len = info[2].As<Napi::Number>().Uint32Value();
  double off = info[3].As<Napi::Number>().DoubleValue();
  if (!(off >= 0 && off <= 9007199254740991.0)) return Napi::Number::New(env, -EINVAL);
  if (boff > bytes || len > bytes - boff || len == 0) return Napi::Number::New(env, -EFAULT);
  uint8_t* ptr = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset() + boff;
  return Napi::Number::New(env, ApplyFault(WriteDsync(fd_, ptr, len, static_cast<uint64_t>(off))));
}

Napi::Value Device::FlushQueue(const Napi::CallbackInfo& info) {
  if (!backend_) return Napi::Number::New(info.Env(), -EBADF);
  return Napi::Number::New(info.Env(), backend_->Flush());
}

// close(): no new ops are accepted. The ring waits here for its in-flight ops (completions are
// delivered before close returns); the pool cannot wait without re-entering the loop, so its fd is
// closed after the last worker reports. Returns true when the device is closed already.
Napi::Value Device::Close(const Napi::CallbackInfo& info) {
  closing_ = true;
  if (backend_ && backend_->inflight() > 0) {
    backend_->Flush();
    backend_->Drain();
    DeliverCompletions();
  }
  if (!backend_ || backend_->inflight() == 0) {
    Shutdown();
    registered_.Reset();
  }
  return Napi::Boolean::New(info.Env(), fd_ < 0);
}

Napi::Value Device::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("backend", Napi::String::New(env, backend_ ? backend_->name() : "closed"));
  o.Set("size", Napi::Number::New(env, static_cast<double>(size_)));
  o.Set("blockdev", Napi::Boolean::New(env, blockdev_));
  o.Set("direct", Napi::Boolean::New(env, direct_));
  o.Set("capacity", Napi::Number::New(env, backend_ ? backend_->capacity() : 0));
  o.Set("inflight", Napi::Number::New(env, backend_ ? backend_->inflight() : 0));
  o.Set("registeredFile", Napi::Boolean::New(env, backend_ && backend_->registered_file()));
  o.Set("registeredBuffer", Napi::Boolean::New(env, backend_ && backend_->registered_buffer()));
  return o;
}

// setFault(every, errno, count): every `every`-th completion fails with -errno, `count` times (-1: forever).
Napi::Value Device::SetFault(const Napi::CallbackInfo& info) {
  fault_every_ = info[0].As<Napi::Number>().Int32Value();
  fault_errno_ = info[1].As<Napi::Number>().Int32Value();
  fault_remaining_ = info.Length() > 2 ? info[2].As<Napi::Number>().Int32Value() : -1;
  fault_count_ = 0;
  return info.Env().Undefined();
}

// registerBuffer(arrayBuffer): registers an aligned slab with the ring (fixed buffers); reads and
// writes that fall inside it use READ_FIXED/WRITE_FIXED and skip the per-op page pinning.
Napi::Value Device::RegisterBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!backend_ || !info[0].IsArrayBuffer()) return Napi::Boolean::New(env, false);
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  bool ok = backend_->RegisterBuffer(static_cast<uint8_t*>(ab.Data()), ab.ByteLength());
  if (ok) registered_ = Napi::Persistent(ab.As<Napi::Object>());
  return Napi::Boolean::New(env, ok);
}

}  // namespace tsceph
