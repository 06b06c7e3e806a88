#include "wal.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "assert.h"

namespace wal {
namespace {

constexpr uint32_t kRingEntries = 512;  // >= 2 copies * 2 ops * kPartitionsMax + the eventfd read
constexpr size_t kPadReserveBytes = 2 * kBlockBytes;
// A deferred append holds its partition's buffer for the caller's kick() only
// while the buffer is smaller than this: group commit is for small appends,
// and bench:wal's batches of 1,000 records (256 KiB) lost a quarter of their
// throughput waiting for the turn's end instead of overlapping the next copies.
constexpr size_t kHoldBytesMax = 64 * 1024;
// Small flushes into preallocated (unwritten) extents make every fdatasync
// commit an extent conversion to the journal. Writing zeros ahead of the log
// end, a MiB at a time, turns those into plain overwrites (measured: +26%
// appends/s with 1,024 concurrent single appends). Large flushes skip it:
// their conversion cost is already amortized.
constexpr size_t kZeroAheadBytes = 1u << 20;
constexpr size_t kZeroAheadFlushBytesMax = 64u << 10;
enum OpKind : uint64_t { kOpEvent = 0, kOpWrite = 1, kOpFsync = 2 };

uint64_t user_data(uint32_t partition, int copy, OpKind kind) {
  return (static_cast<uint64_t>(partition) << 8) | (static_cast<uint64_t>(copy) << 4) | kind;
}

size_t flush_capacity(uint64_t segment_bytes) {
  return static_cast<size_t>(std::min<uint64_t>(kFlushBytesMax, segment_bytes / 2));
}

}  // namespace

struct Buffer {
  uint8_t* data = nullptr;  // flush_capacity bytes, block-aligned for O_DIRECT
  size_t bytes = 0;
  uint64_t first_lsn = 0;
  uint32_t records = 0;
  uint32_t last_crc = 0;
};

struct CopyState {
  int fd = -1;
  bool direct = false;
  uint64_t written = 0;   // bytes of the flush known to be on the file
  uint32_t ops = 0;       // SQEs of this copy still in the kernel
  int err = 0;
  bool fsync_ok = false;
  bool done = false;
};

struct Wal::Partition {
  std::mutex mu;           // guards buffers[filling], filling, in_flight, next_lsn, last_crc
  Buffer buffers[2];
  int filling = 0;
  bool in_flight = false;
  // An append with defer_wake filled buffers[filling] in a turn of the caller
  // not yet over: the I/O thread leaves the buffer until kick(), so the
  // turn's appends share one flush even while the thread is awake for other
  // partitions (it took buffers mid-turn: bench:wal's 128 appenders per
  // partition went out in flushes of 77 on average, now 128, at two thirds
  // of the CPU per append).
  bool held = false;
  uint64_t next_lsn = 0;
  uint32_t last_crc = 0;
  size_t capacity = 0;
  // Owned by the I/O thread.
  Buffer* flushing = nullptr;
  CopyState copy[2];
  uint64_t zeroed_through = 0;  // the active segment reads as written zeros up to here
  std::atomic<uint64_t> segment_first_lsn{0};
  std::atomic<uint64_t> write_offset{0};
  std::atomic<int64_t> durable{-1};
  std::atomic<uint64_t> flushes{0};

