#include "crc32c.h"

#include <cstring>

#include "assert.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace wal {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

struct Tables {
  uint32_t t[8][256];
  Tables() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1u) ? kPolyReflected : 0u);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
    }
  }
};

const Tables& tables() {
  static const Tables instance;
  return instance;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7u) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    n--;
  }
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    n--;
  }
  return static_cast<uint32_t>(c);
}
#endif

bool detect_hardware() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

const bool kHardware = detect_hardware();

}  // namespace

bool crc32c_hardware() { return kHardware; }

uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t size_bytes) {
  WAL_ASSERT(data != nullptr || size_bytes == 0);
  const Tables& t = tables();
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (size_bytes >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = t.t[7][lo & 0xFF] ^ t.t[6][(lo >> 8) & 0xFF] ^ t.t[5][(lo >> 16) & 0xFF] ^
        t.t[4][lo >> 24] ^ t.t[3][hi & 0xFF] ^ t.t[2][(hi >> 8) & 0xFF] ^
        t.t[1][(hi >> 16) & 0xFF] ^ t.t[0][hi >> 24];
    p += 8;
    size_bytes -= 8;
  }
  while (size_bytes > 0) {
    c = t.t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    size_bytes--;
  }
  return ~c;
}

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size_bytes) {
  WAL_ASSERT(data != nullptr || size_bytes == 0);
#if defined(__x86_64__)
  if (kHardware) {
    return ~extend_sse42(~crc, static_cast<const uint8_t*>(data), size_bytes);
  }
#endif
  return crc32c_extend_portable(crc, data, size_bytes);
}

}  // namespace wal
