// CRC32C (Castagnoli), the checksum of every record. SSE4.2 instruction when the
// CPU has it (checked once at start), a slicing-by-8 table otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace wal {

// Continue a CRC32C over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a ++ b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size_bytes);
inline uint32_t crc32c(const void* data, size_t size_bytes) {
  return crc32c_extend(0, data, size_bytes);
}
// The portable path, exposed so tests can check both paths agree.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t size_bytes);
bool crc32c_hardware();

}  // namespace wal
