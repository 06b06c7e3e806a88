// The replay audit's worker thread (started by replay-audit-thread.ts): its
// own read-only handles on the read model (the LMDB environment, read-only)
// and the log (the addon's scanner, bounded by the checkpoint; or its own
// connection to the PostgreSQL log), then
// replayAudit() as on the main thread, reporting its progress by message.
import { parentPort, workerData } from 'node:worker_threads';
import { PgLog } from '@app/pg-log';
import { LmdbReadModel, replayAudit } from '@app/read-model';

import { ReadOnlyWalLog } from './read-only-wal-log';
import type { AuditWorkerData, AuditWorkerMessage } from './replay-audit-thread';

async function run(data: AuditWorkerData, post: (m: AuditWorkerMessage) => void): Promise<void> {
  let model: LmdbReadModel | null = null;
  try {
    model = LmdbReadModel.open(data.readModelDir, { mapSizeBytes: data.mapSizeBytes, readOnly: true });
    let result;
    if (data.postgresUrl) {
      const log = await PgLog.open(data.postgresUrl, { readOnly: true, partitions: data.partitions });
      try {
        result = await replayAudit(log, model, (report) => post({ type: 'progress', report }));
      } finally {
        await log.close();
      }
    } else {
      const log = new ReadOnlyWalLog(data.walDir, { partitions: data.partitions, mirrorDir: data.mirrorDir });
      result = await replayAudit(log, model, (report) => post({ type: 'progress', report }));
    }
    const opened = model;
    model = null;
    await opened.close();
    post({ type: 'result', result });
  } catch (e) {
    await model?.close().catch(() => undefined);
    const raw = (e as { code?: unknown } | null)?.code;
    const code = typeof raw === 'string' ? raw : null;
    const message = e instanceof Error ? e.message : String(e);
    // The data directory's path is the server's business, not the auditor's.
    const dataDir = commonParent(data.walDir, data.readModelDir);
    post({ type: 'error', code, message: dataDir ? message.split(dataDir).join('<dataDir>') : message });
  }
}

function commonParent(a: string, b: string): string | null {
  const parts = a.split('/');
  const other = b.split('/');
  let n = 0;
  while (n < parts.length && n < other.length && parts[n] === other[n]) n++;
  const common = parts.slice(0, n).join('/');
  return common.length > 1 ? common : null;
}

if (!parentPort) throw new Error('replay-audit.worker runs in a worker thread (see replay-audit-thread.ts)');
const port = parentPort;
void run((workerData as { audit: AuditWorkerData }).audit, (m) => port.postMessage(m));
