// The thin N-API layer over the Node-free core. Rules it keeps:
//  - napi_env is only touched on the JS thread: the I/O thread reaches JS
//    through one thread-safe function, coalesced to one call in flight;
//  - the JS thread never waits on the disk: open, close, scans and verifies
//    run on libuv's pool (AsyncWorker); appends only copy into memory;
//  - every core Status becomes a JS Error with a stable string `code`;
//  - no JS state is process-wide: the class constructors live in each
//    environment's instance data, so the addon loads in worker threads too
//    (a constructor reference belongs to the env that made it: a global one,
//    overwritten by a worker's load, crashed the main thread once the worker
//    exited);
//  - an environment may end with work in flight (a worker thread terminated
//    mid-scan): a completion that can no longer reach JS is dropped, never
//    rethrown (node-addon-api's switch below; with C++ exceptions on, the
//    rethrow escaped into std::terminate and aborted the whole process).
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#include <napi.h>

#include <atomic>
#include <memory>
#include <vector>

#include "files.h"
#include "format.h"
#include "scan.h"
#include "wal.h"

namespace {

using wal::Code;
using wal::Status;

Napi::Error make_error(Napi::Env env, const Status& s) {
  Napi::Error e = Napi::Error::New(env, s.message.empty() ? wal::code_name(s.code) : s.message);
  e.Set("code", Napi::String::New(env, wal::code_name(s.code)));
  if (s.err != 0) e.Set("errno", Napi::Number::New(env, s.err));
  return e;
}

Napi::Error invalid(Napi::Env env, const std::string& message) {
  return make_error(env, Status::Make(Code::invalid_argument, message));
}

// Shared by the JS thread and the I/O thread's notify callback.
struct Notifier {
  Napi::ThreadSafeFunction tsfn;
  std::atomic<bool> pending{false};
};

// Per environment (the main thread and each worker thread that loads the addon).
struct AddonData {
  Napi::FunctionReference wal_ctor;
  Napi::FunctionReference scan_ctor;
};

AddonData* addon_data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

Napi::Value report_to_js(Napi::Env env, const wal::OpenReport& r);
Napi::Value recovery_to_js(Napi::Env env, const wal::PartitionRecovery& r);

class WalHandle : public Napi::ObjectWrap<WalHandle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "WalHandle",
                       {InstanceMethod("append", &WalHandle::Append),
                        InstanceMethod("appendBatch", &WalHandle::AppendBatch),
                        InstanceMethod("kick", &WalHandle::Kick),
                        InstanceMethod("durable", &WalHandle::Durable),
                        InstanceMethod("failure", &WalHandle::Failure),
                        InstanceMethod("status", &WalHandle::StatusJs),
                        InstanceMethod("ref", &WalHandle::Ref),
                        InstanceMethod("unref", &WalHandle::Unref),
                        InstanceMethod("close", &WalHandle::Close)});
  }
  explicit WalHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WalHandle>(info) {
    pointers_.reserve(wal::kBatchRecordsMax);
    sizes_.reserve(wal::kBatchRecordsMax);
  }
  ~WalHandle() override { shutdown(); }

  void adopt(std::unique_ptr<wal::Wal> w, std::shared_ptr<Notifier> n) {
    wal_ = std::move(w);
    notifier_ = std::move(n);
  }
  wal::Wal* wal() { return wal_.get(); }
  void shutdown() {
    if (wal_) wal_->close();
    wal_.reset();
    if (notifier_ && notifier_->tsfn) {
      notifier_->tsfn.Release();
      notifier_->tsfn = Napi::ThreadSafeFunction();
    }
  }
  std::unique_ptr<wal::Wal> take_for_close() { return std::move(wal_); }
  std::shared_ptr<Notifier> notifier() { return notifier_; }

 private:
  bool usable(Napi::Env env) {
    if (wal_) return true;
    make_error(env, Status::Make(Code::closed, "the log is closed")).ThrowAsJavaScriptException();
    return false;
  }
  bool partition_arg(const Napi::CallbackInfo& info, uint32_t* p) {
    if (!info[0].IsNumber()) {
      invalid(info.Env(), "partition must be a number").ThrowAsJavaScriptException();
      return false;
    }
    double v = info[0].As<Napi::Number>().DoubleValue();
    if (!(v >= 0 && v < 4294967296.0) || v != static_cast<double>(static_cast<uint32_t>(v))) {
      make_error(info.Env(), Status::Make(Code::unknown_partition, "partition must be a whole number"))
          .ThrowAsJavaScriptException();
      return false;
    }
    *p = static_cast<uint32_t>(v);
    return true;
  }
  // info[2] true: defer waking the I/O thread to the next kick().
  Napi::Value finish_append(const Napi::CallbackInfo& info, uint32_t p) {
    Napi::Env env = info.Env();
    bool defer_wake = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
    uint64_t first = 0;
    Status s = wal_->append(p, pointers_.data(), sizes_.data(), static_cast<uint32_t>(pointers_.size()), &first, defer_wake);
    if (!s.ok()) {
      make_error(env, s).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(first));
  }
  // One napi_get_typedarray_info per record: this is the hot path of every append.
  bool push_record(Napi::Env env, napi_value v) {
    bool is_typed = false;
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
        napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_uint8_array) {
      invalid(env, "a record must be a Buffer or Uint8Array").ThrowAsJavaScriptException();
      return false;
    }
    if (length > 0xFFFFFFFFull) {
      make_error(env, Status::Make(Code::record_too_large, "record too large")).ThrowAsJavaScriptException();
      return false;
    }
    pointers_.push_back(length == 0 ? reinterpret_cast<const uint8_t*>("") : static_cast<const uint8_t*>(data));
    sizes_.push_back(static_cast<uint32_t>(length));
    return true;
  }
  Napi::Value Append(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t p = 0;
    if (!usable(env) || !partition_arg(info, &p)) return env.Undefined();
    pointers_.clear();
    sizes_.clear();
    if (!push_record(env, info[1])) return env.Undefined();
    return finish_append(info, p);
  }
  Napi::Value AppendBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t p = 0;
    if (!usable(env) || !partition_arg(info, &p)) return env.Undefined();
    if (!info[1].IsArray()) {
      invalid(env, "records must be an array of Buffers").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Array records = info[1].As<Napi::Array>();
    uint32_t n = records.Length();
    if (n > wal::kBatchRecordsMax) {
      make_error(env, Status::Make(Code::batch_too_large, "a batch holds at most 8192 records")).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    pointers_.clear();
    sizes_.clear();
    for (uint32_t i = 0; i < n; i++) {
      if (!push_record(env, records.Get(i))) return env.Undefined();
    }
    return finish_append(info, p);
  }
  Napi::Value Kick(const Napi::CallbackInfo& info) {
    if (wal_) wal_->kick();  // a kick after close has nothing to wake
    return info.Env().Undefined();
  }
  Napi::Value Durable(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!usable(env)) return env.Undefined();
    Napi::Array out = Napi::Array::New(env, wal_->partitions());
    for (uint32_t p = 0; p < wal_->partitions(); p++) out.Set(p, Napi::Number::New(env, static_cast<double>(wal_->durable_lsn(p))));
    return out;
  }
  Napi::Value Failure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!wal_ || !wal_->failed()) return env.Null();
    return make_error(env, wal_->failure()).Value();
  }
  Napi::Value StatusJs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!usable(env)) return env.Undefined();
    Napi::Object o = Napi::Object::New(env);
    o.Set("ioMode", wal_->io_mode() == wal::IoMode::io_uring ? "io_uring" : "sync");
    o.Set("failed", wal_->failed());
    Napi::Array parts = Napi::Array::New(env, wal_->partitions());
    for (uint32_t p = 0; p < wal_->partitions(); p++) {
      wal::PartitionStatus st = wal_->status(p);
      Napi::Object s = Napi::Object::New(env);
      s.Set("partition", p);
      s.Set("durableLsn", static_cast<double>(st.durable_lsn));
      s.Set("nextLsn", static_cast<double>(st.next_lsn));
      s.Set("segmentFirstLsn", static_cast<double>(st.segment_first_lsn));
      s.Set("writeOffset", static_cast<double>(st.write_offset));
      s.Set("flushes", static_cast<double>(st.flushes));
      parts.Set(p, s);
    }
    o.Set("partitions", parts);
    return o;
  }
  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (notifier_ && notifier_->tsfn) notifier_->tsfn.Ref(info.Env());
    return info.Env().Undefined();
  }
  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (notifier_ && notifier_->tsfn) notifier_->tsfn.Unref(info.Env());
    return info.Env().Undefined();
  }
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::unique_ptr<wal::Wal> wal_;
  std::shared_ptr<Notifier> notifier_;
  std::vector<const uint8_t*> pointers_;
  std::vector<uint32_t> sizes_;
};

