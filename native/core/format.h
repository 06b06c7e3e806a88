// On-disk record framing. Every byte of a segment from offset 0 to the end of
// the log belongs to exactly one frame: a record or a pad. Frames are 8-byte
// aligned; every flush ends with a pad to the next block boundary, so an
// O_DIRECT write always starts and ends on a block and never rewrites a block
// that already holds acknowledged records.
//
// Header, 32 bytes, little-endian:
//   0  u32 magic            kMagic for a record or a pad
//   4  u32 crc              CRC32C over bytes [0,4) ++ [8, 32 + payload_size)
//   8  u32 prev_crc         crc of the previous record of the partition (chain)
//  12  u32 payload_size     bytes of payload after the header (pads: zeros)
//  16  u64 lsn              record number; a pad carries the next record's LSN
//  24  u32 flush_offset     lsn - first LSN of the flush that wrote this frame
//  28  u16 partition
//  30  u8  version          kVersion
//  31  u8  flags            kFlagBatchEnd | kFlagPad
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "assert.h"
#include "crc32c.h"

namespace wal {

constexpr uint32_t kMagic = 0x4C41574Cu;  // "LWAL" on disk
constexpr uint8_t kVersion = 1;
constexpr uint8_t kFlagBatchEnd = 1;  // last record of an atomic batch
constexpr uint8_t kFlagPad = 2;       // filler up to a block boundary, no LSN
constexpr size_t kHeaderBytes = 32;
constexpr size_t kFrameAlignBytes = 8;
constexpr size_t kBlockBytes = 4096;   // O_DIRECT alignment and flush granularity
constexpr size_t kSectorBytes = 512;   // unit of a torn write
constexpr uint32_t kRecordBytesMax = 1u << 20;  // payload limit per record
constexpr uint32_t kBatchRecordsMax = 8192;
constexpr uint32_t kPartitionsMax = 64;

struct Header {
  uint32_t magic;
  uint32_t crc;
  uint32_t prev_crc;
  uint32_t payload_size;
  uint64_t lsn;
  uint32_t flush_offset;
  uint16_t partition;
  uint8_t version;
  uint8_t flags;
};
static_assert(sizeof(Header) == kHeaderBytes, "header layout");

inline size_t align_up(size_t value, size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

inline size_t frame_bytes(size_t payload_size) {
  return align_up(kHeaderBytes + payload_size, kFrameAlignBytes);
}

// The checksum of a frame whose header (crc field ignored) and payload are
// contiguous at `frame`.
inline uint32_t frame_crc(const uint8_t* frame, size_t payload_size) {
  WAL_ASSERT(frame != nullptr);
  WAL_ASSERT(payload_size <= kRecordBytesMax + kBlockBytes * 2);
  uint32_t c = crc32c(frame, 4);
  return crc32c_extend(c, frame + 8, kHeaderBytes - 8 + payload_size);
}

inline Header read_header(const uint8_t* frame) {
  WAL_ASSERT(frame != nullptr);
  Header h;
  std::memcpy(&h, frame, sizeof h);
  return h;
}

inline bool all_zero(const uint8_t* p, size_t size_bytes) {
  for (size_t i = 0; i < size_bytes; i++) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Writes a record frame (header + payload + zero tail) at `out`, returns its crc.
inline uint32_t encode_record(uint8_t* out, uint16_t partition, uint64_t lsn, uint32_t prev_crc,
                              uint32_t flush_offset, bool batch_end, const uint8_t* payload,
                              uint32_t payload_size) {
  WAL_ASSERT(out != nullptr);
  WAL_ASSERT(payload_size <= kRecordBytesMax);
  Header h{kMagic, 0, prev_crc, payload_size, lsn, flush_offset, partition, kVersion,
           static_cast<uint8_t>(batch_end ? kFlagBatchEnd : 0)};
  std::memcpy(out, &h, sizeof h);
  if (payload_size > 0) std::memcpy(out + kHeaderBytes, payload, payload_size);
  size_t tail = frame_bytes(payload_size) - kHeaderBytes - payload_size;
  if (tail > 0) std::memset(out + kHeaderBytes + payload_size, 0, tail);
  uint32_t crc = frame_crc(out, payload_size);
  std::memcpy(out + 4, &crc, 4);
  return crc;
}

// Writes a pad frame of exactly `frame_size` bytes (>= kHeaderBytes).
inline void encode_pad(uint8_t* out, size_t frame_size, uint16_t partition, uint64_t next_lsn,
                       uint32_t prev_crc, uint32_t flush_offset) {
  WAL_ASSERT(out != nullptr);
  WAL_ASSERT(frame_size >= kHeaderBytes && frame_size % kFrameAlignBytes == 0);
  uint32_t payload_size = static_cast<uint32_t>(frame_size - kHeaderBytes);
  Header h{kMagic, 0, prev_crc, payload_size, next_lsn, flush_offset, partition, kVersion, kFlagPad};
  std::memcpy(out, &h, sizeof h);
  std::memset(out + kHeaderBytes, 0, payload_size);
  uint32_t crc = frame_crc(out, payload_size);
  std::memcpy(out + 4, &crc, 4);
}

// Size of the pad that takes a frame end at `offset` to a block boundary; a gap
// too small for a header is stretched over one more block.
inline size_t pad_bytes_for(size_t offset) {
  WAL_ASSERT(offset % kFrameAlignBytes == 0);
  size_t gap = align_up(offset, kBlockBytes) - offset;
  if (gap == 0) return 0;
  if (gap < kHeaderBytes) gap += kBlockBytes;
  WAL_ASSERT(gap >= kHeaderBytes);
  return gap;
}

}  // namespace wal