  ~Partition() {
    for (Buffer& b : buffers) std::free(b.data);
    for (CopyState& c : copy) {
      if (c.fd >= 0) ::close(c.fd);
    }
  }
};

namespace {

Status copy_file(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno_status(errno, "open " + from);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return errno_status(err, "create " + to);
  }
  std::vector<uint8_t> chunk(1u << 20);
  Status s = Status::Ok();
  for (uint64_t offset = 0;;) {
    size_t n = 0;
    s = read_at(in, chunk.data(), chunk.size(), offset, &n);
    if (!s.ok() || n == 0) break;
    s = write_all_at(out, chunk.data(), n, offset);
    if (!s.ok()) break;
    offset += n;
  }
  if (s.ok() && fsync(out) != 0) s = errno_status(errno, "fsync " + to);
  ::close(in);
  ::close(out);
  return s;
}

// Makes `to`'s copy of a partition byte-identical to `from`'s.
Status heal_partition(const std::string& from, const std::string& to, uint32_t partition) {
  std::vector<uint64_t> good, bad;
  Status s = list_segments(from, partition, &good);
  if (!s.ok()) return s;
  s = list_segments(to, partition, &bad);
  if (!s.ok() && s.code != Code::corrupt) return s;
  for (uint64_t first : bad) {
    if (std::find(good.begin(), good.end(), first) == good.end()) {
      if (unlink(segment_path(to, partition, first).c_str()) != 0) return errno_status(errno, "unlink");
    }
  }
  for (uint64_t first : good) {
    s = copy_file(segment_path(from, partition, first), segment_path(to, partition, first));
    if (!s.ok()) return s;
  }
  return fsync_dir(partition_dir(to, partition));
}

// Recovers one partition; with a mirror, heals the worse copy from the better
// one first (a corrupt copy, or one with fewer complete batches).
Status recover_with_mirror(const WalOptions& o, uint64_t segment_bytes, uint32_t p,
                           PartitionRecovery* out, std::vector<std::string>* notes) {
  RecoverOptions primary{o.dir, p, segment_bytes, true};
  if (o.mirror_dir.empty()) return recover_partition(primary, out);
  RecoverOptions mirror{o.mirror_dir, p, segment_bytes, false};
  primary.repair = false;
  PartitionRecovery a, b;
  Status sa = recover_partition(primary, &a);
  Status sb = recover_partition(mirror, &b);
  if (!sa.ok() && sa.code != Code::corrupt) return sa;
  if (!sb.ok() && sb.code != Code::corrupt) return sb;
  if (!sa.ok() && !sb.ok()) return sa;  // both copies damaged: refuse
  bool use_primary = sa.ok() && (!sb.ok() || a.next_lsn >= b.next_lsn);
  if (!sa.ok() || !sb.ok() || a.next_lsn != b.next_lsn || a.segments.size() != b.segments.size()) {
    const std::string& from = use_primary ? o.dir : o.mirror_dir;
    const std::string& to = use_primary ? o.mirror_dir : o.dir;
    const Status& why = use_primary ? sb : sa;
    Status s = heal_partition(from, to, p);
    if (!s.ok()) return s;
    notes->push_back("partition " + std::to_string(p) + ": healed the " +
                     (use_primary ? "mirror" : "primary") + " copy from the other (" +
                     (why.ok() ? std::string("it had fewer records") : why.message) + ")");
  }
  primary.repair = true;
  mirror.repair = true;
  Status s = recover_partition(primary, out);
  if (!s.ok()) return s;
  s = recover_partition(mirror, &b);
  if (!s.ok()) return s;
  if (b.next_lsn != out->next_lsn || b.last_crc != out->last_crc) {
    return Status::Make(Code::corrupt, "partition " + std::to_string(p) + ": copies disagree after healing");
  }
  return Status::Ok();
}

// Reads the manifest of `dir` into `wanted`, checking any value the caller
// gave (0 = take the manifest's); creates the log when asked and `dir` is
// missing or empty, with defaults for what the caller left at 0.
Status check_or_create_manifest(const std::string& dir, bool create, Manifest* wanted, bool* created) {
  Manifest m;
  Status s = read_manifest(dir, &m);
  if (!s.ok() && s.code == Code::not_a_log && s.err == ENOENT && create) {
    if (wanted->partitions == 0) wanted->partitions = 8;
    if (wanted->segment_bytes == 0) wanted->segment_bytes = 64ull << 20;
    *created = true;
    return create_log(dir, *wanted);
  }
  if (!s.ok()) return s;
  if (wanted->partitions != 0 && wanted->partitions != m.partitions) {
    return Status::Make(Code::option_mismatch, dir + " has " + std::to_string(m.partitions) + " partitions");
  }
  if (wanted->segment_bytes != 0 && wanted->segment_bytes != m.segment_bytes) {
    return Status::Make(Code::option_mismatch,
                        dir + " has segments of " + std::to_string(m.segment_bytes) + " bytes");
  }
  *wanted = m;
  return Status::Ok();
}

// One writer per log: an exclusive flock on the manifest, held while open.
// A writer killed with io_uring writes in flight keeps its lock until those
// writes have landed (see Wal::start), so a successor waits a bounded time
// (an fdatasync under load can take seconds) rather than failing at once.
Status lock_log(const std::string& dir, uint32_t wait_ms, int* fd_out) {
  WAL_ASSERT(fd_out != nullptr && *fd_out < 0);
  std::string path = dir + "/wal.manifest";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + path);
  WAL_ASSERT(wait_ms <= 600000);
  for (int waited_ms = 0;; waited_ms++) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    int err = errno;
    if (err != EWOULDBLOCK || waited_ms >= static_cast<int>(wait_ms)) {
      ::close(fd);
      if (err == EWOULDBLOCK) return Status::Make(Code::locked, dir + " is already open by another writer");
      return errno_status(err, "flock " + path);
    }
    usleep(1000);
  }
  *fd_out = fd;
  return Status::Ok();
}