// Joins the I/O thread off the JS thread; every pending flush completes first.
class CloseWorker : public Napi::AsyncWorker {
 public:
  CloseWorker(Napi::Env env, std::unique_ptr<wal::Wal> w, std::shared_ptr<Notifier> n)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), wal_(std::move(w)), notifier_(std::move(n)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    if (wal_) wal_->close();
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array durable = Napi::Array::New(env);
    if (wal_) {
      for (uint32_t p = 0; p < wal_->partitions(); p++) durable.Set(p, static_cast<double>(wal_->durable_lsn(p)));
    }
    Napi::Value failure = wal_ && wal_->failed() ? make_error(env, wal_->failure()).Value() : env.Null();
    wal_.reset();
    if (notifier_ && notifier_->tsfn) {
      notifier_->tsfn.Release();
      notifier_->tsfn = Napi::ThreadSafeFunction();
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("durable", durable);
    result.Set("failure", failure);
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<wal::Wal> wal_;
  std::shared_ptr<Notifier> notifier_;
};

Napi::Value WalHandle::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CloseWorker* worker = new CloseWorker(env, take_for_close(), notifier_);
  notifier_.reset();
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

bool get_i64(Napi::Object o, const char* key, int64_t* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsNumber()) return false;
  *out = v.As<Napi::Number>().Int64Value();
  return true;
}

