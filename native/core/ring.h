// A minimal io_uring through the kernel's own interface: io_uring_setup,
// io_uring_enter and mmap of the rings. One owner thread; no liburing needed.
#pragma once
#include <linux/io_uring.h>

#include <cstdint>

#include "status.h"

namespace wal {

class Ring {
 public:
  Ring() = default;
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // EPERM/ENOSYS/EACCES mean io_uring is refused here (sysctl, seccomp): the
  // caller falls back to pwrite + fdatasync.
  Status init(uint32_t entries);
  bool ready() const { return fd_ >= 0; }
  // A zeroed SQE to fill, or nullptr when the submission queue is full.
  io_uring_sqe* next_sqe();
  // Submits what next_sqe() handed out and waits for at least `wait_nr` CQEs.
  Status submit_and_wait(uint32_t wait_nr);
  // Copies out the oldest completion, if any.
  bool pop(io_uring_cqe* out);
  uint32_t entries() const { return sq_entries_; }
  // Puts files in the ring's fixed-file table: the ring then holds a reference
  // to each until unregister_files() or until the ring is torn down, which the
  // kernel does only after every request of the ring has completed.
  Status register_files(const int* fds, uint32_t count);
  Status unregister_files();

 private:
  int fd_ = -1;
  void* sq_map_ = nullptr;
  size_t sq_map_bytes_ = 0;
  void* cq_map_ = nullptr;
  size_t cq_map_bytes_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqes_bytes_ = 0;
  unsigned* sq_head_ = nullptr;
  unsigned* sq_tail_ = nullptr;
  unsigned* sq_mask_ = nullptr;
  unsigned* sq_array_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned* cq_mask_ = nullptr;
  io_uring_cqe* cqes_ = nullptr;
  uint32_t sq_entries_ = 0;
  unsigned sqe_tail_ = 0;      // local tail: SQEs handed out
  unsigned to_submit_ = 0;
};

}  // namespace wal
