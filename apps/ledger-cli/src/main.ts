/**
 * Operator CLI for a ledger data directory (the API's LEDGER_DATA_DIR).
 *
 *   ledger audit <dataDir> [--json]
 *       Rebuilds every projection from the log's first record (every record's
 *       checksum and the chain verified as it is read) and prints the state
 *       hash: the same log gives the same hash here and in the API's
 *       POST /v1/audits/replay. Offline: the log must not be open by a server.
 *
 * Exit codes: 0 ok; 64 usage; 66 not a ledger data directory; 69 the log is
 * open by a running server (WAL_LOCKED); 1 the log failed verification or
 * could not be replayed; 70 anything unexpected. Expected errors print
 * `<code>: <message>` on stderr, never a stack trace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WalLog } from '@app/event-store';
import { digestLedger, rebuildLedger } from '@app/projections';
import { WalError } from '@app/wal';

const EXIT = { ok: 0, failed: 1, usage: 64, notALedger: 66, locked: 69, software: 70 } as const;

const USAGE = `usage: ledger audit <dataDir> [--json]

  audit   rebuild every projection from the log (verifying checksums and the chain)
          and print the state hash; the API must not be running on <dataDir>
`;

class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parse(argv: string[]): { dataDir: string; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(EXIT.usage, 'usage', e instanceof Error ? e.message : String(e));
  }
  const [command, dataDir, ...rest] = parsed.positionals;
  if (parsed.values.help) throw new CliError(EXIT.ok, 'help', USAGE);
  if (command !== 'audit' || !dataDir || rest.length > 0) throw new CliError(EXIT.usage, 'usage', USAGE.trimEnd());
  return { dataDir, json: parsed.values.json === true };
}

async function audit(dataDir: string): Promise<Record<string, unknown>> {
  const walDir = path.join(dataDir, 'wal');
  if (!fs.existsSync(walDir)) throw new CliError(EXIT.notALedger, 'not_a_ledger', `${dataDir} has no wal/ directory: not a ledger data directory`);
  const started = process.hrtime.bigint();
  let log: WalLog;
  try {
    log = await WalLog.open(walDir, { create: false, lockWaitMs: 0 });
  } catch (e) {
    if (e instanceof WalError && e.code === 'WAL_LOCKED') {
      throw new CliError(EXIT.locked, e.code, `the log in ${walDir} is open by a running server: use POST /v1/audits/replay there, or stop it`);
    }
    throw e;
  }
  try {
    const ledger = await rebuildLedger(log);
    const digest = digestLedger(ledger);
    return {
      dataDir: path.resolve(dataDir),
      recordsReplayed: ledger.store.recordCount,
      eventsReplayed: digest.projections.events,
      entities: digest.projections.entities.size,
      partitions: log.partitions,
      through: ledger.store.horizon,
      stateHash: digest.stateHash,
      durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
    };
  } finally {
    await log.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  const report = await audit(args.dataDir);
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else for (const [k, v] of Object.entries(report)) process.stdout.write(`${k.padEnd(16)} ${String(v)}\n`);
  return EXIT.ok;
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