Status validate(const WalOptions& o) {
  if (o.dir.empty()) return Status::Make(Code::invalid_argument, "dir is required");
  if (o.partitions > kPartitionsMax) {
    return Status::Make(Code::invalid_argument, "partitions must be 1.." + std::to_string(kPartitionsMax));
  }
  if (o.segment_bytes != 0 && (o.segment_bytes < kSegmentBytesMin || o.segment_bytes > kSegmentBytesMax ||
                               o.segment_bytes % kBlockBytes != 0)) {
    return Status::Make(Code::invalid_argument, "segmentBytes must be a multiple of 4096 in [1 MiB, 1 GiB]");
  }
  if (!o.mirror_dir.empty() && o.mirror_dir == o.dir) {
    return Status::Make(Code::invalid_argument, "mirrorDir must differ from dir");
  }
  return Status::Ok();
}

}  // namespace

Status Wal::open(const WalOptions& options, std::function<void()> notify, std::unique_ptr<Wal>* out,
                 OpenReport* report) {
  WAL_ASSERT(out != nullptr && report != nullptr);
  WAL_ASSERT(notify);
  Status s = validate(options);
  if (!s.ok()) return s;
  *report = OpenReport{};
  Manifest wanted{options.partitions, options.segment_bytes};
  bool created = false;
  s = check_or_create_manifest(options.dir, options.create, &wanted, &created);
  if (!s.ok()) return s;
  report->created = created;
  std::unique_ptr<Wal> w(new Wal());
  s = lock_log(options.dir, options.lock_wait_ms, &w->lock_fd_[0]);
  if (!s.ok()) return s;
  if (!options.mirror_dir.empty()) {
    Manifest m = wanted;
    bool mirror_created = false;
    s = check_or_create_manifest(options.mirror_dir, true, &m, &mirror_created);
    if (!s.ok()) return s;
    if (mirror_created && !created) report->notes.push_back("mirror created: every partition copied to it");
  }
  if (!options.mirror_dir.empty()) {
    s = lock_log(options.mirror_dir, options.lock_wait_ms, &w->lock_fd_[1]);
    if (!s.ok()) return s;
  }
  w->options_ = options;
  w->options_.partitions = wanted.partitions;
  w->options_.segment_bytes = wanted.segment_bytes;
  w->notify_ = std::move(notify);
  w->copies_ = options.mirror_dir.empty() ? 1 : 2;
  for (uint32_t p = 0; p < wanted.partitions; p++) {
    PartitionRecovery r;
    s = recover_with_mirror(w->options_, wanted.segment_bytes, p, &r, &report->notes);
    if (!s.ok()) return s;
    if (r.defect.present && r.defect.torn) {
      report->notes.push_back("partition " + std::to_string(p) + ": torn tail truncated (" +
                              describe_defect(p, r.defect) + ", " + std::to_string(r.torn_records_dropped) +
                              " unacknowledged records dropped)");
    }
    report->partitions.push_back(r);
  }
  s = w->start(*report);
  if (!s.ok()) return s;
  report->io_mode = w->mode_;
  report->direct = w->parts_.empty() ? false : w->parts_[0]->copy[0].direct;
  if (w->mode_ == IoMode::sync && options.io_mode == IoMode::automatic) {
    report->notes.push_back("io_uring refused here: using pwrite + fdatasync");
  }
  if (!report->direct && options.direct != DirectMode::off) {
    report->notes.push_back("O_DIRECT refused by the filesystem: using buffered I/O + fdatasync");
  }
  *out = std::move(w);
  return Status::Ok();
}

