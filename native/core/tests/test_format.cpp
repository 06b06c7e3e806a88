#include <cstring>
#include <vector>

#include "check.h"
#include "crc32c.h"
#include "format.h"

using namespace wal;

TEST_CASE(crc32c_known_vectors) {
  // RFC 3720 (iSCSI) appendix B.4 and the classic check value.
  const char* digits = "123456789";
  CHECK(crc32c(digits, 9) == 0xE3069283u);
  uint8_t zeros[32] = {0};
  CHECK(crc32c(zeros, 32) == 0x8A9136AAu);
  uint8_t ones[32];
  std::memset(ones, 0xFF, 32);
  CHECK(crc32c(ones, 32) == 0x62A8AB43u);
  uint8_t inc[32], dec[32];
  for (int i = 0; i < 32; i++) {
    inc[i] = static_cast<uint8_t>(i);
    dec[i] = static_cast<uint8_t>(31 - i);
  }
  CHECK(crc32c(inc, 32) == 0x46DD794Eu);
  CHECK(crc32c(dec, 32) == 0x113FDB5Cu);
  CHECK(crc32c(nullptr, 0) == 0);
}

TEST_CASE(crc32c_hardware_matches_portable_and_extends) {
  std::vector<uint8_t> data(100003);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 131 + 7);
  for (size_t len : {0ul, 1ul, 7ul, 8ul, 9ul, 63ul, 4096ul, 100003ul}) {
    for (size_t misalign : {0ul, 1ul, 3ul}) {
      if (misalign > len) continue;
      const uint8_t* p = data.data() + misalign;
      size_t n = len - misalign;
      CHECK(crc32c(p, n) == crc32c_extend_portable(0, p, n));
    }
  }
  uint32_t whole = crc32c(data.data(), data.size());
  uint32_t split = crc32c_extend(crc32c(data.data(), 777), data.data() + 777, data.size() - 777);
  CHECK(whole == split);
}

TEST_CASE(record_frame_roundtrip_and_detects_any_bit_flip) {
  uint8_t payload[45];
  for (int i = 0; i < 45; i++) payload[i] = static_cast<uint8_t>(i + 1);
  std::vector<uint8_t> frame(frame_bytes(45));
  CHECK(frame.size() == 80);  // 32 + 45 rounded up to 8
  uint32_t crc = encode_record(frame.data(), 3, 42, 0xABCDEF01u, 2, true, payload, 45);
  Header h = read_header(frame.data());
  CHECK(h.magic == kMagic && h.version == kVersion && h.partition == 3 && h.lsn == 42);
  CHECK(h.prev_crc == 0xABCDEF01u && h.flush_offset == 2 && h.flags == kFlagBatchEnd);
  CHECK(h.payload_size == 45 && h.crc == crc);
  CHECK(frame_crc(frame.data(), 45) == crc);
  CHECK(std::memcmp(frame.data() + kHeaderBytes, payload, 45) == 0);
  int undetected = 0;
  for (size_t bit = 0; bit < (kHeaderBytes + 45) * 8; bit++) {
    if (bit / 8 >= 4 && bit / 8 < 8) continue;  // the crc field itself
    frame[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Header t = read_header(frame.data());
    if (frame_crc(frame.data(), t.payload_size <= 45 ? t.payload_size : 45) == t.crc && t.payload_size == 45) undetected++;
    frame[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  CHECK(undetected == 0);
}

TEST_CASE(pads_reach_the_next_block_boundary) {
  CHECK(pad_bytes_for(0) == 0);
  CHECK(pad_bytes_for(4096) == 0);
  CHECK(pad_bytes_for(8) == 4088);
  CHECK(pad_bytes_for(4096 - 24) == 24 + 4096);  // a gap smaller than a header stretches a block
  CHECK(pad_bytes_for(4096 - 32) == 32);
  for (size_t off = 8; off < 3 * 4096; off += 8) {
    size_t pad = pad_bytes_for(off);
    CHECK((off + pad) % kBlockBytes == 0);
    CHECK(pad == 0 || pad >= kHeaderBytes);
  }
  std::vector<uint8_t> frame(4096);
  encode_pad(frame.data(), 4096, 1, 10, 99, 4);
  Header h = read_header(frame.data());
  CHECK(h.flags == kFlagPad && h.payload_size == 4096 - kHeaderBytes && h.lsn == 10);
  CHECK(frame_crc(frame.data(), h.payload_size) == h.crc);
}
