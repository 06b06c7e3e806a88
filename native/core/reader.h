// Sequential, verifying reads of one segment file, and recovery of a partition.
//
// Torn tail versus corruption. Flushes of a partition are serialized (the next
// starts only after the previous one's fdatasync), every flush starts on a
// block boundary and never rewrites a block, and segments are preallocated
// with zeros. So after a crash only the last flush can be incomplete, and an
// incomplete write leaves whole sectors of zeros, never garbage. Hence:
//   - a bad frame whose damage a lost sector explains (zero header, a zero
//     sector inside it, or cut short by the end of the file), in the last
//     segment, with no frame of a LATER flush after it, is a torn tail;
//   - anything else (garbage in a non-zero sector, a broken chain, a frame of a
//     later flush behind the bad one, any defect in a sealed segment) is
//     corruption, and open refuses it.
// Frames carry the first LSN of their flush (lsn - flush_offset), which is how
// "a later flush" is recognised without any other metadata.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "format.h"
#include "status.h"

namespace wal {

// The largest flush the writer issues (its buffer) and so the largest torn region.
constexpr size_t kFlushBytesMax = 4u << 20;
constexpr size_t kReadWindowBytes = 2 * kFlushBytesMax;

struct Frame {
  Header header;
  const uint8_t* bytes = nullptr;  // header + payload, valid until the next read
  uint64_t offset = 0;             // in the segment file
};

enum class Step : uint8_t { frame, end, bad };

// Reads frames of one segment front to back through a window buffer.
class SegmentReader {
 public:
  SegmentReader();
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  Status open(const std::string& path, uint32_t partition, uint64_t start_offset);
  void close();
  // One frame that is self-consistent (magic, version, partition, size, crc).
  // end: a zero header at a block boundary; bad: anything else that is not a frame.
  Status next(Step* step, Frame* frame);
  // Bytes [offset, offset + size) of the file, or fewer at EOF.
  Status bytes_at(uint64_t offset, size_t size, const uint8_t** out, size_t* got);
  // Forget buffered bytes: the writer may have added frames since they were read.
  void invalidate() { window_bytes_ = 0; }
  uint64_t cursor() const { return cursor_; }
  uint64_t file_bytes() const { return file_bytes_; }
  int fd() const { return fd_; }

 private:
  Status ensure(uint64_t offset, size_t size, size_t* got);
  int fd_ = -1;
  uint32_t partition_ = 0;
  uint64_t file_bytes_ = 0;
  uint64_t cursor_ = 0;
  uint8_t* window_ = nullptr;
  uint64_t window_offset_ = 0;
  size_t window_bytes_ = 0;
};

struct Defect {
  bool present = false;
  bool torn = false;            // explainable by a crash: truncated, never acknowledged
  uint64_t segment = 0;         // first LSN of the segment
  uint64_t offset = 0;
  uint64_t lsn = 0;             // the LSN expected at that point
  std::string reason;
};

struct SegmentSummary {
  uint64_t first_lsn = 0;
  uint64_t records = 0;
  uint64_t used_bytes = 0;  // end of the last frame
  bool sealed = false;
};

struct PartitionRecovery {
  uint32_t partition = 0;
  uint64_t next_lsn = 0;       // records are [0, next_lsn)
  uint32_t last_crc = 0;       // chain value for the next record
  uint64_t write_offset = 0;   // block-aligned end of the log in the last segment
  std::vector<SegmentSummary> segments;
  Defect defect;               // first defect found (torn tail or corruption)
  uint64_t torn_records_dropped = 0;  // valid records of an incomplete batch
  uint64_t torn_bytes = 0;            // bytes zeroed by the repair
  bool repaired = false;
};

struct RecoverOptions {
  std::string dir;
  uint32_t partition = 0;
  uint64_t segment_bytes = 0;
  bool repair = false;          // write the fix for a torn tail (truncate, re-pad)
};

// Verifies every frame and the chain of a partition. A torn tail is reported in
// `defect` with torn=true (and fixed when repair); corruption returns
// Code::corrupt with partition, segment, offset and LSN in the message.
Status recover_partition(const RecoverOptions& options, PartitionRecovery* out);

std::string describe_defect(uint32_t partition, const Defect& defect);

}  // namespace wal