Status Wal::start(const OpenReport& report) {
  WAL_ASSERT(report.partitions.size() == options_.partitions);
  WAL_ASSERT(parts_.empty());
  const std::string* dirs[2] = {&options_.dir, &options_.mirror_dir};
  for (uint32_t p = 0; p < options_.partitions; p++) {
    const PartitionRecovery& r = report.partitions[p];
    std::unique_ptr<Partition> part(new Partition());
    part->capacity = flush_capacity(options_.segment_bytes);
    for (Buffer& b : part->buffers) {
      b.data = static_cast<uint8_t*>(std::aligned_alloc(kBlockBytes, part->capacity));
      WAL_ASSERT(b.data != nullptr);
    }
    part->next_lsn = r.next_lsn;
    part->last_crc = r.last_crc;
    part->durable.store(static_cast<int64_t>(r.next_lsn) - 1);
    uint64_t first = r.segments.empty() ? 0 : r.segments.back().first_lsn;
    part->segment_first_lsn.store(first);
    part->write_offset.store(r.segments.empty() ? 0 : r.write_offset);
    for (int c = 0; c < copies_; c++) {
      if (r.segments.empty()) {
        Status s = create_segment(*dirs[c], p, 0, options_.segment_bytes);
        if (!s.ok()) return s;
      }
      Status s = open_segment_for_write(segment_path(*dirs[c], p, first), options_.direct != DirectMode::off,
                                        &part->copy[c].fd, &part->copy[c].direct);
      if (!s.ok()) return s;
      if (options_.direct == DirectMode::on && !part->copy[c].direct) {
        return Status::Make(Code::invalid_argument, "O_DIRECT was required but the filesystem refuses it");
      }
    }
    parts_.push_back(std::move(part));
  }
  zeros_ = static_cast<uint8_t*>(std::aligned_alloc(kBlockBytes, kZeroAheadBytes));
  WAL_ASSERT(zeros_ != nullptr);
  std::memset(zeros_, 0, kZeroAheadBytes);
  event_fd_ = eventfd(0, EFD_CLOEXEC);
  if (event_fd_ < 0) return errno_status(errno, "eventfd");
  mode_ = IoMode::sync;
  if (options_.io_mode != IoMode::sync) {
    Status s = ring_.init(kRingEntries);
    if (s.ok()) mode_ = IoMode::io_uring;
    if (!s.ok() && options_.io_mode == IoMode::io_uring) return s;
  }
  if (mode_ == IoMode::io_uring) {
    // The ring holds the lock files: if this process dies with writes in the
    // kernel, the kernel tears the ring down (and drops the locks) only after
    // those writes complete, so no successor can append under a late write.
    int fds[2];
    uint32_t n = 0;
    for (int fd : lock_fd_) {
      if (fd >= 0) fds[n++] = fd;
    }
    Status s = ring_.register_files(fds, n);
    if (!s.ok()) return s;
  }
  WAL_ASSERT(mode_ == IoMode::sync || ring_.ready());
  thread_ = std::thread([this] { mode_ == IoMode::io_uring ? run_uring() : run_sync(); });
  return Status::Ok();
}

Wal::~Wal() {
  close();
  if (event_fd_ >= 0) ::close(event_fd_);
  std::free(zeros_);
}

Status Wal::append(uint32_t partition, const uint8_t* const* payloads, const uint32_t* sizes, uint32_t count,
                   uint64_t* first_lsn, bool defer_wake) {
  WAL_ASSERT(payloads != nullptr && sizes != nullptr && first_lsn != nullptr);
  if (partition >= parts_.size()) {
    return Status::Make(Code::unknown_partition, "partition " + std::to_string(partition) + " does not exist");
  }
  if (count == 0) return Status::Make(Code::empty_batch, "a batch needs at least one record");
  if (count > kBatchRecordsMax) {
    return Status::Make(Code::batch_too_large, "a batch holds at most " + std::to_string(kBatchRecordsMax) + " records");
  }
  Partition& part = *parts_[partition];
  size_t limit = part.capacity - kPadReserveBytes;
  size_t need = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (sizes[i] > kRecordBytesMax || frame_bytes(sizes[i]) > limit) {
      return Status::Make(Code::record_too_large, "record of " + std::to_string(sizes[i]) + " bytes exceeds " +
                                                      std::to_string(std::min<size_t>(kRecordBytesMax, limit - kHeaderBytes)));
    }
    need += frame_bytes(sizes[i]);
  }
  if (need > limit) return Status::Make(Code::batch_too_large, "batch of " + std::to_string(need) + " bytes exceeds " + std::to_string(limit));
  bool wake_io = false;
  {
    std::lock_guard<std::mutex> lock(part.mu);
    if (failed_.load(std::memory_order_acquire)) return Status::Make(Code::failed, "the log is fail-stopped: " + failure().message);
    if (stopping_.load(std::memory_order_acquire)) return Status::Make(Code::closed, "the log is closed");
    Buffer& b = part.buffers[part.filling];
    if (b.bytes + need > limit) return Status::Make(Code::busy, "partition buffer full; retry after the next flush");
    if (b.bytes == 0) {
      b.first_lsn = part.next_lsn;
      wake_io = !part.in_flight;
    }
    *first_lsn = part.next_lsn;
    for (uint32_t i = 0; i < count; i++) {
      uint64_t lsn = part.next_lsn++;
      part.last_crc = encode_record(b.data + b.bytes, static_cast<uint16_t>(partition), lsn, part.last_crc,
                                    static_cast<uint32_t>(lsn - b.first_lsn), i + 1 == count, payloads[i], sizes[i]);
      b.bytes += frame_bytes(sizes[i]);
    }
    b.records += count;
    b.last_crc = part.last_crc;
    WAL_ASSERT(b.bytes <= limit && b.first_lsn + b.records == part.next_lsn);
    if (defer_wake && b.bytes < kHoldBytesMax) {
      part.held = true;  // kick() releases it and wakes the I/O thread
      wake_io = false;
    } else if (defer_wake) {
      // Enough to pay for a flush: waiting for the turn's end only adds latency.
      part.held = false;
      wake_io = !part.in_flight;
    }
  }
  if (wake_io) wake();
  return Status::Ok();
}