bool parse_options(Napi::Env env, Napi::Object o, wal::WalOptions* out) {
  if (!o.Get("dir").IsString()) {
    invalid(env, "dir must be a string").ThrowAsJavaScriptException();
    return false;
  }
  out->dir = o.Get("dir").As<Napi::String>().Utf8Value();
  if (o.Get("mirrorDir").IsString()) out->mirror_dir = o.Get("mirrorDir").As<Napi::String>().Utf8Value();
  int64_t partitions = 0, segment = 0;
  if (!get_i64(o, "partitions", &partitions) || !get_i64(o, "segmentBytes", &segment) || partitions < 0 || segment < 0) {
    invalid(env, "partitions and segmentBytes must be positive numbers").ThrowAsJavaScriptException();
    return false;
  }
  out->partitions = static_cast<uint32_t>(partitions);
  out->segment_bytes = static_cast<uint64_t>(segment);
  std::string mode = o.Get("ioMode").IsString() ? o.Get("ioMode").As<Napi::String>().Utf8Value() : "auto";
  out->io_mode = mode == "io_uring" ? wal::IoMode::io_uring : mode == "sync" ? wal::IoMode::sync : wal::IoMode::automatic;
  std::string direct = o.Get("direct").IsString() ? o.Get("direct").As<Napi::String>().Utf8Value() : "auto";
  out->direct = direct == "on" ? wal::DirectMode::on : direct == "off" ? wal::DirectMode::off : wal::DirectMode::automatic;
  out->create = !o.Get("create").IsBoolean() || o.Get("create").As<Napi::Boolean>().Value();
  int64_t lock_wait_ms = out->lock_wait_ms;
  if (!get_i64(o, "lockWaitMs", &lock_wait_ms) || lock_wait_ms < 0 || lock_wait_ms > 600000) {
    invalid(env, "lockWaitMs must be 0..600000").ThrowAsJavaScriptException();
    return false;
  }
  out->lock_wait_ms = static_cast<uint32_t>(lock_wait_ms);
  if (o.Get("faults").IsObject()) {
    Napi::Object f = o.Get("faults").As<Napi::Object>();
    bool ok = get_i64(f, "writeErrorAt", &out->faults.write_error_at) && get_i64(f, "fsyncErrorAt", &out->faults.fsync_error_at) &&
              get_i64(f, "shortWriteAt", &out->faults.short_write_at) && get_i64(f, "enospcAt", &out->faults.enospc_at) &&
              get_i64(f, "tornFlushAt", &out->faults.torn_flush_at);
    if (!ok) {
      invalid(env, "faults.* must be numbers").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

// Recovery reads the whole log: it runs on the pool, never on the JS thread.
class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, wal::WalOptions options, std::shared_ptr<Notifier> notifier)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), options_(std::move(options)), notifier_(std::move(notifier)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    std::shared_ptr<Notifier> n = notifier_;
    status_ = wal::Wal::open(options_, [n] {
      if (n->pending.exchange(true)) return;
      n->tsfn.NonBlockingCall([n](Napi::Env, Napi::Function callback) {
        n->pending.store(false);
        callback.Call({});
      });
    }, &wal_, &report_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      notifier_->tsfn.Release();
      deferred_.Reject(make_error(env, status_).Value());
      return;
    }
    Napi::Object handle = addon_data(env)->wal_ctor.New({});
    WalHandle::Unwrap(handle)->adopt(std::move(wal_), notifier_);
    Napi::Object result = Napi::Object::New(env);
    result.Set("handle", handle);
    result.Set("report", report_to_js(env, report_));
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  wal::WalOptions options_;
  std::shared_ptr<Notifier> notifier_;
  std::unique_ptr<wal::Wal> wal_;
  wal::OpenReport report_;
  Status status_;
};

Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsFunction()) {
    invalid(env, "open(options, onDurable)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  wal::WalOptions options;
  if (!parse_options(env, info[0].As<Napi::Object>(), &options)) return env.Undefined();
  auto notifier = std::make_shared<Notifier>();
  notifier->tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "wal-durable", 0, 1);
  notifier->tsfn.Unref(env);  // the JS side refs it while appends are pending
  OpenWorker* worker = new OpenWorker(env, std::move(options), notifier);
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

Napi::Value recovery_to_js(Napi::Env env, const wal::PartitionRecovery& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("partition", r.partition);
  o.Set("nextLsn", static_cast<double>(r.next_lsn));
  Napi::Array segs = Napi::Array::New(env, r.segments.size());
  for (size_t i = 0; i < r.segments.size(); i++) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("firstLsn", static_cast<double>(r.segments[i].first_lsn));
    s.Set("records", static_cast<double>(r.segments[i].records));
    s.Set("usedBytes", static_cast<double>(r.segments[i].used_bytes));
    s.Set("sealed", r.segments[i].sealed);
    segs.Set(i, s);
  }
  o.Set("segments", segs);
  if (r.defect.present) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("torn", r.defect.torn);
    d.Set("segment", static_cast<double>(r.defect.segment));
    d.Set("offset", static_cast<double>(r.defect.offset));
    d.Set("lsn", static_cast<double>(r.defect.lsn));
    d.Set("reason", r.defect.reason);
    d.Set("recordsDropped", static_cast<double>(r.torn_records_dropped));
    d.Set("repaired", r.repaired);
    o.Set("defect", d);
  } else {
    o.Set("defect", env.Null());
  }
  return o;
}

