#include "files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "assert.h"
#include "crc32c.h"
#include "format.h"

namespace wal {
namespace {

constexpr const char* kManifestName = "wal.manifest";
constexpr size_t kManifestBytesMax = 512;

bool parse_u64(const char* text, uint64_t* out) {
  if (text == nullptr || *text == 0) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text) return false;
  *out = v;
  return true;
}

std::string manifest_body(const Manifest& m) {
  char body[256];
  int n = std::snprintf(body, sizeof body,
                        "ledger-wal 1\npartitions %u\nsegment_bytes %" PRIu64 "\n", m.partitions,
                        m.segment_bytes);
  WAL_ASSERT(n > 0 && static_cast<size_t>(n) < sizeof body);
  return std::string(body, static_cast<size_t>(n));
}

// mkdir -p: a log may be created under folders that do not exist yet.
Status make_dirs(const std::string& dir) {
  WAL_ASSERT(!dir.empty());
  for (size_t slash = dir.find('/', 1); ; slash = dir.find('/', slash + 1)) {
    std::string prefix = slash == std::string::npos ? dir : dir.substr(0, slash);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return errno_status(errno, "mkdir " + prefix);
    if (slash == std::string::npos) return Status::Ok();
  }
}

}  // namespace

Status errno_status(int err, const std::string& what) {
  WAL_ASSERT(err > 0);
  std::string message = what + ": " + std::strerror(err);
  return Status::Make(err == ENOSPC ? Code::no_space : Code::io_error, message, err);
}

std::string partition_dir(const std::string& dir, uint32_t partition) {
  WAL_ASSERT(partition < kPartitionsMax);
  char name[16];
  std::snprintf(name, sizeof name, "/p%03u", partition);
  return dir + name;
}

std::string segment_path(const std::string& dir, uint32_t partition, uint64_t first_lsn) {
  char name[40];
  std::snprintf(name, sizeof name, "/%020" PRIu64 ".seg", first_lsn);
  return partition_dir(dir, partition) + name;
}

bool dir_is_empty_or_missing(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return errno == ENOENT;
  bool empty = true;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

Status fsync_dir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open directory " + dir);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return errno_status(err, "fsync directory " + dir);
  return Status::Ok();
}

