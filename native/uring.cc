// The io_uring backend: one ring per device, the device's fd registered as fixed file 0, an
// optional registered slab (fixed buffer 0), completions signalled through an eventfd that a
// uv_poll_t watches on the Node event loop (no thread per I/O). Ops queued in one JS turn go to
// the kernel in one io_uring_submit (batched submission).
#include <liburing.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "device.h"

namespace tsceph {

class UringBackend : public Backend {
 public:
  UringBackend(Device* dev) : dev_(dev) {}
  ~UringBackend() override {
    if (poll_started_) {
      uv_poll_stop(poll_);
      // The handle is freed in the close callback, after libuv has let go of it.
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    } else {
      delete poll_;
    }
    if (ring_ok_) io_uring_queue_exit(&ring_);
    if (efd_ >= 0) close(efd_);
  }

  bool Setup(uint32_t entries, std::string* err) {
    int r = io_uring_queue_init(entries, &ring_, 0);
    if (r < 0) {
      *err = std::string("io_uring_queue_init: ") + strerror(-r);
      return false;
    }
    ring_ok_ = true;
    entries_ = ring_.sq.ring_entries;
    // Never more in flight than the completion queue holds, so completions cannot overflow.
    cap_ = ring_.cq.ring_entries < 2 * entries_ ? ring_.cq.ring_entries : entries_;
    // Probe that the ops we need exist on this kernel (libuv does the same before using a ring).
    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    if (!probe) {
      *err = "io_uring probe unsupported";
      return false;
    }
    bool ok = io_uring_opcode_supported(probe, IORING_OP_READ) && io_uring_opcode_supported(probe, IORING_OP_WRITE) &&
              io_uring_opcode_supported(probe, IORING_OP_FSYNC) && io_uring_opcode_supported(probe, IORING_OP_FALLOCATE);
    io_uring_free_probe(probe);
    if (!ok) {
      *err = "io_uring lacks READ/WRITE/FSYNC/FALLOCATE";
      return false;
    }
    efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0 || io_uring_register_eventfd(&ring_, efd_) < 0) {
      *err = "eventfd registration failed";
      return false;
    }
    int fd = dev_->fd();
    fixed_file_ = io_uring_register_files(&ring_, &fd, 1) == 0;
    poll_ = new uv_poll_t;
    if (uv_poll_init(dev_->loop(), poll_, efd_) != 0) {
      *err = "uv_poll_init failed";
      return false;
    }
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, [](uv_poll_t* h, int, int) { static_cast<UringBackend*>(h->data)->Reap(); });
    poll_started_ = true;
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return true;
  }

  const char* name() const override { return "io_uring"; }
  uint32_t inflight() const override { return inflight_; }
  uint32_t capacity() const override { return cap_; }
  bool registered_file() const override { return fixed_file_; }
  bool registered_buffer() const override { return reg_base_ != nullptr; }

  bool RegisterBuffer(uint8_t* base, size_t len) override {
    if (reg_base_ || inflight_ || queued_) return false;
    iovec iov{base, len};
    if (io_uring_register_buffers(&ring_, &iov, 1) != 0) return false;
    reg_base_ = base;
    reg_len_ = len;
    return true;
  }

  int Queue(int32_t op, uint32_t slot, uint8_t* buf, uint32_t len, uint64_t offset, int32_t flags) override {
    bool link = flags & FLAG_LINK;
    // A linked pair's second op was accounted for with the first.
    // Room for a pair is taken with its first op, and nothing is submitted between the two: a
    // submission boundary would cut the link.
    if (!linked_second_) {
      if (inflight_ + queued_ + reserved_ + (link ? 2 : 1) > cap_) return -EBUSY;
      if (io_uring_sq_space_left(&ring_) < (link ? 2u : 1u)) Flush();
      if (io_uring_sq_space_left(&ring_) < (link ? 2u : 1u)) return -EBUSY;
    }
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) return -EBUSY;
    int fd = fixed_file_ ? 0 : dev_->fd();
    bool fixed_buf = reg_base_ && buf >= reg_base_ && buf + len <= reg_base_ + reg_len_;
    switch (op) {
      case OP_READ:
        if (fixed_buf) io_uring_prep_read_fixed(sqe, fd, buf, len, offset, 0);
        else io_uring_prep_read(sqe, fd, buf, len, offset);
        break;
      case OP_WRITE:
        if (fixed_buf) io_uring_prep_write_fixed(sqe, fd, buf, len, offset, 0);
        else io_uring_prep_write(sqe, fd, buf, len, offset);
        break;
      case OP_WRITE_DSYNC:
        if (fixed_buf) io_uring_prep_write_fixed(sqe, fd, buf, len, offset, 0);
        else io_uring_prep_write(sqe, fd, buf, len, offset);
        sqe->rw_flags = RWF_DSYNC;
        break;
      case OP_FSYNC:
        io_uring_prep_fsync(sqe, fd, 0);
        break;
      case OP_FDATASYNC:
        io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
        break;
      case OP_DISCARD:
        // Punching a hole discards on block devices (blkdev_fallocate) and frees file blocks.
        io_uring_prep_fallocate(sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
        break;
      default:
        return -EINVAL;
    }
    if (fixed_file_) sqe->flags |= IOSQE_FIXED_FILE;
    if (link) sqe->flags |= IOSQE_IO_LINK;
    if (flags & FLAG_BACKGROUND) sqe->flags |= IOSQE_ASYNC;
    io_uring_sqe_set_data64(sqe, slot);
    queued_++;
    if (linked_second_) reserved_--;
    linked_second_ = link;
    if (link) reserved_++;
    return 0;
  }

  int Flush() override {
    if (!queued_) return 0;
    int r = io_uring_submit(&ring_);
    if (r < 0) return r;
    inflight_ += static_cast<uint32_t>(r);
    queued_ -= static_cast<uint32_t>(r);
    if (inflight_) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return r;
  }

  void Drain() override {
    Flush();
    while (inflight_ > 0) {
      io_uring_cqe* cqe = nullptr;
      int r = io_uring_wait_cqe(&ring_, &cqe);
      if (r == -EINTR) continue;
      if (r < 0) break;
      Harvest();
    }
  }

 private:
  void Harvest() {
    io_uring_cqe* cqes[64];
    for (;;) {
      unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, 64);
      if (n == 0) break;
      for (unsigned i = 0; i < n; i++) {
        dev_->Complete(static_cast<uint32_t>(io_uring_cqe_get_data64(cqes[i])), cqes[i]->res);
      }
      io_uring_cq_advance(&ring_, n);
      inflight_ -= n;
    }
    if (inflight_ == 0 && poll_started_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  }

  void Reap() {
    uint64_t v;
    while (read(efd_, &v, sizeof v) > 0) {
    }
    Harvest();
    dev_->DeliverCompletions();
  }

  Device* dev_;
  io_uring ring_{};
  bool ring_ok_ = false;
  int efd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool poll_started_ = false;
  bool fixed_file_ = false;
  uint8_t* reg_base_ = nullptr;
  size_t reg_len_ = 0;
  uint32_t entries_ = 0;
  uint32_t cap_ = 0;
  uint32_t inflight_ = 0;
  uint32_t queued_ = 0;
  uint32_t reserved_ = 0;       // room held for the second op of a linked pair
  bool linked_second_ = false;  // the next Queue call is the second op of a linked pair
};

Backend* MakeUringBackend(Device* dev, uint32_t entries, std::string* err) {
  auto* b = new UringBackend(dev);
  if (!b->Setup(entries, err)) {
    delete b;
    return nullptr;
  }
  return b;
}

}  // namespace tsceph
