#include "ring.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "assert.h"

namespace wal {
namespace {

int sys_setup(unsigned entries, io_uring_params* p) {
  return static_cast<int>(syscall(__NR_io_uring_setup, entries, p));
}

int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
  return static_cast<int>(syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, nullptr, 0));
}

template <typename T>
T* at(void* base, unsigned offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

int sys_register(int fd, unsigned opcode, const void* arg, unsigned count) {
  return static_cast<int>(syscall(__NR_io_uring_register, fd, opcode, arg, count));
}

}  // namespace

Status Ring::register_files(const int* fds, uint32_t count) {
  WAL_ASSERT(fd_ >= 0);
  WAL_ASSERT(fds != nullptr && count > 0 && count <= 16);
  if (sys_register(fd_, IORING_REGISTER_FILES, fds, count) != 0) return errno_status(errno, "io_uring_register files");
  return Status::Ok();
}

Status Ring::unregister_files() {
  WAL_ASSERT(fd_ >= 0);
  if (sys_register(fd_, IORING_UNREGISTER_FILES, nullptr, 0) != 0) return errno_status(errno, "io_uring_unregister files");
  return Status::Ok();
}

Ring::~Ring() {
  if (sqes_ != nullptr) munmap(sqes_, sqes_bytes_);
  if (cq_map_ != nullptr && cq_map_ != sq_map_) munmap(cq_map_, cq_map_bytes_);
  if (sq_map_ != nullptr) munmap(sq_map_, sq_map_bytes_);
  if (fd_ >= 0) close(fd_);
}

Status Ring::init(uint32_t entries) {
  WAL_ASSERT(fd_ < 0);
  WAL_ASSERT(entries > 0 && entries <= 4096 && (entries & (entries - 1)) == 0);
  io_uring_params p;
  std::memset(&p, 0, sizeof p);
  int fd = sys_setup(entries, &p);
  if (fd < 0) return errno_status(errno, "io_uring_setup");
  fd_ = fd;
  sq_map_bytes_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  cq_map_bytes_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && cq_map_bytes_ > sq_map_bytes_) sq_map_bytes_ = cq_map_bytes_;
  sq_map_ = mmap(nullptr, sq_map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                 IORING_OFF_SQ_RING);
  if (sq_map_ == MAP_FAILED) {
    sq_map_ = nullptr;
    return errno_status(errno, "mmap sq ring");
  }
  cq_map_ = sq_map_;
  if (!single) {
    cq_map_ = mmap(nullptr, cq_map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                   IORING_OFF_CQ_RING);
    if (cq_map_ == MAP_FAILED) {
      cq_map_ = nullptr;
      return errno_status(errno, "mmap cq ring");
    }
  }
  sqes_bytes_ = p.sq_entries * sizeof(io_uring_sqe);
  void* sqes = mmap(nullptr, sqes_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                    IORING_OFF_SQES);
  if (sqes == MAP_FAILED) return errno_status(errno, "mmap sqes");
  sqes_ = static_cast<io_uring_sqe*>(sqes);
  sq_head_ = at<unsigned>(sq_map_, p.sq_off.head);
  sq_tail_ = at<unsigned>(sq_map_, p.sq_off.tail);
  sq_mask_ = at<unsigned>(sq_map_, p.sq_off.ring_mask);
  sq_array_ = at<unsigned>(sq_map_, p.sq_off.array);
  cq_head_ = at<unsigned>(cq_map_, p.cq_off.head);
  cq_tail_ = at<unsigned>(cq_map_, p.cq_off.tail);
  cq_mask_ = at<unsigned>(cq_map_, p.cq_off.ring_mask);
  cqes_ = at<io_uring_cqe>(cq_map_, p.cq_off.cqes);
  sq_entries_ = p.sq_entries;
  sqe_tail_ = *sq_tail_;
  return Status::Ok();
}

io_uring_sqe* Ring::next_sqe() {
  WAL_ASSERT(fd_ >= 0);
  unsigned head = __atomic_load_n(sq_head_, __ATOMIC_ACQUIRE);
  if (sqe_tail_ - head >= sq_entries_) return nullptr;
  unsigned index = sqe_tail_ & *sq_mask_;
  io_uring_sqe* sqe = &sqes_[index];
  std::memset(sqe, 0, sizeof *sqe);
  sq_array_[index] = index;
  sqe_tail_++;
  to_submit_++;
  WAL_ASSERT(to_submit_ <= sq_entries_);
  return sqe;
}

Status Ring::submit_and_wait(uint32_t wait_nr) {
  WAL_ASSERT(fd_ >= 0);
  // Publish the new tail only after the SQE contents are written.
  __atomic_store_n(sq_tail_, sqe_tail_, __ATOMIC_RELEASE);
  unsigned submit = to_submit_;
  for (;;) {
    int rc = sys_enter(fd_, submit, wait_nr, wait_nr > 0 ? IORING_ENTER_GETEVENTS : 0);
    if (rc >= 0) {
      WAL_ASSERT(static_cast<unsigned>(rc) <= submit);
      submit -= static_cast<unsigned>(rc);
      to_submit_ = submit;
      if (submit == 0 || wait_nr > 0) return Status::Ok();
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EBUSY) {
      // The completion queue is full: the caller drains it and comes back.
      return Status::Ok();
    }
    return errno_status(errno, "io_uring_enter");
  }
}

bool Ring::pop(io_uring_cqe* out) {
  WAL_ASSERT(fd_ >= 0 && out != nullptr);
  unsigned head = *cq_head_;
  unsigned tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
  if (head == tail) return false;
  *out = cqes_[head & *cq_mask_];
  __atomic_store_n(cq_head_, head + 1, __ATOMIC_RELEASE);
  return true;
}

}  // namespace wal
