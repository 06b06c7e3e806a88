#include "reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "assert.h"
#include "files.h"

namespace wal {

SegmentReader::SegmentReader() {
  window_ = static_cast<uint8_t*>(std::malloc(kReadWindowBytes));
  WAL_ASSERT(window_ != nullptr);
}

SegmentReader::~SegmentReader() {
  close();
  std::free(window_);
}

Status SegmentReader::open(const std::string& path, uint32_t partition, uint64_t start_offset) {
  WAL_ASSERT(fd_ < 0);
  WAL_ASSERT(start_offset % kFrameAlignBytes == 0);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return errno_status(errno, "open " + path);
  struct stat st;
  if (fstat(fd_, &st) != 0) return errno_status(errno, "fstat " + path);
  file_bytes_ = static_cast<uint64_t>(st.st_size);
  (void)posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  partition_ = partition;
  cursor_ = start_offset;
  window_offset_ = 0;
  window_bytes_ = 0;
  return Status::Ok();
}

void SegmentReader::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  window_bytes_ = 0;
}

Status SegmentReader::ensure(uint64_t offset, size_t size, size_t* got) {
  WAL_ASSERT(fd_ >= 0);
  WAL_ASSERT(size <= kReadWindowBytes);
  bool inside = offset >= window_offset_ && offset + size <= window_offset_ + window_bytes_;
  if (!inside) {
    size_t n = 0;
    Status s = read_at(fd_, window_, kReadWindowBytes, offset, &n);
    if (!s.ok()) return s;
    window_offset_ = offset;
    window_bytes_ = n;
    // Let the disk fetch the next window while this one is verified.
    if (n == kReadWindowBytes) {
      (void)posix_fadvise(fd_, static_cast<off_t>(offset + n), static_cast<off_t>(kReadWindowBytes), POSIX_FADV_WILLNEED);
    }
  }
  uint64_t available = window_offset_ + window_bytes_ > offset ? window_offset_ + window_bytes_ - offset : 0;
  *got = static_cast<size_t>(std::min<uint64_t>(size, available));
  return Status::Ok();
}

Status SegmentReader::bytes_at(uint64_t offset, size_t size, const uint8_t** out, size_t* got) {
  Status s = ensure(offset, size, got);
  if (!s.ok()) return s;
  *out = window_ + (offset - window_offset_);
  return Status::Ok();
}

Status SegmentReader::next(Step* step, Frame* frame) {
  WAL_ASSERT(step != nullptr && frame != nullptr);
  WAL_ASSERT(cursor_ % kFrameAlignBytes == 0);
  *step = Step::bad;
  if (cursor_ >= file_bytes_) {
    *step = Step::end;
    return Status::Ok();
  }
  const uint8_t* p = nullptr;
  size_t got = 0;
  Status s = bytes_at(cursor_, kHeaderBytes, &p, &got);
  if (!s.ok() || got < kHeaderBytes) return s;
  Header h = read_header(p);
  if (all_zero(p, kHeaderBytes)) {
    if (cursor_ % kBlockBytes == 0) *step = Step::end;
    return Status::Ok();
  }
  bool pad = (h.flags & kFlagPad) != 0;
  uint32_t size_max = pad ? 2 * kBlockBytes : kRecordBytesMax;
  if (h.magic != kMagic || h.version != kVersion || h.partition != partition_ ||
      (h.flags & ~(kFlagPad | kFlagBatchEnd)) != 0 || h.payload_size > size_max) {
    return Status::Ok();
  }
  size_t size = frame_bytes(h.payload_size);
  s = bytes_at(cursor_, size, &p, &got);
  if (!s.ok() || got < size) return s;
  uint32_t crc = frame_crc(p, h.payload_size);
  if (crc != h.crc) return Status::Ok();
  // The 0-7 alignment bytes after the payload are outside the crc: they must be zero.
  if (!all_zero(p + kHeaderBytes + h.payload_size, size - kHeaderBytes - h.payload_size)) return Status::Ok();
  frame->header = h;
  frame->bytes = p;
  frame->offset = cursor_;
  cursor_ += size;
  *step = Step::frame;
  return Status::Ok();
}

