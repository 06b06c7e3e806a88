// Reading a partition from any LSN, concurrently with the writer, up to a
// limit the caller takes from the durable LSN. Every frame's checksum and the
// chain are verified; with a mirror, a bad frame is read from the other copy,
// served if good there, and written back over the bad one (healed).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reader.h"
#include "status.h"

namespace wal {

constexpr uint32_t kScanRecordsMax = 65536;
constexpr size_t kScanBytesMax = 8u << 20;

struct ScanBatch {
  uint64_t first_lsn = 0;
  uint32_t count = 0;
  uint64_t payload_bytes = 0;
  // When payloads are copied: one block of block_bytes holds spans, (offset,
  // size) per record into data, then data, the payloads back to back. A
  // caller may set block and block_bytes (at least scan_block_bytes) to have
  // a batch copied into a block it reuses; otherwise next() allocates one,
  // which the caller owns and gives back with free_scan_block.
  uint8_t* block = nullptr;
  size_t block_bytes = 0;
  uint32_t* spans = nullptr;
  uint8_t* data = nullptr;
};

// The spans come first so data stays 8-byte aligned.
size_t scan_block_bytes(uint32_t max_records, size_t max_bytes);
uint8_t* alloc_scan_block(size_t block_bytes);
void free_scan_block(uint8_t* block);

class Scanner {
 public:
  Scanner();
  ~Scanner();
  Status open(const std::string& dir, const std::string& mirror_dir, uint32_t partition, uint64_t from_lsn);
  // Records with LSN in [cursor, limit_lsn), at most max_records / max_bytes of
  // payload. count == 0: nothing more below the limit.
  Status next(uint64_t limit_lsn, uint32_t max_records, size_t max_bytes, bool copy_payloads, ScanBatch* out);
  uint64_t healed() const { return healed_; }
  uint64_t next_lsn() const { return lsn_; }

 private:
  Status open_segment(size_t index);
  void place_batch(uint32_t max_records, size_t max_bytes, ScanBatch* out) const;
  Status step(Frame* frame, bool* have, uint64_t limit_lsn);
  Status heal_from_mirror(uint64_t offset, Frame* frame, bool* healed);
  bool chained(const Header& h) const;

  std::string dir_, mirror_dir_;
  uint32_t partition_ = 0;
  uint64_t from_lsn_ = 0;
  std::vector<uint64_t> segments_;
  size_t segment_index_ = 0;
  std::unique_ptr<SegmentReader> reader_;
  std::unique_ptr<SegmentReader> mirror_;
  std::vector<uint8_t> healed_frame_;
  uint64_t lsn_ = 0;
  uint32_t crc_ = 0;
  bool chain_known_ = false;
  uint64_t healed_ = 0;
};

}  // namespace wal