void Wal::kick() {
  WAL_ASSERT(!parts_.empty());  // an opened log
  // A released buffer's partition may be idle while the thread sleeps or waits on other flushes.
  if (release_holds()) wake();
}

// Clears every partition's hold; true if a held buffer has records.
bool Wal::release_holds() {
  bool released = false;
  for (auto& part : parts_) {
    std::lock_guard<std::mutex> lock(part->mu);
    released = released || (part->held && part->buffers[part->filling].bytes > 0);
    part->held = false;
  }
  WAL_ASSERT(parts_.empty() || !parts_[0]->held);
  return released;
}

int64_t Wal::durable_lsn(uint32_t partition) const {
  WAL_ASSERT(partition < parts_.size());
  return parts_[partition]->durable.load(std::memory_order_acquire);
}

Status Wal::failure() const {
  std::lock_guard<std::mutex> lock(failure_mu_);
  return failure_;
}

PartitionStatus Wal::status(uint32_t partition) const {
  WAL_ASSERT(partition < parts_.size());
  Partition& part = *parts_[partition];
  PartitionStatus st;
  st.durable_lsn = part.durable.load(std::memory_order_acquire);
  {
    std::lock_guard<std::mutex> lock(part.mu);
    st.next_lsn = part.next_lsn;
  }
  st.segment_first_lsn = part.segment_first_lsn.load();
  st.write_offset = part.write_offset.load();
  st.flushes = part.flushes.load();
  WAL_ASSERT(st.durable_lsn < static_cast<int64_t>(st.next_lsn));
  return st;
}

void Wal::wake() {
  uint64_t one = 1;
  ssize_t n = write(event_fd_, &one, sizeof one);
  WAL_ASSERT(n == sizeof one);  // an eventfd write only fails on counter overflow
}

void Wal::close() {
  if (closed_) return;
  closed_ = true;
  (void)release_holds();  // close flushes everything appended, held or not
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) {
    wake();
    thread_.join();
  }
  WAL_ASSERT(!thread_.joinable());
  // Nothing is in flight any more: let the ring drop its hold on the lock files.
  if (ring_.ready()) (void)ring_.unregister_files();
  for (int& fd : lock_fd_) {
    if (fd >= 0) ::close(fd);  // releases the writer lock: the log may be opened again
    fd = -1;
  }
}

void Wal::fail(const Status& status) {
  WAL_ASSERT(!status.ok());
  {
    std::lock_guard<std::mutex> lock(failure_mu_);
    if (failure_.ok()) failure_ = status;
  }
  failed_.store(true, std::memory_order_release);
  notify_();
}

bool Wal::work_pending() {
  if (failed_.load(std::memory_order_acquire)) return false;
  for (auto& part : parts_) {
    std::lock_guard<std::mutex> lock(part->mu);
    if (part->buffers[part->filling].bytes > 0 || part->in_flight) return true;
  }
  return false;
}

