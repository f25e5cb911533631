// A block device (a regular file or a block special file) with asynchronous I/O. One instance owns
// one fd and one backend: an io_uring (completions signalled on an eventfd that libuv polls on the
// Node event loop) or, when io_uring is unavailable or TS_CEPH_IO=pool, libuv's thread pool doing
// pread/pwrite. TypeScript (packages/objectstore/src/native/) validates every argument and owns
// buffer lifetimes; this side only asserts bounds.
#pragma once
#include <napi.h>
#include <uv.h>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tsceph {

// Op codes shared with packages/objectstore/src/native/device.ts.
// OP_WRITE_DSYNC: a write that is durable when it completes (RWF_DSYNC: the range's data and the
// metadata needed to read it back, and a device cache flush), one op where write + fdatasync is two.
enum IoOp : int32_t { OP_READ = 1, OP_WRITE = 2, OP_FSYNC = 3, OP_FDATASYNC = 4, OP_DISCARD = 5, OP_WRITE_DSYNC = 6 };
// Submit flags (device.ts SubmitFlag): LINK, the next op starts after this one succeeded;
// BACKGROUND, nobody waits on it soon: issue it from an io_uring worker thread rather than inline
// in the submitting call on the JS thread.
enum SubmitFlag : int32_t { FLAG_LINK = 1, FLAG_BACKGROUND = 2 };

class Backend;

class Device : public Napi::ObjectWrap<Device> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit Device(const Napi::CallbackInfo& info);
  ~Device() override;

  // Called by a backend on the loop thread for each finished op; results are batched into the
  // shared completion array and handed to JS by Flush().
  void Complete(uint32_t slot, int32_t result);
  void DeliverCompletions();
  int fd() const { return fd_; }
  uv_loop_t* loop() const { return loop_; }
  // Fault injection (tests): the n-th completion from now fails with -errno.
  int32_t ApplyFault(int32_t result);

 private:
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value FlushQueue(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value SetFault(const Napi::CallbackInfo& info);
  Napi::Value RegisterBuffer(const Napi::CallbackInfo& info);
  Napi::Value WriteSync(const Napi::CallbackInfo& info);
  void Shutdown();
  void MaybeFinish();
  bool closing_ = false;
  bool pinned_ = false;
  bool link_open_ = false;  // the last op queued was the first of a linked pair

  int fd_ = -1;
  uint64_t size_ = 0;
  bool blockdev_ = false;
  bool direct_ = false;
  uv_loop_t* loop_ = nullptr;
  Backend* backend_ = nullptr;
  Napi::FunctionReference on_complete_;
  Napi::Reference<Napi::Int32Array> completions_;
  Napi::ObjectReference registered_;  // keeps the registered slab alive while the ring uses it
  Napi::AsyncContext* async_ctx_ = nullptr;
  int32_t* comp_ = nullptr;
  uint32_t comp_cap_ = 0;  // pairs
  std::vector<std::pair<int32_t, int32_t>> pending_;  // (slot, result) not yet handed to JS
  int32_t fault_every_ = 0;   // every n-th completion fails (0: off)
  int32_t fault_errno_ = 0;
  int32_t fault_count_ = 0;
  int32_t fault_remaining_ = -1;  // how many more faults to inject (-1: unlimited)
  bool delivering_ = false;
};

// The I/O engine behind a Device.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Queue one op; returns 0, or -EBUSY when the ring (or in-flight cap) is full. With `link` the op
  // is the first of a linked pair: the next Queue call is the second, which starts only after this
  // one succeeded (and fails with -ECANCELED otherwise); room for both is checked here.
  virtual int Queue(int32_t op, uint32_t slot, uint8_t* buf, uint32_t len, uint64_t offset, int32_t flags) = 0;
  // Hand queued ops to the kernel; returns how many were submitted or -errno.
  virtual int Flush() = 0;
  // Wait for every in-flight op to finish (used by close) if the backend can do so without the
  // event loop; completions are reported as usual.
  virtual void Drain() = 0;
  virtual uint32_t inflight() const = 0;
  virtual uint32_t capacity() const = 0;
  virtual bool RegisterBuffer(uint8_t* base, size_t len) { (void)base; (void)len; return false; }
  virtual bool registered_file() const { return false; }
  virtual bool registered_buffer() const { return false; }
};

Backend* MakeUringBackend(Device* dev, uint32_t entries, std::string* err);
Backend* MakePoolBackend(Device* dev, uint32_t capacity);

// pwritev2(RWF_DSYNC) until `len` bytes are written: the byte count (short only at an error) or -errno.
int32_t WriteDsync(int fd, uint8_t* buf, uint32_t len, uint64_t offset);
// Perform one op synchronously (the pool backend's worker body; also used by tests via pool).
int32_t DoSyncOp(int fd, bool blockdev, int32_t op, uint8_t* buf, uint32_t len, uint64_t offset);

void InitCrc32c(Napi::Env env, Napi::Object exports);
void InitXts(Napi::Env env, Napi::Object exports);
void InitGcm(Napi::Env env, Napi::Object exports);
void InitArgon2(Napi::Env env, Napi::Object exports);
void InitAlloc(Napi::Env env, Napi::Object exports);

}  // namespace tsceph
