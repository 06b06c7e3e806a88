// Randomized damage to a real log directory: every truncation or zeroed tail is
// a torn tail (truncated, reported, nothing acknowledged before it lost); every
// bit flip inside written frames is corruption that refuses to open.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "check.h"
#include "util.h"

using namespace wal;
using testutil::Harness;

namespace {

constexpr uint64_t kSegment = 1 << 20;

struct Written {
  std::string dir;
  std::vector<std::vector<uint8_t>> records;  // by LSN, partition 0
  std::vector<uint64_t> batch_end;            // LSN after each batch
};

WalOptions options_for(const std::string& dir) {
  WalOptions o;
  o.dir = dir;
  o.partitions = 2;
  o.segment_bytes = kSegment;
  return o;
}

// Writes batches of random sizes into partition 0 until about `bytes` are written.
Written write_log(uint64_t seed, size_t bytes) {
  Written w;
  w.dir = testutil::temp_dir();
  Harness h(options_for(w.dir));
  std::mt19937_64 rng(seed);
  size_t total = 0;
  while (total < bytes) {
    size_t n = 1 + rng() % 20;
    std::vector<std::vector<uint8_t>> batch;
    for (size_t i = 0; i < n; i++) batch.push_back(testutil::payload(rng(), rng() % 3000));
    uint64_t first = 0;
    if (!h.append_wait(0, batch, &first).ok()) std::abort();
    for (auto& r : batch) {
      total += r.size();
      w.records.push_back(r);
    }
    w.batch_end.push_back(w.records.size());
  }
  h.wal->close();
  return w;
}

std::string last_segment(const std::string& dir) {
  std::vector<uint64_t> segs;
  if (!list_segments(dir, 0, &segs).ok() || segs.empty()) std::abort();
  return segment_path(dir, 0, segs.back());
}

uint64_t used_bytes(const std::string& dir) {
  PartitionRecovery r;
  RecoverOptions o{dir, 0, kSegment, false};
  if (!recover_partition(o, &r).ok()) std::abort();
  return r.segments.back().used_bytes;
}

}  // namespace

TEST_CASE(clean_log_recovers_every_record_in_order) {
  Written w = write_log(1, 300000);
  PartitionRecovery r;
  RecoverOptions o{w.dir, 0, kSegment, false};
  REQUIRE(recover_partition(o, &r).ok());
  CHECK(!r.defect.present);
  CHECK(r.next_lsn == w.records.size());
  Status s;
  auto got = testutil::scan_all(w.dir, "", 0, r.next_lsn, &s);
  CHECK(s.ok());
  CHECK(got == w.records);
  testutil::remove_tree(w.dir);
}

TEST_CASE(random_truncations_are_torn_tails_keeping_whole_batches) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 40; round++) {
    Written w = write_log(100 + round, 200000);
    std::string seg = last_segment(w.dir);
    uint64_t used = used_bytes(w.dir);
    uint64_t cut = rng() % (used + 1);
    REQUIRE(truncate(seg.c_str(), static_cast<off_t>(cut)) == 0);
    Harness h(options_for(w.dir));
    REQUIRE(h.open_status.ok());
    const PartitionRecovery& r = h.report.partitions[0];
    uint64_t n = r.next_lsn;
    CHECK(n <= w.records.size());
    CHECK(std::find(w.batch_end.begin(), w.batch_end.end(), n) != w.batch_end.end() || n == 0);
    CHECK(r.defect.present && r.defect.torn);
    Status s;
    auto got = testutil::scan_all(w.dir, "", 0, n, &s);
    CHECK(s.ok() && got.size() == n);
    for (uint64_t i = 0; i < got.size() && i < n; i++) CHECK(got[i] == w.records[i]);
    // The log goes on after the repair, and reopens clean.
    uint64_t first = 0;
    CHECK(h.append_wait(0, {testutil::payload(9, 100)}, &first).ok() && first == n);
    h.wal->close();
    Harness again(options_for(w.dir));
    CHECK(again.open_status.ok() && !again.report.partitions[0].defect.present);
    CHECK(again.report.partitions[0].next_lsn == n + 1);
    again.wal->close();
    testutil::remove_tree(w.dir);
  }
}

TEST_CASE(random_bit_flips_in_written_frames_refuse_to_open) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; round++) {
    Written w = write_log(500 + round, 150000);
    std::vector<uint64_t> segs;
    REQUIRE(list_segments(w.dir, 0, &segs).ok());
    uint64_t seg_first = segs[rng() % segs.size()];
    std::string seg = segment_path(w.dir, 0, seg_first);
    PartitionRecovery before;
    RecoverOptions o{w.dir, 0, kSegment, false};
    REQUIRE(recover_partition(o, &before).ok());
    uint64_t used = 0;
    for (auto& s : before.segments) if (s.first_lsn == seg_first) used = s.used_bytes;
    if (used == 0) continue;
    uint64_t at = rng() % used;
    int fd = open(seg.c_str(), O_RDWR);
    uint8_t b = 0;
    REQUIRE(pread(fd, &b, 1, static_cast<off_t>(at)) == 1);
    b ^= static_cast<uint8_t>(1u << (rng() % 8));
    REQUIRE(pwrite(fd, &b, 1, static_cast<off_t>(at)) == 1);
    close(fd);
    Harness h(options_for(w.dir));
    CHECK(!h.open_status.ok() && h.open_status.code == Code::corrupt);
    CHECK(h.open_status.message.find("partition 0 segment") != std::string::npos);
    CHECK(h.open_status.message.find("offset") != std::string::npos);
    testutil::remove_tree(w.dir);
  }
}

TEST_CASE(zeroed_sector_inside_an_earlier_flush_is_corruption_not_a_tail) {
  Written w = write_log(3, 100000);
  std::string seg = last_segment(w.dir);
  // Zero the first sector: the flushes after it were acknowledged, so this is not a tear.
  std::vector<uint8_t> zeros(512, 0);
  int fd = open(seg.c_str(), O_RDWR);
  REQUIRE(pwrite(fd, zeros.data(), 512, 4096) == 512);
  close(fd);
  Harness h(options_for(w.dir));
  CHECK(!h.open_status.ok() && h.open_status.code == Code::corrupt);
  CHECK(h.open_status.message.find("followed by valid") != std::string::npos);
  testutil::remove_tree(w.dir);
}

TEST_CASE(not_a_log_and_option_mismatch_are_refused) {
  std::string dir = testutil::temp_dir();
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  int fd = open((dir + "/something").c_str(), O_CREAT | O_WRONLY, 0644);
  close(fd);
  Harness h(options_for(dir));
  CHECK(!h.open_status.ok() && h.open_status.code == Code::not_a_log);
  testutil::remove_tree(dir);
  Written w = write_log(4, 1000);
  WalOptions o = options_for(w.dir);
  o.partitions = 3;
  Harness m(o);
  CHECK(!m.open_status.ok() && m.open_status.code == Code::option_mismatch);
  testutil::remove_tree(w.dir);
}
