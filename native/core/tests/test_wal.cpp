// The writer: group commit, segment roll-over, both I/O modes, fail-stop on
// injected faults, short writes finished before the ack, mirror healing.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

using namespace wal;
using testutil::Harness;

namespace {

WalOptions small(const std::string& dir) {
  WalOptions o;
  o.dir = dir;
  o.partitions = 4;
  o.segment_bytes = 1 << 20;
  return o;
}

std::vector<std::vector<uint8_t>> batch_of(uint64_t seed, size_t n, size_t size) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < n; i++) out.push_back(testutil::payload(seed * 1000 + i, size));
  return out;
}

}  // namespace

TEST_CASE(appends_roll_segments_and_survive_reopen_in_both_io_modes) {
  for (IoMode mode : {IoMode::io_uring, IoMode::sync}) {
    std::string dir = testutil::temp_dir();
    WalOptions o = small(dir);
    o.io_mode = mode;
    std::vector<std::vector<uint8_t>> all;
    {
      Harness h(o);
      REQUIRE(h.open_status.ok());
      CHECK(h.wal->io_mode() == mode);
      for (int b = 0; b < 60; b++) {
        auto batch = batch_of(b, 20, 1000);
        uint64_t first = 0;
        REQUIRE(h.append_wait(1, batch, &first).ok());
        CHECK(first == all.size());
        all.insert(all.end(), batch.begin(), batch.end());
      }
      CHECK(h.wal->durable_lsn(1) == static_cast<int64_t>(all.size()) - 1);
      CHECK(h.wal->durable_lsn(0) == -1);
      h.wal->close();
    }
    std::vector<uint64_t> segs;
    REQUIRE(list_segments(dir, 1, &segs).ok());
    CHECK(segs.size() >= 2);  // 1.2 MB of records in 1 MiB segments
    Harness again(o);
    REQUIRE(again.open_status.ok());
    CHECK(again.report.partitions[1].next_lsn == all.size());
    Status s;
    auto got = testutil::scan_all(dir, "", 1, all.size(), &s);
    CHECK(s.ok() && got == all);
    again.wal->close();
    testutil::remove_tree(dir);
  }
}

TEST_CASE(bad_appends_get_typed_errors_and_change_nothing) {
  std::string dir = testutil::temp_dir();
  Harness h(small(dir));
  REQUIRE(h.open_status.ok());
  uint64_t first = 0;
  const uint8_t* none = nullptr;
  uint32_t zero = 0;
  CHECK(h.wal->append(0, &none, &zero, 0, &first).code == Code::empty_batch);
  CHECK(h.append_wait(9, batch_of(1, 1, 10), &first).code == Code::unknown_partition);
  CHECK(h.append_wait(0, batch_of(1, 1, (1 << 20) + 1), &first).code == Code::record_too_large);
  CHECK(h.append_wait(0, batch_of(1, 1000, 1000), &first).code == Code::batch_too_large);
  CHECK(h.wal->status(0).next_lsn == 0);
  CHECK(h.append_wait(0, batch_of(1, 1, 10), &first).ok() && first == 0);
  h.wal->close();
  CHECK(h.append_wait(0, batch_of(1, 1, 10), &first).code == Code::closed);
  testutil::remove_tree(dir);
}

TEST_CASE(fsync_eio_fail_stops_and_rejects_everything_after) {
  for (IoMode mode : {IoMode::io_uring, IoMode::sync}) {
    std::string dir = testutil::temp_dir();
    WalOptions o = small(dir);
    o.io_mode = mode;
    o.faults.fsync_error_at = 3;
    Harness h(o);
    REQUIRE(h.open_status.ok());
    uint64_t first = 0;
    for (int i = 0; i < 3; i++) CHECK(h.append_wait(0, batch_of(i, 2, 100), &first).ok());
    Status s = h.append_wait(0, batch_of(9, 2, 100), &first);
    CHECK(s.code == Code::io_error && s.err == EIO);
    CHECK(h.wal->failed());
    CHECK(h.wal->durable_lsn(0) == 5);  // the failed flush is never published
    CHECK(h.append_wait(1, batch_of(1, 1, 10), &first).code == Code::failed);
    h.wal->close();
    testutil::remove_tree(dir);
  }
}