namespace {

struct Cursor {  // the chain state at a point of the partition
  uint64_t offset = 0;
  uint64_t lsn = 0;
  uint32_t crc = 0;
};

std::string segment_name(uint64_t first_lsn) {
  char name[32];
  std::snprintf(name, sizeof name, "%020" PRIu64 ".seg", first_lsn);
  return name;
}

Status corrupt(uint32_t partition, Defect* defect, uint64_t segment, uint64_t offset, uint64_t lsn,
               const std::string& reason) {
  defect->present = true;
  defect->torn = false;
  defect->segment = segment;
  defect->offset = offset;
  defect->lsn = lsn;
  defect->reason = reason;
  return Status::Make(Code::corrupt, describe_defect(partition, *defect));
}

// True if some 512-byte sector overlapping [offset, offset + size) is all
// zeros or lies past the end of the file: the mark of a write that never landed.
Status touches_lost_sector(SegmentReader* reader, uint64_t offset, size_t size, bool* lost) {
  WAL_ASSERT(size > 0 && size <= kReadWindowBytes - kSectorBytes);
  uint64_t first = offset / kSectorBytes * kSectorBytes;
  uint64_t end = offset + size;
  *lost = false;
  for (uint64_t sector = first; sector < end; sector += kSectorBytes) {
    const uint8_t* p = nullptr;
    size_t got = 0;
    Status s = reader->bytes_at(sector, kSectorBytes, &p, &got);
    if (!s.ok()) return s;
    if (got < kSectorBytes || all_zero(p, kSectorBytes)) {
      *lost = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// Can the bad spot at `offset` be the work of a write cut short by a crash?
Status explain_tear(SegmentReader* reader, uint64_t offset, uint32_t partition, bool* torn, uint64_t* claimed_end) {
  bool lost = false;
  *claimed_end = offset + kHeaderBytes;
  Status s = touches_lost_sector(reader, offset, kHeaderBytes, &lost);
  if (!s.ok() || lost) {
    *torn = lost;
    return s;
  }
  const uint8_t* p = nullptr;
  size_t got = 0;
  s = reader->bytes_at(offset, kHeaderBytes, &p, &got);
  if (!s.ok()) return s;
  WAL_ASSERT(got == kHeaderBytes);
  Header h = read_header(p);
  bool pad = (h.flags & kFlagPad) != 0;
  if (h.magic != kMagic || h.version != kVersion || h.partition != partition ||
      h.payload_size > (pad ? 2 * kBlockBytes : kRecordBytesMax)) {
    *torn = false;  // a header sector that did land holds garbage: not a tear
    return Status::Ok();
  }
  *claimed_end = offset + frame_bytes(h.payload_size);
  return touches_lost_sector(reader, offset, frame_bytes(h.payload_size), torn);
}

// After the end or a bad spot, is there a frame that only a later, completed
// flush could have written (or one that repeats an old LSN)?
Status find_later_frame(SegmentReader* reader, uint64_t from, uint64_t limit, uint32_t partition,
                        uint64_t next_lsn, uint64_t torn_flush_first, bool* found, uint64_t* where,
                        bool* leftovers, uint64_t* first_leftover) {
  WAL_ASSERT(found != nullptr && where != nullptr && leftovers != nullptr);
  *found = false;
  *leftovers = false;
  *first_leftover = limit;
  for (uint64_t q = from; q + kHeaderBytes <= limit; q += kFrameAlignBytes) {
    const uint8_t* p = nullptr;
    size_t got = 0;
    Status s = reader->bytes_at(q, kHeaderBytes, &p, &got);
    if (!s.ok()) return s;
    if (got < kHeaderBytes) return Status::Ok();
    Header h = read_header(p);
    if (h.magic != kMagic || h.version != kVersion || h.partition != partition) continue;
    if (h.payload_size > kRecordBytesMax) continue;
    size_t size = frame_bytes(h.payload_size);
    s = reader->bytes_at(q, size, &p, &got);
    if (!s.ok()) return s;
    if (got < size || frame_crc(p, h.payload_size) != h.crc) continue;
    uint64_t flush_first = h.lsn - h.flush_offset;
    if (!*leftovers) *first_leftover = q;
    *leftovers = true;  // a frame of the torn flush itself: must be wiped by the repair
    if (flush_first > torn_flush_first || h.lsn < next_lsn) {
      *found = true;
      *where = q;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status zero_range(int fd, uint64_t from, uint64_t to) {
  WAL_ASSERT(fd >= 0 && from <= to);
  static const uint8_t kZeros[64 * 1024] = {0};
  for (uint64_t at = from; at < to;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof kZeros, to - at));
    Status s = write_all_at(fd, kZeros, n, at);
    if (!s.ok()) return s;
    at += n;
  }
  return Status::Ok();
}

// Cuts the log back to `commit`: a pad to the block boundary, zeros over what
// the torn flush may have left, the file restored to its full size, synced.
Status repair_tail(const std::string& path, const Cursor& commit, uint64_t segment_bytes,
                   uint32_t partition, uint64_t file_bytes, uint64_t* zeroed_bytes) {
  WAL_ASSERT(commit.offset % kFrameAlignBytes == 0);
  WAL_ASSERT(commit.offset < segment_bytes);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + path);
  size_t pad = pad_bytes_for(commit.offset);
  uint64_t zero_from = commit.offset + pad;
  uint64_t zero_to = std::min<uint64_t>(file_bytes, zero_from + kFlushBytesMax + 2 * kBlockBytes);
  Status s = Status::Ok();
  if (pad > 0) {
    uint8_t frame[2 * kBlockBytes + kHeaderBytes];
    WAL_ASSERT(pad <= sizeof frame);
    encode_pad(frame, pad, static_cast<uint16_t>(partition), commit.lsn, commit.crc, 0);
    s = write_all_at(fd, frame, pad, commit.offset);
  }
  if (s.ok() && zero_to > zero_from) s = zero_range(fd, zero_from, zero_to);
  if (s.ok() && file_bytes < segment_bytes &&
      fallocate(fd, 0, 0, static_cast<off_t>(segment_bytes)) != 0 &&
      ftruncate(fd, static_cast<off_t>(segment_bytes)) != 0) {
    s = errno_status(errno, "extend " + path);
  }
  if (s.ok() && fdatasync(fd) != 0) s = errno_status(errno, "fdatasync " + path);
  ::close(fd);
  *zeroed_bytes = zero_to > zero_from ? zero_to - zero_from : 0;
  return s;
}

struct SegmentScan {
  Cursor at;          // chain state after the last valid frame
  Cursor commit;      // chain state after the last complete batch (or pad)
  uint64_t flush_first = 0;  // first LSN of the flush of the last record read
  bool last_is_pad = true;
  uint64_t records = 0;
  uint64_t records_after_commit = 0;
  Step stop = Step::end;
};

// Reads valid, chained frames until the end or a bad spot.
Status read_chain(SegmentReader* reader, uint32_t partition, uint64_t segment, SegmentScan* scan,
                  Defect* defect) {
  for (;;) {
    Frame f;
    Status s = reader->next(&scan->stop, &f);
    if (!s.ok()) return s;
    if (scan->stop != Step::frame) return Status::Ok();
    const Header& h = f.header;
    if (h.lsn != scan->at.lsn || h.prev_crc != scan->at.crc || h.flush_offset > h.lsn) {
      return corrupt(partition, defect, segment, f.offset, scan->at.lsn,
                     "chain broken (lsn " + std::to_string(h.lsn) + ")");
    }
    bool pad = (h.flags & kFlagPad) != 0;
    if (pad && scan->records_after_commit > 0) {
      return corrupt(partition, defect, segment, f.offset, scan->at.lsn, "pad inside a batch");
    }
    scan->at.offset = reader->cursor();
    scan->last_is_pad = pad;
    scan->flush_first = h.lsn - h.flush_offset;
    if (!pad) {
      scan->at.lsn++;
      scan->at.crc = h.crc;
      scan->records++;
      scan->records_after_commit++;
    }
    if (pad || (h.flags & kFlagBatchEnd) != 0) {
      scan->commit = scan->at;
      scan->records_after_commit = 0;
    }
  }
}

}  // namespace

std::string describe_defect(uint32_t partition, const Defect& d) {
  char text[160];
  std::snprintf(text, sizeof text, "partition %u segment %s offset %" PRIu64 " lsn %" PRIu64 ": ",
                partition, segment_name(d.segment).c_str(), d.offset, d.lsn);
  return std::string(text) + d.reason;
}

Status recover_partition(const RecoverOptions& options, PartitionRecovery* out) {
  WAL_ASSERT(out != nullptr);
  WAL_ASSERT(options.segment_bytes >= kSegmentBytesMin);
  *out = PartitionRecovery{};
  out->partition = options.partition;
  std::vector<uint64_t> segments;
  Status s = list_segments(options.dir, options.partition, &segments);
  if (!s.ok()) return s;
  std::unique_ptr<SegmentReader> reader(new SegmentReader());
  Cursor chain;
  for (size_t i = 0; i < segments.size(); i++) {
    uint64_t first = segments[i];
    bool last = i + 1 == segments.size();
    if (first != chain.lsn) {
      return corrupt(options.partition, &out->defect, first, 0, chain.lsn,
                     "segment starts at LSN " + std::to_string(first));
    }
    std::string path = segment_path(options.dir, options.partition, first);
    s = reader->open(path, options.partition, 0);
    if (!s.ok()) return s;
    SegmentScan scan;
    scan.at = Cursor{0, chain.lsn, chain.crc};
    scan.commit = scan.at;
    scan.flush_first = chain.lsn;
    s = read_chain(reader.get(), options.partition, first, &scan, &out->defect);
    uint64_t file_bytes = reader->file_bytes();
    if (!s.ok()) return s;
    uint64_t stop = scan.at.offset;
    bool clean = scan.stop == Step::end && scan.records_after_commit == 0;
    if (!last && !clean) {
      return corrupt(options.partition, &out->defect, first, stop, scan.at.lsn,
                     "sealed segment fails its check");
    }
    if (last) {
      // A torn flush is the flush that holds the first missing record.
      uint64_t torn_flush_first = scan.last_is_pad ? scan.at.lsn : scan.flush_first;
      bool torn = !clean || file_bytes < options.segment_bytes;
      uint64_t claimed_end = stop;
      if (!clean && scan.stop == Step::bad) {
        s = explain_tear(reader.get(), stop, options.partition, &torn, &claimed_end);
        if (!s.ok()) return s;
        if (!torn) {
          return corrupt(options.partition, &out->defect, first, stop, scan.at.lsn,
                         "damaged record (not a torn write)");
        }
      }
      bool later = false;
      bool leftovers = false;
      uint64_t where = 0;
      uint64_t first_leftover = 0;
      uint64_t limit = std::min<uint64_t>(file_bytes, scan.commit.offset + kFlushBytesMax + 2 * kBlockBytes);
      s = find_later_frame(reader.get(), stop + kFrameAlignBytes, limit, options.partition, scan.at.lsn,
                           torn_flush_first, &later, &where, &leftovers, &first_leftover);
      if (!s.ok()) return s;
      // A torn write never changes a header that landed, so no frame can start
      // inside the extent a landed header claims: if one does, the header lies.
      if (leftovers && first_leftover < claimed_end) {
        return corrupt(options.partition, &out->defect, first, stop, scan.at.lsn,
                       "record header damaged (a valid frame starts inside its extent)");
      }
      torn = torn || leftovers;
      if (later) {
        return corrupt(options.partition, &out->defect, first, stop, scan.at.lsn,
                       "unreadable record followed by valid ones (next valid at offset " +
                           std::to_string(where) + ")");
      }
      if (torn) {
        out->defect = Defect{true, true, first, scan.commit.offset, scan.commit.lsn,
                             scan.records_after_commit > 0 ? "incomplete batch at the tail"
                                                           : "torn write at the tail"};
        out->torn_records_dropped = scan.records_after_commit;
        if (options.repair) {
          reader->close();
          s = repair_tail(path, scan.commit, options.segment_bytes, options.partition, file_bytes,
                          &out->torn_bytes);
          if (!s.ok()) return s;
          out->repaired = true;
        }
      }
      scan.records -= scan.records_after_commit;
      scan.at = scan.commit;
    }
    reader->close();
    out->segments.push_back(SegmentSummary{first, scan.records, scan.at.offset, !last});
    chain = Cursor{0, scan.at.lsn, scan.at.crc};
    out->write_offset = align_up(scan.at.offset + pad_bytes_for(scan.at.offset), kBlockBytes);
  }
  out->next_lsn = chain.lsn;
  out->last_crc = chain.crc;
  WAL_ASSERT(out->write_offset % kBlockBytes == 0);
  return Status::Ok();
}

}  // namespace wal