Napi::Value report_to_js(Napi::Env env, const wal::OpenReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ioMode", r.io_mode == wal::IoMode::io_uring ? "io_uring" : "sync");
  o.Set("direct", r.direct);
  o.Set("created", r.created);
  Napi::Array notes = Napi::Array::New(env, r.notes.size());
  for (size_t i = 0; i < r.notes.size(); i++) notes.Set(i, r.notes[i]);
  o.Set("notes", notes);
  Napi::Array parts = Napi::Array::New(env, r.partitions.size());
  for (size_t i = 0; i < r.partitions.size(); i++) parts.Set(i, recovery_to_js(env, r.partitions[i]));
  o.Set("partitions", parts);
  return o;
}

// Records per scan batch: 0 or too many means the most a batch takes.
uint32_t scan_records(uint32_t requested) {
  return requested == 0 || requested > wal::kScanRecordsMax ? wal::kScanRecordsMax : requested;
}

// Reads one batch of a scan on the pool.
class ScanHandle;
class ScanWorker : public Napi::AsyncWorker {
 public:
  ScanWorker(Napi::Env env, ScanHandle* handle, Napi::Object keep, uint64_t limit, uint32_t max_records, bool copy,
             Napi::Value target)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), handle_(handle), limit_(limit),
        max_records_(max_records), max_bytes_(copy ? kScanCopyBytesMax : wal::kScanBytesMax), copy_(copy) {
    keep_ = Napi::Persistent(keep);
    if (target.IsArrayBuffer()) {
      // The caller's block, kept alive by the reference while the pool writes
      // into it; what it holds past the spans and one largest record bounds
      // the batch's payload bytes.
      Napi::ArrayBuffer ab = target.As<Napi::ArrayBuffer>();
      target_ = Napi::Persistent(ab);
      batch_.block = static_cast<uint8_t*>(ab.Data());
      batch_.block_bytes = ab.ByteLength();
      max_bytes_ = std::min(kScanCopyBytesMax, block_payload_bytes(batch_.block_bytes, max_records));
    }
  }
  static constexpr size_t kScanCopyBytesMax = 4u << 20;
  static constexpr size_t kScanBlockPayloadBytesMin = 64u << 10;
  // Payload bytes a block of block_bytes holds for max_records (0: too small).
  static size_t block_payload_bytes(size_t block_bytes, uint32_t max_records) {
    size_t fixed = wal::scan_block_bytes(max_records, 0);
    return block_bytes > fixed ? block_bytes - fixed : 0;
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override;
  void OnOK() override;

 private:
  Napi::Promise::Deferred deferred_;
  ScanHandle* handle_;
  Napi::ObjectReference keep_;
  Napi::Reference<Napi::ArrayBuffer> target_;
  uint64_t limit_;
  uint32_t max_records_;
  size_t max_bytes_;
  bool copy_;
  wal::ScanBatch batch_;
  Status status_;
};