Status read_at(int fd, uint8_t* buffer, size_t size_bytes, uint64_t offset, size_t* read_bytes) {
  WAL_ASSERT(fd >= 0 && buffer != nullptr);
  size_t done = 0;
  while (done < size_bytes) {
    ssize_t n = pread(fd, buffer + done, size_bytes - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status(errno, "pread");
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  *read_bytes = done;
  WAL_ASSERT(done <= size_bytes);
  return Status::Ok();
}

Status write_all_at(int fd, const uint8_t* buffer, size_t size_bytes, uint64_t offset) {
  WAL_ASSERT(fd >= 0 && buffer != nullptr);
  size_t done = 0;
  while (done < size_bytes) {
    ssize_t n = pwrite(fd, buffer + done, size_bytes - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status(errno, "pwrite");
    WAL_ASSERT(n > 0);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status read_manifest(const std::string& dir, Manifest* out) {
  WAL_ASSERT(out != nullptr);
  std::string path = dir + "/" + kManifestName;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return errno_status(errno, "open " + path);
    if (dir_is_empty_or_missing(dir)) return Status::Make(Code::not_a_log, "no log at " + dir, ENOENT);
    return Status::Make(Code::not_a_log, dir + " is not empty and holds no wal.manifest");
  }
  uint8_t text[kManifestBytesMax + 1];
  size_t n = 0;
  Status s = read_at(fd, text, kManifestBytesMax, 0, &n);
  close(fd);
  if (!s.ok()) return s;
  text[n] = 0;
  // Body, then "crc <hex>\n" over the body: a torn or edited manifest is refused.
  const char* crc_line = std::strstr(reinterpret_cast<char*>(text), "crc ");
  if (crc_line == nullptr) return Status::Make(Code::corrupt, path + ": no crc line");
  size_t body_size = static_cast<size_t>(crc_line - reinterpret_cast<char*>(text));
  uint32_t want = static_cast<uint32_t>(std::strtoul(crc_line + 4, nullptr, 16));
  if (crc32c(text, body_size) != want) return Status::Make(Code::corrupt, path + ": crc mismatch");
  std::string body(reinterpret_cast<char*>(text), body_size);
  Manifest m;
  uint64_t partitions = 0;
  const char* p = std::strstr(body.c_str(), "partitions ");
  const char* sb = std::strstr(body.c_str(), "segment_bytes ");
  if (body.rfind("ledger-wal 1\n", 0) != 0 || p == nullptr || sb == nullptr ||
      !parse_u64(p + 11, &partitions) || !parse_u64(sb + 14, &m.segment_bytes)) {
    return Status::Make(Code::corrupt, path + ": unreadable manifest");
  }
  if (partitions == 0 || partitions > kPartitionsMax || m.segment_bytes < kSegmentBytesMin ||
      m.segment_bytes > kSegmentBytesMax) {
    return Status::Make(Code::corrupt, path + ": manifest values out of range");
  }
  m.partitions = static_cast<uint32_t>(partitions);
  *out = m;
  return Status::Ok();
}

Status create_log(const std::string& dir, const Manifest& manifest) {
  WAL_ASSERT(manifest.partitions > 0 && manifest.partitions <= kPartitionsMax);
  WAL_ASSERT(manifest.segment_bytes % kSegmentBytesMin == 0 || manifest.segment_bytes >= kSegmentBytesMin);
  Status made = make_dirs(dir);
  if (!made.ok()) return made;
  for (uint32_t p = 0; p < manifest.partitions; p++) {
    std::string pdir = partition_dir(dir, p);
    if (mkdir(pdir.c_str(), 0755) != 0 && errno != EEXIST) return errno_status(errno, "mkdir " + pdir);
  }
  std::string body = manifest_body(manifest);
  char crc_line[32];
  std::snprintf(crc_line, sizeof crc_line, "crc %08x\n", crc32c(body.data(), body.size()));
  body += crc_line;
  // Written to a temporary name, synced, then renamed: the manifest appears whole or not at all.
  std::string tmp = dir + "/wal.manifest.tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "create " + tmp);
  Status s = write_all_at(fd, reinterpret_cast<const uint8_t*>(body.data()), body.size(), 0);
  if (s.ok() && fsync(fd) != 0) s = errno_status(errno, "fsync " + tmp);
  close(fd);
  if (!s.ok()) return s;
  for (uint32_t p = 0; p < manifest.partitions; p++) {
    s = fsync_dir(partition_dir(dir, p));
    if (!s.ok()) return s;
  }
  if (rename(tmp.c_str(), (dir + "/" + kManifestName).c_str()) != 0) {
    return errno_status(errno, "rename manifest");
  }
  return fsync_dir(dir);
}

Status list_segments(const std::string& dir, uint32_t partition, std::vector<uint64_t>* out) {
  WAL_ASSERT(out != nullptr);
  out->clear();
  std::string pdir = partition_dir(dir, partition);
  DIR* d = opendir(pdir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::Make(Code::corrupt, "partition folder missing: " + pdir);
    return errno_status(errno, "opendir " + pdir);
  }
  Status s = Status::Ok();
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    uint64_t lsn = 0;
    bool ok = name.size() == 24 && name.compare(20, 4, ".seg") == 0 &&
              std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; }) &&
              parse_u64(name.substr(0, 20).c_str(), &lsn);
    if (!ok) {
      s = Status::Make(Code::corrupt, "unexpected file in " + pdir + ": " + name);
      break;
    }
    out->push_back(lsn);
  }
  closedir(d);
  std::sort(out->begin(), out->end());
  WAL_ASSERT(std::is_sorted(out->begin(), out->end()));
  return s;
}

Status open_segment_for_write(const std::string& path, bool want_direct, int* fd_out, bool* direct_out) {
  WAL_ASSERT(fd_out != nullptr && direct_out != nullptr);
  if (want_direct) {
    int fd = open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC);
    if (fd >= 0) {
      *fd_out = fd;
      *direct_out = true;
      return Status::Ok();
    }
    if (errno != EINVAL) return errno_status(errno, "open " + path);
    // EINVAL: the filesystem refuses O_DIRECT (tmpfs). Buffered I/O + fdatasync instead.
  }
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + path);
  *fd_out = fd;
  *direct_out = false;
  return Status::Ok();
}

Status create_segment(const std::string& dir, uint32_t partition, uint64_t first_lsn,
                      uint64_t segment_bytes) {
  WAL_ASSERT(segment_bytes >= kSegmentBytesMin && segment_bytes <= kSegmentBytesMax);
  WAL_ASSERT(segment_bytes % 4096 == 0);
  std::string path = segment_path(dir, partition, first_lsn);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "create " + path);
  Status s = Status::Ok();
  int rc = fallocate(fd, 0, 0, static_cast<off_t>(segment_bytes));
  if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
    rc = ftruncate(fd, static_cast<off_t>(segment_bytes));  // filesystems without fallocate
  }
  if (rc != 0) s = errno_status(errno, "fallocate " + path);
  if (s.ok() && fsync(fd) != 0) s = errno_status(errno, "fsync " + path);
  close(fd);
  if (!s.ok()) return s;
  return fsync_dir(partition_dir(dir, partition));
}

}  // namespace wal
