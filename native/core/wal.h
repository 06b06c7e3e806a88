// The partitioned write-ahead log: appends from one caller thread (the JS
// thread), group commit per partition, one I/O thread that owns the io_uring
// ring and every file descriptor written to.
//
// Flow of an append: the caller frames and checksums its records straight into
// the partition's filling buffer (two buffers per partition, allocated at
// open) and gets its LSNs back at once. The I/O thread swaps the buffer out,
// pads it to a block, writes it with a linked fdatasync (to each copy in mirror
// mode) and, once every copy is durable, publishes the partition's durable LSN
// and calls `notify`. Appends that arrive meanwhile fill the other buffer: the
// next flush. A full buffer is backpressure (Code::busy), never a realloc.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "files.h"
#include "reader.h"
#include "ring.h"
#include "status.h"

namespace wal {

enum class IoMode : uint8_t { automatic, io_uring, sync };
enum class DirectMode : uint8_t { automatic, on, off };

// Test-only faults, counted over the whole log from 0: the Nth write or
// fdatasync (or flush) misbehaves. -1 is off.
struct Faults {
  int64_t write_error_at = -1;   // the write completes with EIO
  int64_t fsync_error_at = -1;   // the fdatasync completes with EIO
  int64_t short_write_at = -1;   // the write reports half its bytes written
  int64_t enospc_at = -1;        // the write completes with ENOSPC
  int64_t torn_flush_at = -1;    // half the flush lands, then the process dies
};

struct WalOptions {
  std::string dir;
  std::string mirror_dir;        // empty: no mirror
  uint32_t partitions = 8;
  uint64_t segment_bytes = 64ull << 20;
  IoMode io_mode = IoMode::automatic;
  DirectMode direct = DirectMode::automatic;
  bool create = true;            // create the log when dir is missing or empty
  uint32_t lock_wait_ms = 10000; // how long open waits for another writer's lock
  Faults faults;
};

struct OpenReport {
  IoMode io_mode = IoMode::sync;   // what is actually in use
  bool direct = false;             // O_DIRECT on the primary copy
  bool created = false;
  std::vector<PartitionRecovery> partitions;
  std::vector<std::string> notes;  // torn tails truncated, copies healed, fallbacks
};

struct PartitionStatus {
  int64_t durable_lsn = -1;        // -1: nothing durable yet
  uint64_t next_lsn = 0;
  uint64_t segment_first_lsn = 0;
  uint64_t write_offset = 0;
  uint64_t flushes = 0;
};

class Wal {
 public:
  static Status open(const WalOptions& options, std::function<void()> notify,
                     std::unique_ptr<Wal>* out, OpenReport* report);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Frames `count` records into partition `partition`; returns the first LSN.
  // The records become durable together (an atomic batch). With `defer_wake`
  // the partition's buffer is held for the next kick(): an idle I/O thread is
  // not woken now, and a busy one does not take the buffer, so the appends
  // made until then (a caller's whole event-loop turn) go out in one flush.
  Status append(uint32_t partition, const uint8_t* const* payloads, const uint32_t* sizes,
                uint32_t count, uint64_t* first_lsn, bool defer_wake = false);
  // Releases the buffers held since the last kick and wakes the I/O thread.
  void kick();
  int64_t durable_lsn(uint32_t partition) const;
  // The fault that fail-stopped the log, or ok.
  Status failure() const;
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  PartitionStatus status(uint32_t partition) const;
  // Flushes what was appended, stops the I/O thread, closes the files.
  void close();
  uint32_t partitions() const { return options_.partitions; }
  const WalOptions& options() const { return options_; }
  IoMode io_mode() const { return mode_; }

 private:
  struct Partition;
  Wal() = default;
  Status start(const OpenReport& report);
  void run_uring();
  void run_sync();
  bool take_flush(uint32_t p);
  bool release_holds();
  Status roll_segment_if_full(uint32_t p);
  Status zero_ahead(uint32_t p);
  void start_uring_flush(uint32_t p);
  void submit_copy(uint32_t p, int copy, uint64_t done_bytes);
  void on_cqe(const io_uring_cqe& cqe);
  void finish_copy(uint32_t p, int copy);
  Status sync_flush(uint32_t p);
  void complete_flush(uint32_t p);
  void fail(const Status& status);
  int64_t fault_result(int64_t counter_value, int64_t at, int64_t result, int err) const;
  void arm_eventfd();
  void wake();
  bool work_pending();

  WalOptions options_;
  std::function<void()> notify_;
  IoMode mode_ = IoMode::sync;
  int copies_ = 1;
  std::vector<std::unique_ptr<Partition>> parts_;
  Ring ring_;
  int event_fd_ = -1;
  uint64_t event_value_ = 0;
  bool event_armed_ = false;
  uint8_t* zeros_ = nullptr;  // kZeroAheadBytes of zeros, block-aligned for O_DIRECT  // an eventfd read is in the kernel (I/O thread only)
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mu_;
  Status failure_;
  std::atomic<int64_t> writes_{0};
  std::atomic<int64_t> fsyncs_{0};
  std::atomic<int64_t> flushes_{0};
  uint32_t in_flight_ops_ = 0;
  bool closed_ = false;
  int lock_fd_[2] = {-1, -1};  // flock on each copy's manifest
};

}  // namespace wal