bool Wal::take_flush(uint32_t p) {
  Partition& part = *parts_[p];
  WAL_ASSERT(part.flushing == nullptr);
  Buffer* b = nullptr;
  {
    std::lock_guard<std::mutex> lock(part.mu);
    Buffer& filling = part.buffers[part.filling];
    if (filling.bytes == 0 || part.held || failed_.load(std::memory_order_acquire)) return false;
    b = &filling;
    part.filling ^= 1;
    part.in_flight = true;
  }
  size_t pad = pad_bytes_for(b->bytes);
  if (pad > 0) {
    encode_pad(b->data + b->bytes, pad, static_cast<uint16_t>(p), b->first_lsn + b->records, b->last_crc, b->records);
    b->bytes += pad;
  }
  WAL_ASSERT(b->bytes % kBlockBytes == 0 && b->bytes <= part.capacity);
  part.flushing = b;
  return true;
}

Status Wal::roll_segment_if_full(uint32_t p) {
  Partition& part = *parts_[p];
  WAL_ASSERT(part.flushing != nullptr);
  if (part.write_offset.load() + part.flushing->bytes <= options_.segment_bytes) return Status::Ok();
  // Seal: every earlier flush is durable (flushes are serialized), so the old
  // segment is complete. The new one is named by the flush's first LSN.
  uint64_t first = part.flushing->first_lsn;
  const std::string* dirs[2] = {&options_.dir, &options_.mirror_dir};
  for (int c = 0; c < copies_; c++) {
    Status s = create_segment(*dirs[c], p, first, options_.segment_bytes);
    if (!s.ok()) return s;
    int fd = -1;
    bool direct = false;
    s = open_segment_for_write(segment_path(*dirs[c], p, first), options_.direct != DirectMode::off, &fd, &direct);
    if (!s.ok()) return s;
    ::close(part.copy[c].fd);
    part.copy[c].fd = fd;
    part.copy[c].direct = direct;
  }
  part.segment_first_lsn.store(first);
  part.write_offset.store(0);
  part.zeroed_through = 0;
  return Status::Ok();
}

Status Wal::zero_ahead(uint32_t p) {
  Partition& part = *parts_[p];
  WAL_ASSERT(part.flushing != nullptr && zeros_ != nullptr);
  uint64_t offset = part.write_offset.load();
  uint64_t end = offset + part.flushing->bytes;
  if (part.flushing->bytes > kZeroAheadFlushBytesMax || end <= part.zeroed_through) return Status::Ok();
  // Only ever past the end of the log: no byte of a record is overwritten.
  uint64_t from = std::max(offset, part.zeroed_through);
  uint64_t to = std::min<uint64_t>(options_.segment_bytes, from + kZeroAheadBytes);
  WAL_ASSERT(from % kBlockBytes == 0 && to % kBlockBytes == 0 && to >= end);
  for (int c = 0; c < copies_; c++) {
    Status s = write_all_at(part.copy[c].fd, zeros_, to - from, from);
    if (!s.ok()) return s;
  }
  part.zeroed_through = to;
  return Status::Ok();
}

int64_t Wal::fault_result(int64_t counter_value, int64_t at, int64_t result, int err) const {
  WAL_ASSERT(counter_value >= 0 && err > 0);
  return (at >= 0 && counter_value == at) ? -err : result;
}

// Test fault: a crash in the middle of a flush. The first half of its blocks
// and its last block reach the disk, the rest never does, nothing is acked.
static void die_with_torn_flush(int fd, const uint8_t* data, size_t bytes, uint64_t offset) {
  size_t blocks = bytes / kBlockBytes;
  size_t first = std::max<size_t>(1, blocks / 2) * kBlockBytes;
  Status s = write_all_at(fd, data, std::min(first, bytes), offset);
  if (s.ok() && blocks >= 3) s = write_all_at(fd, data + bytes - kBlockBytes, kBlockBytes, offset + bytes - kBlockBytes);
  (void)fdatasync(fd);
  _exit(86);
}

void Wal::arm_eventfd() {
  io_uring_sqe* sqe = ring_.next_sqe();
  WAL_ASSERT(sqe != nullptr);
  sqe->opcode = IORING_OP_READ;
  sqe->fd = event_fd_;
  sqe->addr = reinterpret_cast<uint64_t>(&event_value_);
  sqe->len = sizeof event_value_;
  sqe->user_data = user_data(0, 0, kOpEvent);
  event_armed_ = true;
}

void Wal::start_uring_flush(uint32_t p) {
  Partition& part = *parts_[p];
  Buffer& b = *part.flushing;
  Status s = roll_segment_if_full(p);
  if (s.ok()) s = zero_ahead(p);
  if (!s.ok()) return fail(s);
  int64_t n = flushes_.fetch_add(1);
  if (options_.faults.torn_flush_at >= 0 && n == options_.faults.torn_flush_at) {
    die_with_torn_flush(part.copy[0].fd, b.data, b.bytes, part.write_offset.load());
  }
  for (int c = 0; c < copies_; c++) {
    part.copy[c].written = 0;
    part.copy[c].err = 0;
    part.copy[c].done = false;
    submit_copy(p, c, 0);
  }
}

