// Outcomes the core reports instead of throwing. Each has a stable string code
// that the N-API layer turns into a JS error's `code`.
#pragma once
#include <cstdint>
#include <string>

namespace wal {

enum class Code : uint8_t {
  ok = 0,
  invalid_argument,   // a caller broke the API contract (bad size, bad option)
  not_a_log,          // directory exists, holds files, but no manifest
  option_mismatch,    // open options disagree with the manifest
  corrupt,            // a checksum, chain or structure check failed
  io_error,           // an operating fault: errno from a syscall or a CQE
  no_space,           // ENOSPC
  failed,             // the log is fail-stopped after an earlier fault
  closed,             // the log was closed
  busy,               // bounded queue full: retry after the next flush
  unknown_partition,
  record_too_large,
  batch_too_large,
  empty_batch,
  locked,             // another writer has the log open
};

inline const char* code_name(Code code) {
  switch (code) {
    case Code::ok: return "WAL_OK";
    case Code::invalid_argument: return "WAL_INVALID_ARGUMENT";
    case Code::not_a_log: return "WAL_NOT_A_LOG";
    case Code::option_mismatch: return "WAL_OPTION_MISMATCH";
    case Code::corrupt: return "WAL_CORRUPT";
    case Code::io_error: return "WAL_IO_ERROR";
    case Code::no_space: return "WAL_NO_SPACE";
    case Code::failed: return "WAL_FAILED";
    case Code::closed: return "WAL_CLOSED";
    case Code::busy: return "WAL_BUSY";
    case Code::unknown_partition: return "WAL_UNKNOWN_PARTITION";
    case Code::record_too_large: return "WAL_RECORD_TOO_LARGE";
    case Code::batch_too_large: return "WAL_BATCH_TOO_LARGE";
    case Code::empty_batch: return "WAL_EMPTY_BATCH";
    case Code::locked: return "WAL_LOCKED";
  }
  return "WAL_UNKNOWN";
}

struct Status {
  Code code = Code::ok;
  int err = 0;  // errno for io_error / no_space, 0 otherwise
  std::string message;

  bool ok() const { return code == Code::ok; }
  static Status Ok() { return Status{}; }
  static Status Make(Code code, std::string message, int err = 0) {
    return Status{code, err, std::move(message)};
  }
};

// An errno from a syscall or CQE as a status; ENOSPC keeps its own code.
Status errno_status(int err, const std::string& what);

}  // namespace wal
