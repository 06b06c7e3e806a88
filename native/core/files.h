// Files of a log directory: the manifest, the partition folders and the
// segment files named by their first LSN. Plain blocking syscalls: these run at
// open, at segment roll-over on the I/O thread, and in tools.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "status.h"

namespace wal {

constexpr uint64_t kSegmentBytesMin = 1ull << 20;
constexpr uint64_t kSegmentBytesMax = 1ull << 30;

struct Manifest {
  uint32_t partitions = 0;
  uint64_t segment_bytes = 0;
};

std::string partition_dir(const std::string& dir, uint32_t partition);
std::string segment_path(const std::string& dir, uint32_t partition, uint64_t first_lsn);

// Missing directory or empty directory: not_a_log with err ENOENT (caller may create).
Status read_manifest(const std::string& dir, Manifest* out);
// Creates dir (if needed), partition folders and the manifest, all made durable.
Status create_log(const std::string& dir, const Manifest& manifest);
// Segment first LSNs of a partition, ascending. Unknown files are corrupt.
Status list_segments(const std::string& dir, uint32_t partition, std::vector<uint64_t>* out);
// Creates a preallocated, durable segment (file and directory entry fsynced).
Status create_segment(const std::string& dir, uint32_t partition, uint64_t first_lsn,
                      uint64_t segment_bytes);
Status fsync_dir(const std::string& dir);
// Opens a segment for writing; tries O_DIRECT first when `want_direct`.
Status open_segment_for_write(const std::string& path, bool want_direct, int* fd_out,
                              bool* direct_out);
// Reads exactly `size_bytes` or up to EOF; `*read_bytes` says how many.
Status read_at(int fd, uint8_t* buffer, size_t size_bytes, uint64_t offset, size_t* read_bytes);
Status write_all_at(int fd, const uint8_t* buffer, size_t size_bytes, uint64_t offset);
bool dir_is_empty_or_missing(const std::string& dir);

}  // namespace wal