void Wal::submit_copy(uint32_t p, int copy, uint64_t done_bytes) {
  Partition& part = *parts_[p];
  CopyState& cs = part.copy[copy];
  WAL_ASSERT(cs.ops == 0 && part.flushing != nullptr);
  // Resume on a block boundary: O_DIRECT needs it, and rewriting the start of
  // this flush's own block rewrites the same bytes, never acknowledged ones.
  uint64_t start = done_bytes / kBlockBytes * kBlockBytes;
  WAL_ASSERT(start < part.flushing->bytes);
  io_uring_sqe* w = ring_.next_sqe();
  io_uring_sqe* f = ring_.next_sqe();
  WAL_ASSERT(w != nullptr && f != nullptr);  // the ring holds every partition's ops
  w->opcode = IORING_OP_WRITE;
  w->fd = cs.fd;
  w->addr = reinterpret_cast<uint64_t>(part.flushing->data + start);
  w->len = static_cast<uint32_t>(part.flushing->bytes - start);
  w->off = part.write_offset.load() + start;
  w->flags = IOSQE_IO_LINK;
  w->user_data = user_data(p, copy, kOpWrite);
  f->opcode = IORING_OP_FSYNC;
  f->fd = cs.fd;
  f->fsync_flags = IORING_FSYNC_DATASYNC;
  f->user_data = user_data(p, copy, kOpFsync);
  cs.written = start;
  cs.fsync_ok = false;
  cs.ops = 2;
  in_flight_ops_ += 2;
}

void Wal::on_cqe(const io_uring_cqe& cqe) {
  OpKind kind = static_cast<OpKind>(cqe.user_data & 0xF);
  if (kind == kOpEvent) {
    WAL_ASSERT(cqe.res == sizeof event_value_ || cqe.res == -EINTR || cqe.res == -EAGAIN);
    event_armed_ = false;
    if (!stopping_.load(std::memory_order_acquire)) arm_eventfd();
    return;
  }
  uint32_t p = static_cast<uint32_t>(cqe.user_data >> 8);
  int copy = static_cast<int>((cqe.user_data >> 4) & 0xF);
  WAL_ASSERT(p < parts_.size() && copy < copies_);
  CopyState& cs = parts_[p]->copy[copy];
  WAL_ASSERT(cs.ops > 0 && in_flight_ops_ > 0);
  cs.ops--;
  in_flight_ops_--;
  int64_t res = cqe.res;
  if (kind == kOpWrite && res != -ECANCELED) {
    int64_t n = writes_.fetch_add(1);
    res = fault_result(n, options_.faults.write_error_at, res, EIO);
    res = fault_result(n, options_.faults.enospc_at, res, ENOSPC);
    if (res > 16 && options_.faults.short_write_at == n) res = res / 2 / 8 * 8;
    if (res < 0) cs.err = cs.err != 0 ? cs.err : static_cast<int>(-res);
    if (res >= 0) cs.written += static_cast<uint64_t>(res);
  }
  bool error = res < 0 && res != -ECANCELED;
  if (kind == kOpFsync && res != -ECANCELED) {
    res = fault_result(fsyncs_.fetch_add(1), options_.faults.fsync_error_at, res, EIO);
    if (res < 0) cs.err = cs.err != 0 ? cs.err : static_cast<int>(-res);
    cs.fsync_ok = res == 0;
    error = res < 0;
  }
  // Fail-stop the moment an error is seen: no flush completing after it is acknowledged.
  if (error) fail(errno_status(cs.err, "write/fdatasync of partition " + std::to_string(p) + (copy == 0 ? "" : " (mirror)")));
  if (cs.ops == 0) finish_copy(p, copy);
}

void Wal::finish_copy(uint32_t p, int copy) {
  Partition& part = *parts_[p];
  CopyState& cs = part.copy[copy];
  WAL_ASSERT(cs.ops == 0 && part.flushing != nullptr);
  if (cs.err != 0) {
    return fail(errno_status(cs.err, "write/fdatasync of partition " + std::to_string(p) +
                                         (copy == 0 ? "" : " (mirror)")));
  }
  if (failed_.load(std::memory_order_acquire)) return;  // nothing more is acknowledged
  if (cs.written < part.flushing->bytes) return submit_copy(p, copy, cs.written);  // short: finish, sync again
  if (!cs.fsync_ok) return fail(Status::Make(Code::io_error, "fdatasync was cancelled after a full write"));
  cs.done = true;
  for (int c = 0; c < copies_; c++) {
    if (!part.copy[c].done) return;
  }
  complete_flush(p);
}

