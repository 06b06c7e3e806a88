// The SQL projector's process (npm run sql-projector): keeps the ledger_sql
// schema current with a PostgreSQL log for the finance team's SQL tools
// (libs/sql-read-model, docs/sql.md). One runs per cluster (a second waits
// on its advisory lock and exits).
//   LEDGER_LOG                 the log's postgres:// URL (read from any server)
//   LEDGER_SQL_URL             where ledger_sql is written (default LEDGER_LOG)
//   LEDGER_SQL_PROJECTOR_DIR   its own read model (default ./data/sql-projector)
// Progress goes to stdout as JSON lines; SIGTERM stops it cleanly (the next
// start resumes where it stopped). A failure exits 1, for systemd to restart.
import * as path from 'node:path';
import { isPostgresUrl } from '@app/pg-log';
import { SqlProjector } from '@app/sql-read-model';

const PROGRESS_LOG_MS = 2_000;

function line(level: 'info' | 'error' | 'fatal', msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), service: 'ledger-sql-projector', pid: process.pid, msg, ...extra })}\n`);
}

async function main(): Promise<void> {
  const logUrl = process.env.LEDGER_LOG ?? '';
  if (!isPostgresUrl(logUrl)) throw new Error('LEDGER_LOG must be the postgres:// URL of the ledger log');
  const sqlUrl = process.env.LEDGER_SQL_URL || logUrl;
  if (!isPostgresUrl(sqlUrl)) throw new Error('LEDGER_SQL_URL must be a postgres:// URL');
  const dir = path.resolve(process.env.LEDGER_SQL_PROJECTOR_DIR || './data/sql-projector');
  let lastLog = 0;
  const projector = await SqlProjector.start({
    logUrl,
    sqlUrl,
    dir,
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastLog < PROGRESS_LOG_MS) return;
      lastLog = now;
      line('info', `ledger_sql through ${p.through}: ${p.records} records`, { records: p.records, through: p.through, rebuilt: p.rebuilt });
    },
  });
  line('info', `projecting into ledger_sql${projector.rebuilt ? ' (started over from the log\'s first record)' : ''}: ${projector.position.records} records`);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await projector.stop();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  const watch = setInterval(() => {
    if (!projector.failed) return;
    clearInterval(watch);
    line('fatal', `the projector failed: ${projector.failed.message}`);
    void stop(1);
  }, 200);
}

main().catch((e: unknown) => {
  line('fatal', `start-up failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
