/**
 * Operator CLI for a ledger data directory (the API's LEDGER_DATA_DIR).
 *
 *   ledger audit <dataDir> [--json]
 *       The replay audit of POST /v1/audits/replay, offline: streams the log
 *       (every record's checksum and the chain verified as it is read)
 *       through the read model's checkpoint and compares the state it implies
 *       with what <dataDir>/readmodel stores; prints the state hash (the same
 *       log gives the same hash here and in the API). Without a read model,
 *       one is first rebuilt in the system's temp directory. Offline: the log
 *       must not be open by a server.
 *
 *   ledger rebuild <dataDir> [--json]
 *       Throws away <dataDir>/readmodel and rebuilds it from the log's first
 *       record, printing progress on stderr; the next server start then
 *       replays nothing. Offline, like audit.
 *
 * Exit codes: 0 ok; 1 the audit found a divergence (the report says where); 64 usage; 66 not a ledger data directory; 69 the log is
 * open by a running server (WAL_LOCKED); 1 the log failed verification or
 * could not be replayed; 70 anything unexpected. Expected errors print
 * `<code>: <message>` on stderr, never a stack trace.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WalLog } from '@app/event-store';
import { isPostgresUrl } from '@app/pg-log';
import { openLedger, rebuildLedger } from '@app/projections';
import { LmdbReadModel, currentBootId, openReadModel, replayAudit, scratchReadModel } from '@app/read-model';
import { WalError } from '@app/wal';

const EXIT = { ok: 0, failed: 1, usage: 64, notALedger: 66, locked: 69, software: 70 } as const;

const USAGE = `usage: ledger audit <dataDir> [--json]
       ledger rebuild <dataDir> [--json]

  audit     compare the read model with the log (verifying checksums and the chain)
            and print both state hashes
  rebuild   throw away <dataDir>/readmodel and rebuild it from the log
  The API must not be running on <dataDir>.
`;

/** The read model's map size offline: as large as the API's default (address space only). */
const MAP_SIZE_BYTES = 64 * 1024 * 1024 * 1024;

type Command = 'audit' | 'rebuild';

class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parse(argv: string[]): { command: Command; dataDir: string; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(EXIT.usage, 'usage', e instanceof Error ? e.message : String(e));
  }
  const [command, dataDir, ...rest] = parsed.positionals;
  if (parsed.values.help) throw new CliError(EXIT.ok, 'help', USAGE);
  if ((command !== 'audit' && command !== 'rebuild') || !dataDir || rest.length > 0) throw new CliError(EXIT.usage, 'usage', USAGE.trimEnd());
  return { command, dataDir, json: parsed.values.json === true };
}

/** The data directory's log, opened without waiting for a lock a server holds. */
async function openLog(dataDir: string): Promise<{ log: WalLog; walDir: string }> {
  const walDir = path.join(dataDir, 'wal');
  if (isPostgresUrl(process.env.LEDGER_LOG ?? '')) {
    // Not built yet for a PostgreSQL log: a rebuild there has no writer lock to keep a running server out.
    throw new CliError(EXIT.usage, 'postgres_log', 'LEDGER_LOG names a PostgreSQL log: this command reads the embedded WAL only; run the audit through the API (POST /v1/audits/replay)');
  }
  if (!fs.existsSync(walDir)) throw new CliError(EXIT.notALedger, 'not_a_ledger', `${dataDir} has no wal/ directory: not a ledger data directory`);
  let log: WalLog;
  try {
    log = await WalLog.open(walDir, { create: false, lockWaitMs: 0 });
  } catch (e) {
    if (e instanceof WalError && e.code === 'WAL_LOCKED') {
      throw new CliError(EXIT.locked, e.code, `the log in ${walDir} is open by a running server: use POST /v1/audits/replay there, or stop it`);
    }
    throw e;
  }
  return { log, walDir };
}

/** Progress on stderr, at most every two seconds. */
function progressPrinter(what: string): (report: { records: number; done?: boolean }) => void {
  let last = 0;
  return (report) => {
    const now = performance.now();
    if (now - last < 2000 && !report.done) return;
    last = now;
    process.stderr.write(`${what}: ${report.records} records${report.done ? ' (done)' : ''}\n`);
  };
}

/**
 * The replay audit of the data directory's read model against its log, as
 * the API runs it; a data directory without a read model is first rebuilt
 * into a scratch one (then the audit checks the log against itself).
 */
async function audit(dataDir: string): Promise<Record<string, unknown>> {
  const { log } = await openLog(dataDir);
  const dir = path.join(dataDir, 'readmodel');
  let scratch: { model: LmdbReadModel; dispose: () => Promise<void> } | null = null;
  let model: LmdbReadModel;
  try {
    if (fs.existsSync(dir)) {
      model = LmdbReadModel.open(dir, { mapSizeBytes: MAP_SIZE_BYTES, readOnly: true });
    } else {
      scratch = scratchReadModel(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-audit-')), { mapSizeBytes: MAP_SIZE_BYTES });
      model = scratch.model;
      await rebuildLedger(log, model, undefined, { onProgress: progressPrinter('rebuilt (no read model)') });
    }
    const result = await replayAudit(log, model, auditProgressPrinter());
    if (!scratch) await model.close();
    return { dataDir: path.resolve(dataDir), readModel: scratch ? 'scratch (none in the data directory)' : dir, ...result };
  } finally {
    await scratch?.dispose();
    await log.close();
  }
}

function auditProgressPrinter(): (report: { phase: string; done: number; total: number }) => void {
  let last = 0;
  return (report) => {
    const now = performance.now();
    if (now - last < 2000) return;
    last = now;
    process.stderr.write(`audit ${report.phase}: ${report.done} of ${report.total}\n`);
  };
}

async function rebuild(dataDir: string): Promise<Record<string, unknown>> {
  const started = process.hrtime.bigint();
  const { log } = await openLog(dataDir);
  const dir = path.join(dataDir, 'readmodel');
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    const { model } = await openReadModel(dir, log, { mapSizeBytes: MAP_SIZE_BYTES });
    try {
      const ledger = await openLedger(log, model, { onProgress: progressPrinter('rebuilt') });
      return {
        dataDir: path.resolve(dataDir),
        readModel: dir,
        recordsApplied: ledger.store.recordCount,
        through: ledger.store.horizon,
        ...model.stats(),
        durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
      };
    } finally {
      await model.close({ bootId: currentBootId(), clean: true });
    }
  } finally {
    await log.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  const report = args.command === 'audit' ? await audit(args.dataDir) : await rebuild(args.dataDir);
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else for (const [k, v] of Object.entries(report)) process.stdout.write(`${k.padEnd(16)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  return report.match === false ? EXIT.failed : EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(e.code === 'help' || e.code === 'usage' ? `${e.message}\n` : `${e.code}: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    if (e instanceof WalError) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      process.exit(EXIT.failed);
    }
    process.stderr.write(`unexpected: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(EXIT.software);
  },
);