class ScanHandle : public Napi::ObjectWrap<ScanHandle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "ScanHandle", {InstanceMethod("next", &ScanHandle::Next)});
  }
  explicit ScanHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ScanHandle>(info) {}
  wal::Scanner scanner;
  Status open_status;
  bool busy = false;

 private:
  // next(limitLsn, maxRecords, copyPayloads, block?) -> Promise<batch>. With
  // block (an ArrayBuffer: 8 bytes per record, one largest record, then the
  // payload bytes the batch may take, at least 64 KiB), payloads
  // are copied into it instead of a new block per batch: a replay that reuses
  // a few blocks adds no memory per batch, so V8 runs no full collection for
  // it (new external memory of 64 MiB triggers one).
  Napi::Value Next(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (busy) {
      invalid(env, "one next() at a time per scan").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!open_status.ok()) {
      make_error(env, open_status).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    double limit = info[0].As<Napi::Number>().DoubleValue();
    uint32_t max_records = scan_records(info[1].As<Napi::Number>().Uint32Value());
    bool copy = info[2].ToBoolean().Value();
    Napi::Value block = info[3];
    if (block.IsArrayBuffer() &&
        (!copy || ScanWorker::block_payload_bytes(block.As<Napi::ArrayBuffer>().ByteLength(), max_records) <
                       ScanWorker::kScanBlockPayloadBytesMin)) {
      invalid(env, "a scan block needs copyPayloads and room for 8 bytes per record, one largest record and 64 KiB")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    busy = true;
    ScanWorker* w = new ScanWorker(env, this, Value(), limit < 0 ? 0 : static_cast<uint64_t>(limit), max_records, copy,
                                   block);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }
};

void ScanWorker::Execute() {
  status_ = handle_->scanner.next(limit_, max_records_, max_bytes_, copy_, &batch_);
}

void ScanWorker::OnOK() {
  Napi::Env env = Env();
  handle_->busy = false;
  if (!status_.ok()) {
    if (batch_.block != nullptr && target_.IsEmpty()) wal::free_scan_block(batch_.block);
    deferred_.Reject(make_error(env, status_).Value());
    return;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("firstLsn", static_cast<double>(batch_.first_lsn));
  o.Set("count", batch_.count);
  o.Set("payloadBytes", static_cast<double>(batch_.payload_bytes));
  o.Set("healed", static_cast<double>(handle_->scanner.healed()));
  if (copy_) {
    // The spans and the payloads are views of one block: the caller's, or a
    // new one whose ownership moves to JS (its finalizer frees it).
    size_t spans_offset = reinterpret_cast<uint8_t*>(batch_.spans) - batch_.block;
    size_t data_offset = batch_.data - batch_.block;
    Napi::ArrayBuffer block =
        !target_.IsEmpty() ? target_.Value()
                           : Napi::ArrayBuffer::New(env, batch_.block, batch_.block_bytes,
                                                    [](Napi::Env, void* p) { wal::free_scan_block(static_cast<uint8_t*>(p)); });
    o.Set("data", Napi::Uint8Array::New(env, batch_.payload_bytes, block, data_offset));
    o.Set("spans", Napi::Uint32Array::New(env, 2 * batch_.count, block, spans_offset));
  }
  batch_ = wal::ScanBatch{};
  deferred_.Resolve(o);
}

// scanBlockBytes(maxRecords, payloadBytes) -> the size of a block for next():
// the layout (spans, payloads, room for one largest record) is the core's.
Napi::Value ScanBlockBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) {
    invalid(env, "scanBlockBytes(maxRecords, payloadBytes)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double payload = info[1].As<Napi::Number>().DoubleValue();
  if (!(payload >= ScanWorker::kScanBlockPayloadBytesMin && payload <= ScanWorker::kScanCopyBytesMax)) {
    invalid(env, "payloadBytes must be from 64 KiB to 4 MiB").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t max_records = scan_records(info[0].As<Napi::Number>().Uint32Value());
  return Napi::Number::New(env, static_cast<double>(wal::scan_block_bytes(max_records, static_cast<size_t>(payload))));
}

// scanOpen(dir, mirrorDir|null, partition, fromLsn) -> ScanHandle (opening lists files only)
Napi::Value ScanOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[2].IsNumber() || !info[3].IsNumber()) {
    invalid(env, "scanOpen(dir, mirrorDir, partition, fromLsn)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double partition = info[2].As<Napi::Number>().DoubleValue();
  double from = info[3].As<Napi::Number>().DoubleValue();
  if (!(partition >= 0 && partition < wal::kPartitionsMax) || !(from >= 0)) {
    invalid(env, "partition or fromLsn out of range").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object o = addon_data(env)->scan_ctor.New({});
  ScanHandle* h = ScanHandle::Unwrap(o);
  std::string mirror = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  h->open_status = h->scanner.open(info[0].As<Napi::String>().Utf8Value(), mirror, static_cast<uint32_t>(partition),
                                   static_cast<uint64_t>(from));
  return o;
}

// inspect(dir) -> Promise<{ partitions, segmentBytes, recovery: [...], errors: [...] }>, read-only.
class InspectWorker : public Napi::AsyncWorker {
 public:
  InspectWorker(Napi::Env env, std::string dir) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), dir_(std::move(dir)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    manifest_status_ = wal::read_manifest(dir_, &manifest_);
    if (!manifest_status_.ok()) return;
    for (uint32_t p = 0; p < manifest_.partitions; p++) {
      wal::PartitionRecovery r;
      wal::RecoverOptions o{dir_, p, manifest_.segment_bytes, false};
      statuses_.push_back(wal::recover_partition(o, &r));
      results_.push_back(r);
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!manifest_status_.ok()) {
      deferred_.Reject(make_error(env, manifest_status_).Value());
      return;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("partitions", manifest_.partitions);
    o.Set("segmentBytes", static_cast<double>(manifest_.segment_bytes));
    Napi::Array parts = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); i++) {
      Napi::Object r = recovery_to_js(env, results_[i]).As<Napi::Object>();
      r.Set("error", statuses_[i].ok() ? env.Null() : make_error(env, statuses_[i]).Value());
      parts.Set(i, r);
    }
    o.Set("recovery", parts);
    deferred_.Resolve(o);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string dir_;
  wal::Manifest manifest_;
  Status manifest_status_;
  std::vector<wal::PartitionRecovery> results_;
  std::vector<Status> statuses_;
};

Napi::Value Inspect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    invalid(env, "inspect(dir)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  InspectWorker* w = new InspectWorker(env, info[0].As<Napi::String>().Utf8Value());
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  // Freed (by node-addon-api's default finalizer) when this env is torn down.
  AddonData* data = new AddonData();
  data->wal_ctor = Napi::Persistent(WalHandle::Init(env));
  data->scan_ctor = Napi::Persistent(ScanHandle::Init(env));
  env.SetInstanceData<AddonData>(data);
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("scanOpen", Napi::Function::New(env, ScanOpen));
  exports.Set("scanBlockBytes", Napi::Function::New(env, ScanBlockBytes));
  exports.Set("inspect", Napi::Function::New(env, Inspect));
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("recordBytesMax", wal::kRecordBytesMax);
  limits.Set("batchRecordsMax", wal::kBatchRecordsMax);
  limits.Set("partitionsMax", wal::kPartitionsMax);
  limits.Set("crc32cHardware", wal::crc32c_hardware());
  exports.Set("limits", limits);
  return exports;
}

}  // namespace

NODE_API_MODULE(ledger_wal, InitAll)