void Wal::complete_flush(uint32_t p) {
  Partition& part = *parts_[p];
  Buffer& b = *part.flushing;
  WAL_ASSERT(b.records > 0 && b.bytes % kBlockBytes == 0);
  part.write_offset.fetch_add(b.bytes);
  part.durable.store(static_cast<int64_t>(b.first_lsn + b.records - 1), std::memory_order_release);
  part.flushes.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(part.mu);
    b.bytes = 0;
    b.records = 0;
    part.flushing = nullptr;
    part.in_flight = false;
  }
  notify_();
}

void Wal::run_uring() {
  arm_eventfd();
  for (;;) {
    for (uint32_t p = 0; p < parts_.size(); p++) {
      if (parts_[p]->flushing == nullptr && take_flush(p)) start_uring_flush(p);
    }
    if (stopping_.load(std::memory_order_acquire) && in_flight_ops_ == 0 && !work_pending()) break;
    Status s = ring_.submit_and_wait(1);
    if (!s.ok()) {
      fail(s);
      if (in_flight_ops_ == 0 && stopping_.load()) break;
    }
    io_uring_cqe cqe;
    while (ring_.pop(&cqe)) on_cqe(cqe);
  }
  // The kernel writes event_value_ when the armed read completes: wait for it
  // here rather than let it land after this object is gone.
  while (event_armed_) {
    wake();
    Status s = ring_.submit_and_wait(1);
    WAL_ASSERT(s.ok());
    io_uring_cqe cqe;
    while (ring_.pop(&cqe)) on_cqe(cqe);
  }
}

Status Wal::sync_flush(uint32_t p) {
  Partition& part = *parts_[p];
  Buffer& b = *part.flushing;
  Status s = roll_segment_if_full(p);
  if (s.ok()) s = zero_ahead(p);
  if (!s.ok()) return s;
  int64_t n = flushes_.fetch_add(1);
  if (options_.faults.torn_flush_at >= 0 && n == options_.faults.torn_flush_at) {
    die_with_torn_flush(part.copy[0].fd, b.data, b.bytes, part.write_offset.load());
  }
  for (int c = 0; c < copies_; c++) {
    uint64_t done = 0;
    while (done < b.bytes) {
      uint64_t start = done / kBlockBytes * kBlockBytes;
      ssize_t res = pwrite(part.copy[c].fd, b.data + start, b.bytes - start,
                           static_cast<off_t>(part.write_offset.load() + start));
      if (res < 0 && errno == EINTR) continue;
      int64_t k = writes_.fetch_add(1);
      int64_t r = res < 0 ? -errno : res;
      r = fault_result(k, options_.faults.write_error_at, r, EIO);
      r = fault_result(k, options_.faults.enospc_at, r, ENOSPC);
      if (r > 16 && options_.faults.short_write_at == k) r = r / 2 / 8 * 8;
      if (r < 0) return errno_status(static_cast<int>(-r), "pwrite partition " + std::to_string(p));
      done = start + static_cast<uint64_t>(r);
    }
    int rc = fdatasync(part.copy[c].fd) == 0 ? 0 : -errno;
    rc = static_cast<int>(fault_result(fsyncs_.fetch_add(1), options_.faults.fsync_error_at, rc, EIO));
    if (rc < 0) return errno_status(-rc, "fdatasync partition " + std::to_string(p));
  }
  return Status::Ok();
}

void Wal::run_sync() {
  for (;;) {
    bool did = false;
    for (uint32_t p = 0; p < parts_.size(); p++) {
      if (parts_[p]->flushing != nullptr || !take_flush(p)) continue;
      did = true;
      Status s = sync_flush(p);
      if (s.ok()) complete_flush(p);
      if (!s.ok()) fail(s);
    }
    if (stopping_.load(std::memory_order_acquire) && !work_pending()) break;
    if (did) continue;
    uint64_t v = 0;
    ssize_t n = read(event_fd_, &v, sizeof v);  // sleep until an append or close wakes us
    WAL_ASSERT(n == sizeof v || errno == EINTR);
  }
}

}  // namespace wal