TEST_CASE(enospc_and_write_eio_fail_stop_with_their_codes) {
  std::string dir = testutil::temp_dir();
  WalOptions o = small(dir);
  o.faults.enospc_at = 0;
  Harness h(o);
  REQUIRE(h.open_status.ok());
  uint64_t first = 0;
  Status s = h.append_wait(2, batch_of(1, 1, 10), &first);
  CHECK(s.code == Code::no_space && s.err == ENOSPC);
  CHECK(h.wal->durable_lsn(2) == -1);
  h.wal->close();
  testutil::remove_tree(dir);
  std::string dir2 = testutil::temp_dir();
  WalOptions o2 = small(dir2);
  o2.faults.write_error_at = 1;
  Harness h2(o2);
  REQUIRE(h2.open_status.ok());
  CHECK(h2.append_wait(0, batch_of(1, 1, 10), &first).ok());
  CHECK(h2.append_wait(0, batch_of(2, 1, 10), &first).code == Code::io_error);
  h2.wal->close();
  testutil::remove_tree(dir2);
}

TEST_CASE(short_write_is_finished_and_synced_before_the_ack) {
  for (IoMode mode : {IoMode::io_uring, IoMode::sync}) {
    std::string dir = testutil::temp_dir();
    WalOptions o = small(dir);
    o.io_mode = mode;
    o.faults.short_write_at = 0;
    std::vector<std::vector<uint8_t>> batch = batch_of(5, 40, 1000);
    {
      Harness h(o);
      REQUIRE(h.open_status.ok());
      uint64_t first = 0;
      CHECK(h.append_wait(0, batch, &first).ok());
      h.wal->close();
    }
    Harness again(small(dir));
    REQUIRE(again.open_status.ok());
    CHECK(!again.report.partitions[0].defect.present);
    Status s;
    CHECK(testutil::scan_all(dir, "", 0, 40, &s) == batch);
    again.wal->close();
    testutil::remove_tree(dir);
  }
}

TEST_CASE(torn_flush_leaves_the_batch_all_or_nothing) {
  std::string dir = testutil::temp_dir();
  auto first_batch = batch_of(1, 5, 500);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    WalOptions o = small(dir);
    o.faults.torn_flush_at = 1;
    Harness h(o);
    uint64_t first = 0;
    if (!h.append_wait(0, first_batch, &first).ok()) _exit(1);
    h.append_wait(0, batch_of(2, 200, 500), &first);  // dies half-way through this flush
    _exit(2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 86);
  Harness h(small(dir));
  REQUIRE(h.open_status.ok());
  CHECK(h.report.partitions[0].next_lsn == 5);
  CHECK(h.report.partitions[0].defect.torn);
  Status s;
  CHECK(testutil::scan_all(dir, "", 0, 5, &s) == first_batch);
  h.wal->close();
  testutil::remove_tree(dir);
}

TEST_CASE(mirror_heals_a_damaged_or_missing_copy) {
  std::string dir = testutil::temp_dir();
  std::string mirror = dir + "-mirror";
  WalOptions o = small(dir);
  o.mirror_dir = mirror;
  auto batch = batch_of(3, 30, 700);
  {
    Harness h(o);
    REQUIRE(h.open_status.ok());
    uint64_t first = 0;
    CHECK(h.append_wait(0, batch, &first).ok());
    h.wal->close();
  }
  // Flip a byte of a record in the primary: open heals it from the mirror.
  std::string seg = segment_path(dir, 0, 0);
  int fd = open(seg.c_str(), O_RDWR);
  uint8_t b = 0;
  REQUIRE(pread(fd, &b, 1, 100) == 1);
  b ^= 0x10;
  REQUIRE(pwrite(fd, &b, 1, 100) == 1);
  close(fd);
  {
    Harness h(o);
    REQUIRE(h.open_status.ok());
    CHECK(!h.report.notes.empty() && h.report.notes[0].find("healed the primary") != std::string::npos);
    h.wal->close();
  }
  Status s;
  CHECK(testutil::scan_all(dir, "", 0, 30, &s) == batch && s.ok());
  // A missing mirror segment is copied back too.
  REQUIRE(unlink(segment_path(mirror, 0, 0).c_str()) == 0);
  {
    Harness h(o);
    REQUIRE(h.open_status.ok());
    CHECK(!h.report.notes.empty() && h.report.notes[0].find("healed the mirror") != std::string::npos);
    h.wal->close();
  }
  CHECK(testutil::scan_all(mirror, "", 0, 30, &s) == batch && s.ok());
  // A bad frame met while reading (after open) is served from the mirror and rewritten.
  fd = open(seg.c_str(), O_RDWR);
  REQUIRE(pread(fd, &b, 1, 200) == 1);
  b ^= 0x01;
  REQUIRE(pwrite(fd, &b, 1, 200) == 1);
  close(fd);
  Scanner scanner;
  REQUIRE(scanner.open(dir, mirror, 0, 0).ok());
  ScanBatch sb;
  CHECK(scanner.next(30, 100, 1 << 20, false, &sb).ok() && sb.count == 30);
  CHECK(scanner.healed() == 1);
  CHECK(testutil::scan_all(dir, "", 0, 30, &s) == batch && s.ok());
  testutil::remove_tree(dir);
  testutil::remove_tree(mirror);
}

