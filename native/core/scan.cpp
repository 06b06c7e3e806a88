#include "scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "assert.h"
#include "files.h"

namespace wal {

uint8_t* alloc_scan_block(size_t block_bytes) {
  WAL_ASSERT(block_bytes > 0);
  WAL_ASSERT(block_bytes <= kScanBytesMax + kRecordBytesMax + sizeof(uint32_t) * 2 * kScanRecordsMax);
  uint8_t* block = static_cast<uint8_t*>(std::malloc(block_bytes));
  WAL_ASSERT(block != nullptr);  // a scan's memory is bounded by its limits: no room is a broken host
  return block;
}

void free_scan_block(uint8_t* block) {
  WAL_ASSERT(block != nullptr);
  std::free(block);
}

size_t scan_block_bytes(uint32_t max_records, size_t max_bytes) {
  WAL_ASSERT(max_records > 0 && max_records <= kScanRecordsMax);
  WAL_ASSERT(max_bytes <= kScanBytesMax);
  return sizeof(uint32_t) * 2 * max_records + max_bytes + kRecordBytesMax;
}

Scanner::Scanner() : reader_(new SegmentReader()) {}
Scanner::~Scanner() = default;

Status Scanner::open(const std::string& dir, const std::string& mirror_dir, uint32_t partition, uint64_t from_lsn) {
  WAL_ASSERT(segments_.empty());
  WAL_ASSERT(partition < kPartitionsMax);
  dir_ = dir;
  mirror_dir_ = mirror_dir;
  partition_ = partition;
  from_lsn_ = from_lsn;
  Status s = list_segments(dir, partition, &segments_);
  if (!s.ok() || segments_.empty()) return s;
  size_t index = 0;
  while (index + 1 < segments_.size() && segments_[index + 1] <= from_lsn) index++;
  return open_segment(index);
}

Status Scanner::open_segment(size_t index) {
  WAL_ASSERT(index < segments_.size());
  reader_->close();
  if (mirror_) mirror_->close();
  segment_index_ = index;
  lsn_ = segments_[index];
  chain_known_ = lsn_ == 0;  // a later segment's first record chains to one we did not read
  crc_ = 0;
  return reader_->open(segment_path(dir_, partition_, segments_[index]), partition_, 0);
}

bool Scanner::chained(const Header& h) const {
  return h.lsn == lsn_ && (!chain_known_ || h.prev_crc == crc_);
}

Status Scanner::heal_from_mirror(uint64_t offset, Frame* frame, bool* healed) {
  *healed = false;
  if (mirror_dir_.empty()) return Status::Ok();
  std::string path = segment_path(mirror_dir_, partition_, segments_[segment_index_]);
  if (!mirror_) mirror_.reset(new SegmentReader());
  mirror_->close();
  Status s = mirror_->open(path, partition_, offset);
  if (!s.ok()) return Status::Ok();  // no usable mirror copy: report the primary's defect
  Step st;
  Frame good;
  s = mirror_->next(&st, &good);
  if (!s.ok() || st != Step::frame || !chained(good.header)) return Status::Ok();
  size_t size = frame_bytes(good.header.payload_size);
  healed_frame_.assign(good.bytes, good.bytes + size);
  int fd = ::open(segment_path(dir_, partition_, segments_[segment_index_]).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open for heal");
  s = write_all_at(fd, healed_frame_.data(), size, offset);
  if (s.ok() && fdatasync(fd) != 0) s = errno_status(errno, "fdatasync heal");
  ::close(fd);
  if (!s.ok()) return s;
  frame->header = good.header;
  frame->bytes = healed_frame_.data();
  frame->offset = offset;
  reader_->invalidate();
  healed_++;
  *healed = true;
  return Status::Ok();
}

// The next chained frame below the limit; have=false at the limit.
Status Scanner::step(Frame* frame, bool* have, uint64_t limit_lsn) {
  *have = false;
  for (int attempt = 0; attempt < 3; attempt++) {
    uint64_t offset = reader_->cursor();
    Step st;
    Status s = reader_->next(&st, frame);
    if (!s.ok()) return s;
    if (st == Step::frame && chained(frame->header)) {
      *have = true;
      return Status::Ok();
    }
    if (st == Step::end && segment_index_ + 1 < segments_.size() && segments_[segment_index_ + 1] == lsn_) {
      uint32_t crc = crc_;
      s = open_segment(segment_index_ + 1);
      if (!s.ok()) return s;
      crc_ = crc;
      chain_known_ = true;
      attempt = -1;
      continue;
    }
    if (attempt == 0) {
      // The writer may have added frames, or a segment, since we read.
      reader_->invalidate();
      std::vector<uint64_t> fresh;
      s = list_segments(dir_, partition_, &fresh);
      if (!s.ok()) return s;
      segments_.swap(fresh);
      continue;
    }
    if (st != Step::end) {
      bool healed = false;
      s = heal_from_mirror(offset, frame, &healed);
      if (!s.ok()) return s;
      if (healed) {
        *have = true;
        return Status::Ok();
      }
    }
    Defect d{true, false, segments_[segment_index_], offset, lsn_,
             st == Step::end ? "log ends before the durable LSN" : "record fails its checksum or chain"};
    return Status::Make(Code::corrupt, describe_defect(partition_, d));
  }
  (void)limit_lsn;
  return Status::Ok();
}

// The batch's spans and payloads in one block: the caller's, or a new one it will own.
void Scanner::place_batch(uint32_t max_records, size_t max_bytes, ScanBatch* out) const {
  WAL_ASSERT(max_records > 0 && max_bytes <= kScanBytesMax);
  size_t bytes = scan_block_bytes(max_records, max_bytes);
  if (out->block == nullptr) {
    out->block = alloc_scan_block(bytes);
    out->block_bytes = bytes;
  }
  WAL_ASSERT(out->block_bytes >= bytes);  // a caller's block holds the batch at its limits
  out->spans = reinterpret_cast<uint32_t*>(out->block);
  out->data = out->block + sizeof(uint32_t) * 2 * max_records;
}

Status Scanner::next(uint64_t limit_lsn, uint32_t max_records, size_t max_bytes, bool copy_payloads,
                     ScanBatch* out) {
  WAL_ASSERT(out != nullptr && (copy_payloads || out->block == nullptr));
  WAL_ASSERT(max_records > 0 && max_records <= kScanRecordsMax && max_bytes <= kScanBytesMax);
  out->first_lsn = 0;
  out->count = 0;
  out->payload_bytes = 0;
  if (segments_.empty()) return Status::Ok();
  if (copy_payloads) place_batch(max_records, max_bytes, out);
  while (out->count < max_records && out->payload_bytes < max_bytes && lsn_ < limit_lsn) {
    Frame f;
    bool have = false;
    Status s = step(&f, &have, limit_lsn);
    if (!s.ok()) return s;
    if (!have) break;
    const Header& h = f.header;
    if ((h.flags & kFlagPad) != 0) continue;
    lsn_++;
    crc_ = h.crc;
    chain_known_ = true;
    if (h.lsn < from_lsn_) continue;
    if (out->count == 0) out->first_lsn = h.lsn;
    if (copy_payloads) {
      std::memcpy(out->data + out->payload_bytes, f.bytes + kHeaderBytes, h.payload_size);
      out->spans[2 * out->count] = static_cast<uint32_t>(out->payload_bytes);
      out->spans[2 * out->count + 1] = h.payload_size;
    }
    out->payload_bytes += h.payload_size;
    out->count++;
  }
  WAL_ASSERT(out->count <= max_records);
  return Status::Ok();
}

}  // namespace wal
