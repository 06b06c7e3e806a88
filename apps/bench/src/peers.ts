/**
 * Peers the WAL is compared against, each made exactly as durable as the WAL:
 * nothing counts as written until it has been fdatasync'ed (fs) or committed with
 * synchronous=FULL (SQLite). All peers are sequential and synchronous, which is the
 * fastest way to drive either API from Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { LatencyRecorder, Measurement, RECORD_BYTES, RecordSet, elapsedSeconds } from './stats';

/** One write + fdatasync per record on a fresh file. */
export function fsPerRecord(file: string, data: RecordSet, count: number): Measurement {
  const latencies = new LatencyRecorder(count);
  return withFreshFile(file, (fd) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      writeFully(fd, [data.record(i)]);
      fs.fdatasyncSync(fd);
      latencies.record(t0);
    }
    return { records: count, bytes: count * RECORD_BYTES, seconds: elapsedSeconds(start), latencies };
  });
}

/** One gathered write of a whole batch + fdatasync per batch on a fresh file. */
export function fsBatched(file: string, data: RecordSet, batches: number): Measurement {
  const latencies = new LatencyRecorder(batches);
  return withFreshFile(file, (fd) => {
    let records = 0;
    const start = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      const batch = data.batch(b);
      const t0 = performance.now();
      writeFully(fd, batch);
      fs.fdatasyncSync(fd);
      latencies.record(t0);
      records += batch.length;
    }
    return { records, bytes: records * RECORD_BYTES, seconds: elapsedSeconds(start), latencies };
  });
}

/** Creates `file` (and makes its directory entry durable), runs `body`, closes the file. */
function withFreshFile(file: string, body: (fd: number) => Measurement): Measurement {
  const fd = fs.openSync(file, 'wx');
  try {
    fsyncDirectory(path.dirname(file));
    return body(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Appends `buffers` at the file position as a single writev, failing on a short write. */
function writeFully(fd: number, buffers: Buffer[]): void {
  const expected = buffers.length * RECORD_BYTES;
  const written = fs.writevSync(fd, buffers);
  if (written !== expected) throw new Error(`short write: ${written} of ${expected} bytes`);
}

/** One INSERT per autocommit transaction. */
export function sqlitePerRecord(file: string, data: RecordSet, count: number): Measurement {
  const latencies = new LatencyRecorder(count);
  return withDatabase(file, (insert) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      insert.run(data.record(i));
      latencies.record(t0);
    }
    return { records: count, bytes: count * RECORD_BYTES, seconds: elapsedSeconds(start), latencies };
  });
}

/** BATCH_RECORDS prepared INSERTs per transaction. */
export function sqliteBatched(file: string, data: RecordSet, batches: number): Measurement {
  const latencies = new LatencyRecorder(batches);
  return withDatabase(file, (insert, db) => {
    const insertAll = db.transaction((batch: Buffer[]) => {
      for (const record of batch) insert.run(record);
    });
    let records = 0;
    const start = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      const batch = data.batch(b);
      const t0 = performance.now();
      insertAll(batch);
      latencies.record(t0);
      records += batch.length;
    }
    return { records, bytes: records * RECORD_BYTES, seconds: elapsedSeconds(start), latencies };
  });
}

type Insert = Database.Statement<[Buffer]>;

/** Opens a fresh WAL-mode, synchronous=FULL database with an empty `records` table. */
function withDatabase(file: string, body: (insert: Insert, db: Database.Database) => Measurement): Measurement {
  if (fs.existsSync(file)) throw new Error(`refusing to reuse existing database ${file}`);
  const db = new Database(file);
  try {
    const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused journal_mode=WAL (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE records (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)');
    return body(db.prepare<[Buffer]>('INSERT INTO records (payload) VALUES (?)'), db);
  } finally {
    db.close();
  }
}