TEST_CASE(scan_into_a_reused_block_serves_the_same_records) {
  std::string dir = testutil::temp_dir();
  std::vector<std::vector<uint8_t>> all;
  {
    Harness h(small(dir));
    REQUIRE(h.open_status.ok());
    for (int b = 0; b < 30; b++) {
      auto batch = batch_of(b, 20, 3000);
      uint64_t first = 0;
      REQUIRE(h.append_wait(0, batch, &first).ok());
      all.insert(all.end(), batch.begin(), batch.end());
    }
    h.wal->close();
  }
  // A block with room for 64 KiB of payload past one largest record: each
  // batch stops there, and the next overwrites it (the caller reuses it).
  const uint32_t max_records = 100;
  const size_t block_bytes = scan_block_bytes(max_records, 65536);
  std::vector<uint8_t> block(block_bytes);
  Scanner scanner;
  REQUIRE(scanner.open(dir, "", 0, 0).ok());
  std::vector<std::vector<uint8_t>> got;
  int batches = 0;
  for (;;) {
    ScanBatch sb;
    sb.block = block.data();
    sb.block_bytes = block.size();
    REQUIRE(scanner.next(all.size(), max_records, 65536, true, &sb).ok());
    CHECK(sb.block == block.data());  // never replaced by an allocation
    if (sb.count == 0) break;
    CHECK(sb.payload_bytes < 65536 + 3000);
    for (uint32_t i = 0; i < sb.count; i++) {
      const uint8_t* d = sb.data + sb.spans[2 * i];
      got.emplace_back(d, d + sb.spans[2 * i + 1]);
    }
    batches++;
  }
  CHECK(got == all);
  CHECK(batches > 1);  // 600 records of up to 3 KB do not fit one 64 KiB batch
  testutil::remove_tree(dir);
}

TEST_CASE(a_deferred_append_waits_for_kick_even_while_the_io_thread_is_busy) {
  std::string dir = testutil::temp_dir();
  Harness h(small(dir));
  REQUIRE(h.open_status.ok());
  auto record = batch_of(7, 1, 100);
  const uint8_t* ptr = record[0].data();
  uint32_t size = static_cast<uint32_t>(record[0].size());
  uint64_t held_lsn = 0;
  // Partition 1's buffer is held by a deferred append; partition 0 keeps the
  // I/O thread awake with flushes of its own, each of which scans every partition.
  REQUIRE(h.wal->append(1, &ptr, &size, 1, &held_lsn, true).ok());
  for (int i = 0; i < 20; i++) {
    uint64_t first = 0;
    REQUIRE(h.append_wait(0, record, &first).ok());
  }
  CHECK(h.wal->durable_lsn(0) == 19);
  CHECK(h.wal->durable_lsn(1) == -1);  // never taken while held
  // A second deferred append joins the held buffer: both go out in one flush at the kick.
  uint64_t second = 0;
  REQUIRE(h.wal->append(1, &ptr, &size, 1, &second, true).ok());
  CHECK(second == held_lsn + 1);
  h.wal->kick();
  {
    std::unique_lock<std::mutex> lock(h.mu);
    h.cv.wait_for(lock, std::chrono::seconds(20), [&] { return h.wal->durable_lsn(1) >= 1 || h.wal->failed(); });
  }
  CHECK(h.wal->durable_lsn(1) == 1);
  CHECK(h.wal->status(1).flushes == 1);
  // A deferred append that fills 64 KiB or more is not held: it goes out with no kick.
  auto big = batch_of(8, 70, 1000);
  std::vector<const uint8_t*> ptrs;
  std::vector<uint32_t> sizes;
  for (auto& r : big) {
    ptrs.push_back(r.data());
    sizes.push_back(static_cast<uint32_t>(r.size()));
  }
  uint64_t big_first = 0;
  REQUIRE(h.wal->append(2, ptrs.data(), sizes.data(), 70, &big_first, true).ok());
  {
    std::unique_lock<std::mutex> lock(h.mu);
    h.cv.wait_for(lock, std::chrono::seconds(20), [&] { return h.wal->durable_lsn(2) >= 69 || h.wal->failed(); });
  }
  CHECK(h.wal->durable_lsn(2) == 69);
  // Held at close: close flushes it all the same.
  REQUIRE(h.wal->append(1, &ptr, &size, 1, &second, true).ok());
  h.wal->close();
  CHECK(h.wal->durable_lsn(1) == 2);
  testutil::remove_tree(dir);
}
