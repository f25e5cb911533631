// The thread-pool fallback: each op runs pread/pwrite/fdatasync/fallocate on a libuv worker thread
// and completes on the loop thread. Used when io_uring is unavailable or TS_CEPH_IO=pool.
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "device.h"

namespace tsceph {

// Loops over short transfers the way the kernel may return them, and over EINTR: `io(done)` moves
// the bytes from `done` on. A transfer that hits end of file returns what it got (the caller
// decides whether a short read is an error).
template <typename Io>
static int32_t TransferAll(uint32_t len, Io io) {
  uint32_t done = 0;
  while (done < len) {
    ssize_t r = io(done);
    if (r < 0) {
      if (errno == EINTR) continue;
      return done ? static_cast<int32_t>(done) : -errno;
    }
    if (r == 0) break;
    done += static_cast<uint32_t>(r);
  }
  return static_cast<int32_t>(done);
}

int32_t WriteDsync(int fd, uint8_t* buf, uint32_t len, uint64_t offset) {
  // Each piece of a short transfer is durable when pwritev2 returns, so looping keeps the promise.
  return TransferAll(len, [&](uint32_t done) {
    iovec iov{buf + done, len - done};
    return pwritev2(fd, &iov, 1, static_cast<off_t>(offset + done), RWF_DSYNC);
  });
}

int32_t DoSyncOp(int fd, bool blockdev, int32_t op, uint8_t* buf, uint32_t len, uint64_t offset) {
  (void)blockdev;
  switch (op) {
    case OP_READ:
    case OP_WRITE:
      return TransferAll(len, [&](uint32_t done) {
        return op == OP_READ ? pread(fd, buf + done, len - done, static_cast<off_t>(offset + done))
                             : pwrite(fd, buf + done, len - done, static_cast<off_t>(offset + done));
      });
    case OP_WRITE_DSYNC:
      return WriteDsync(fd, buf, len, offset);
    case OP_FSYNC:
    case OP_FDATASYNC:
      // A flush interrupted by a signal is asked again: it is what the caller waits for.
      for (;;) {
        int r = op == OP_FSYNC ? fsync(fd) : fdatasync(fd);
        if (r == 0) return 0;
        if (errno != EINTR) return -errno;
      }
    case OP_DISCARD:
      return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset), len) == 0 ? 0 : -errno;
    default:
      return -EINVAL;
  }
}

struct PoolOp {
  int32_t op;
  uint32_t slot;
  uint8_t* buf;
  uint32_t len;
  uint64_t offset;
  int32_t result;
};

// One worker job: an op, or a linked pair run in order by the same worker (the second is
// cancelled when the first fails or transfers less than asked, as io_uring does).
struct PoolReq {
  uv_work_t work;
  class PoolBackend* backend;
  PoolOp ops[2];
  int count;
};

// io_uring breaks a link when an op fails or a read/write is short; so do we.
static bool Succeeded(const PoolOp& o) {
  if (o.result < 0) return false;
  return (o.op != OP_READ && o.op != OP_WRITE && o.op != OP_WRITE_DSYNC) || static_cast<uint32_t>(o.result) == o.len;
}

class PoolBackend : public Backend {
 public:
  PoolBackend(Device* dev, uint32_t cap) : dev_(dev), cap_(cap) {}
  ~PoolBackend() override = default;
  const char* name() const override { return "pool"; }
  uint32_t inflight() const override { return inflight_; }
  uint32_t capacity() const override { return cap_; }

  // Every op already runs on a worker thread here, so FLAG_BACKGROUND changes nothing.
  int Queue(int32_t op, uint32_t slot, uint8_t* buf, uint32_t len, uint64_t offset, int32_t flags) override {
    bool link = flags & FLAG_LINK;
    PoolOp o{op, slot, buf, len, offset, 0};
    if (has_first_) {
      // The second op of a linked pair: room was taken with the first.
      has_first_ = false;
      int r = Start(PoolReq{{}, this, {first_, o}, 2});
      if (r != 0) inflight_ -= 2;
      return r;
    }
    if (inflight_ + (link ? 2 : 1) > cap_) return -EBUSY;
    if (link) {
      first_ = o;
      has_first_ = true;
      inflight_ += 2;
      return 0;
    }
    int r = Start(PoolReq{{}, this, {o, {}}, 1});
    if (r == 0) inflight_++;
    return r;
  }

  int Start(const PoolReq& proto) {
    auto* req = new PoolReq(proto);
    req->work.data = req;
    int r = uv_queue_work(
        dev_->loop(), &req->work,
        [](uv_work_t* w) {
          auto* q = static_cast<PoolReq*>(w->data);
          int fd = q->backend->fd_for_worker();
          for (int i = 0; i < q->count; i++) {
            PoolOp& o = q->ops[i];
            o.result = i == 0 || Succeeded(q->ops[0]) ? DoSyncOp(fd, false, o.op, o.buf, o.len, o.offset) : -ECANCELED;
          }
        },
        [](uv_work_t* w, int status) {
          auto* q = static_cast<PoolReq*>(w->data);
          PoolBackend* b = q->backend;
          b->inflight_ -= static_cast<uint32_t>(q->count);
          for (int i = 0; i < q->count; i++) b->dev_->Complete(q->ops[i].slot, status == UV_ECANCELED ? -ECANCELED : q->ops[i].result);
          delete q;
          // May finish a pending close, which deletes this backend: touch nothing after it.
          b->dev_->DeliverCompletions();
        });
    if (r != 0) {
      delete req;
      return -EAGAIN;
    }
    return 0;
  }
  int Flush() override { return 0; }
  // Workers report through the loop, which must not be re-entered: the device finishes its close
  // when the last after-work callback has run.
  void Drain() override {}
  int fd_for_worker() const { return dev_->fd(); }

 private:
  Device* dev_;
  uint32_t cap_;
  uint32_t inflight_ = 0;
  PoolOp first_{};
  bool has_first_ = false;
};

Backend* MakePoolBackend(Device* dev, uint32_t capacity) { return new PoolBackend(dev, capacity); }

}  // namespace tsceph
