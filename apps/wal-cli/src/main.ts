/**
 * Operator CLI for the write-ahead log.
 *
 *   wal inspect <dir> [--json]    segments, records, last LSN and verdict per partition (read-only)
 *   wal verify <dir> [--json]     the same check, answered by the exit code
 *   wal status <dir> [--partitions N] [--mirror DIR] [--json]
 *                                 opens the log (creating it when the directory is missing or
 *                                 empty), prints I/O mode, durable LSNs and the open report
 *
 * Exit codes: 0 ok; 1 corruption found; 2 only torn tails found (verify: harmless, open
 * truncates them); 64 usage error; 66 not a log; 74 I/O error; 70 anything unexpected.
 * Expected errors print `<code>: <message>` on stderr, never a stack trace.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { inspectLog, InspectReport, InspectedPartition, Wal, WalError, WalOpenReport, WalStatus } from '@app/wal';

const EXIT = { ok: 0, corrupt: 1, torn: 2, usage: 64, notALog: 66, software: 70, ioError: 74 } as const;

const USAGE = `usage: wal <command> <dir> [options]

commands:
  inspect <dir> [--json]     per partition: segments, records, last LSN, verdict (read-only)
  verify <dir> [--json]      exit 0 ok, 1 corrupt, 2 only torn tails (read-only)
  status <dir> [--partitions N] [--mirror DIR] [--json]
                             open (or create) the log and report I/O mode and durable LSNs

exit codes: 0 ok, 1 corrupt, 2 torn tail only, 64 usage, 66 not a log, 74 I/O error
`;

class UsageError extends Error {}

type Command = 'inspect' | 'verify' | 'status';

interface Args {
  command: Command;
  dir: string;
  json: boolean;
  partitions?: number;
  mirror?: string;
}

const OPTIONS = {
  json: { type: 'boolean' },
  partitions: { type: 'string' },
  mirror: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMAND_OPTIONS: Record<Command, readonly string[]> = {
  inspect: ['json'],
  verify: ['json'],
  status: ['json', 'partitions', 'mirror'],
};

function parse(argv: string[]): Args | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return 'help';
  const [command, dir, ...extra] = positionals;
  if (!command) throw new UsageError('missing command');
  if (!(command in COMMAND_OPTIONS)) throw new UsageError(`unknown command '${command}'`);
  if (!dir) throw new UsageError(`${command}: missing <dir>`);
  if (extra.length > 0) throw new UsageError(`${command}: unexpected argument '${extra[0]}'`);
  for (const name of Object.keys(values)) {
    if (!COMMAND_OPTIONS[command as Command].includes(name)) throw new UsageError(`${command} takes no --${name}`);
  }
  return {
    command: command as Command,
    dir,
    json: values.json ?? false,
    partitions: values.partitions === undefined ? undefined : parseCount(values.partitions),
    mirror: values.mirror,
  };
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--partitions must be a whole number >= 1, got '${text}'`);
  return n;
}

// ---------------------------------------------------------------- output helpers

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Columns padded to their widest cell; numbers right-aligned. */
function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]): string =>
    r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return cells.map(line).join('\n');
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n} ${units[i]}`;
}

function partitionName(p: number): string {
  return `p${String(p).padStart(3, '0')}`;
}

function segmentFile(firstLsn: number): string {
  return `${String(firstLsn).padStart(20, '0')}.seg`;
}

// ---------------------------------------------------------------- inspect / verify

type Verdict = InspectedPartition['verdict'];

interface PartitionJson {
  partition: number;
  records: number;
  lastLsn: number;
  verdict: Verdict;
  detail: string | null;
  segments: Array<{ file: string; path: string; firstLsn: number; records: number; usedBytes: number; sealed: boolean }>;
}

function overallVerdict(report: InspectReport): Verdict {
  if (report.result.some((p) => p.verdict === 'corrupt')) return 'corrupt';
  return report.result.some((p) => p.verdict === 'torn') ? 'torn' : 'ok';
}

function partitionJson(p: InspectedPartition): PartitionJson {
  return {
    partition: p.partition,
    records: p.records,
    lastLsn: p.lastLsn,
    verdict: p.verdict,
    detail: p.detail,
    segments: p.segments.map((s) => ({
      file: segmentFile(s.firstLsn),
      path: path.join(partitionName(p.partition), segmentFile(s.firstLsn)),
      firstLsn: s.firstLsn,
      records: s.records,
      usedBytes: s.usedBytes,
      sealed: s.sealed,
    })),
  };
}

function reportJson(report: InspectReport): object {
  return {
    dir: path.resolve(report.dir),
    segmentBytes: report.segmentBytes,
    verdict: overallVerdict(report),
    partitions: report.result.map(partitionJson),
  };
}

function partitionTable(report: InspectReport): string {
  const rows = report.result.map((p) => [p.partition, p.records, p.lastLsn, p.segments.length, p.verdict, p.detail ?? '']);
  return table(['PART', 'RECORDS', 'LAST LSN', 'SEGMENTS', 'VERDICT', 'DETAIL'], rows);
}

function segmentTable(report: InspectReport): string {
  const rows = report.result.flatMap((p) =>
    p.segments.map((s) => [p.partition, segmentFile(s.firstLsn), s.records, s.usedBytes, s.sealed ? 'sealed' : 'active']),
  );
  return table(['PART', 'SEGMENT', 'RECORDS', 'USED BYTES', 'STATE'], rows);
}

function header(report: InspectReport): string {
  const records = report.result.reduce((n, p) => n + p.records, 0);
  return `log ${path.resolve(report.dir)}: ${report.partitions} partitions, ${bytes(report.segmentBytes)} segments, ${records} records`;
}

async function inspect(args: Args): Promise<number> {
  const report = await inspectLog(args.dir);
  if (args.json) out(JSON.stringify(reportJson(report)));
  else out([header(report), '', partitionTable(report), '', segmentTable(report)].join('\n'));
  return EXIT.ok;
}

async function verify(args: Args): Promise<number> {
  const report = await inspectLog(args.dir);
  const verdict = overallVerdict(report);
  const code = verdict === 'ok' ? EXIT.ok : verdict === 'corrupt' ? EXIT.corrupt : EXIT.torn;
  for (const p of report.result) {
    if (p.verdict === 'corrupt') err(`WAL_CORRUPT: ${p.detail}`);
  }
  if (args.json) {
    out(JSON.stringify({ ...reportJson(report), exitCode: code }));
    return code;
  }
  out([header(report), '', partitionTable(report), ''].join('\n'));
  const summary = {
    ok: 'verdict: ok',
    torn: 'verdict: torn tail (never acknowledged; the next open truncates it)',
    corrupt: 'verdict: CORRUPT (open refuses this log)',
  }[verdict];
  out(summary);
  return code;
}

// ---------------------------------------------------------------- status

function ioLine(status: WalStatus): string {
  return `${status.ioMode}, ${status.direct ? 'O_DIRECT' : 'buffered'}`;
}

function statusText(args: Args, report: WalOpenReport, status: WalStatus): string {
  const rows = status.partitions.map((p) => [p.partition, p.durableLsn, p.nextLsn, segmentFile(p.segmentFirstLsn), p.writeOffset]);
  const lines = [
    `log         ${path.resolve(args.dir)} (${report.created ? 'created' : 'opened'})`,
    `io          ${ioLine(status)}`,
    `mirror      ${args.mirror ? path.resolve(args.mirror) : 'none'}`,
    `partitions  ${status.partitions.length}`,
    `state       ${status.failed ? `FAILED ${status.failure?.code}: ${status.failure?.message}` : 'ok'}`,
    '',
    table(['PART', 'DURABLE LSN', 'NEXT LSN', 'ACTIVE SEGMENT', 'WRITE OFFSET'], rows),
    '',
    report.notes.length === 0 ? 'notes       none' : ['notes:', ...report.notes.map((n) => `  ${n}`)].join('\n'),
  ];
  return lines.join('\n');
}

async function status(args: Args): Promise<number> {
  const wal = await Wal.open(args.dir, { partitions: args.partitions, mirrorDir: args.mirror });
  try {
    const s = wal.status();
    if (args.json) {
      out(JSON.stringify({ dir: path.resolve(args.dir), created: wal.report.created, io: ioLine(s), ...s, notes: wal.report.notes }));
    } else {
      out(statusText(args, wal.report, s));
    }
    return s.failed ? EXIT.ioError : EXIT.ok;
  } finally {
    await wal.close();
  }
}

// ---------------------------------------------------------------- main

const COMMANDS: Record<Command, (args: Args) => Promise<number>> = { inspect, verify, status };

function exitCodeOf(error: WalError): number {
  switch (error.code) {
    case 'WAL_NOT_A_LOG':
      return EXIT.notALog;
    case 'WAL_CORRUPT':
      return EXIT.corrupt;
    case 'WAL_INVALID_ARGUMENT':
    case 'WAL_OPTION_MISMATCH':
      return EXIT.usage;
    default:
      return EXIT.ioError;
  }
}

export async function run(argv: string[]): Promise<number> {
  try {
    const args = parse(argv);
    if (args === 'help') {
      out(USAGE);
      return EXIT.ok;
    }
    return await COMMANDS[args.command](args);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (e instanceof WalError) {
      err(`${e.code}: ${e.message}`);
      return exitCodeOf(e);
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.software;
  }
}

/** A closed pipe (`wal inspect big | head`) ends the output, quietly. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      process.exit(e.code === 'EPIPE' ? Number(process.exitCode ?? 0) : EXIT.ioError);
    });
  }
}

if (require.main === module) {
  quietOnClosedPipe();
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
