#pragma once
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "scan.h"
#include "wal.h"

namespace testutil {

inline std::string temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/wal-core-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back(0);
  char* dir = mkdtemp(buf.data());
  if (dir == nullptr) std::abort();
  return std::string(dir) + "/log";
}

inline void remove_tree(const std::string& log_dir) {
  std::string parent = log_dir.substr(0, log_dir.rfind('/'));
  std::string cmd = "rm -rf '" + parent + "'";
  if (std::system(cmd.c_str()) != 0) std::abort();
}

inline std::vector<uint8_t> payload(uint64_t seed, size_t size) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Opens a log and waits for durability through the notify callback.
struct Harness {
  std::unique_ptr<wal::Wal> wal;
  wal::OpenReport report;
  wal::Status open_status;
  std::mutex mu;
  std::condition_variable cv;
  int notifications = 0;

  explicit Harness(const wal::WalOptions& options) {
    open_status = wal::Wal::open(options, [this] {
      std::lock_guard<std::mutex> lock(mu);
      notifications++;
      cv.notify_all();
    }, &wal, &report);
  }
  // Appends one batch of records and waits until it is durable (or failed).
  wal::Status append_wait(uint32_t partition, const std::vector<std::vector<uint8_t>>& records, uint64_t* first) {
    std::vector<const uint8_t*> ptrs;
    std::vector<uint32_t> sizes;
    for (auto& r : records) {
      ptrs.push_back(r.data());
      sizes.push_back(static_cast<uint32_t>(r.size()));
    }
    wal::Status s = wal->append(partition, ptrs.data(), sizes.data(), static_cast<uint32_t>(records.size()), first);
    if (!s.ok()) return s;
    int64_t last = static_cast<int64_t>(*first + records.size() - 1);
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return wal->durable_lsn(partition) >= last || wal->failed(); });
    if (wal->failed()) return wal->failure();
    return wal::Status::Ok();
  }
};

inline std::vector<std::vector<uint8_t>> scan_all(const std::string& dir, const std::string& mirror, uint32_t p,
                                                  uint64_t limit, wal::Status* status) {
  std::vector<std::vector<uint8_t>> out;
  wal::Scanner scanner;
  *status = scanner.open(dir, mirror, p, 0);
  while (status->ok()) {
    wal::ScanBatch batch;
    *status = scanner.next(limit, 1000, 1 << 20, true, &batch);
    for (uint32_t i = 0; status->ok() && i < batch.count; i++) {
      const uint8_t* d = batch.data + batch.spans[2 * i];
      out.emplace_back(d, d + batch.spans[2 * i + 1]);
    }
    if (batch.block != nullptr) wal::free_scan_block(batch.block);
    if (batch.count == 0) break;
  }
  return out;
}

}  // namespace testutil
