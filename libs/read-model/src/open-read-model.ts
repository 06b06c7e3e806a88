// Opening the read model next to its log. It is derived, so whenever it
// cannot be trusted it is thrown away and rebuilt from the log, never served:
//   - LMDB cannot open it (not an LMDB file, a damaged meta page);
//   - it was written by another schema version;
//   - it was not closed cleanly and the machine has rebooted since (it is
//     written without fsync, so a machine crash may have torn it);
//   - its checkpoint does not name records this log holds with the same
//     bytes (the read model of another ledger, or a log restored from an
//     older backup).
// Otherwise the caller replays only the log after its checkpoint.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyCheckpoint, type LogPort } from '@app/event-store';
import { LmdbReadModel, READ_MODEL_SCHEMA, type ReadModelOptions } from './lmdb-read-model';

export interface OpenedReadModel {
  model: LmdbReadModel;
  /** Why the stored read model was thrown away (it is rebuilt from the log's first record); null: reused, or there was none. */
  discarded: string | null;
  /** Whether the whole log must be replayed (a new, empty read model). */
  empty: boolean;
}

/** The current boot, so a read model left unclean by a machine crash is recognised. */
export function currentBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // No procfs: every boot looks different, so only a clean close is trusted.
    return `unknown-${process.pid}-${Date.now()}`;
  }
}

/** Why this read model cannot serve this log, or null when it can. */
async function distrust(model: LmdbReadModel, log: LogPort, bootId: string): Promise<string | null> {
  const schema = model.schemaVersion();
  if (schema !== READ_MODEL_SCHEMA) return `schema version ${String(schema)}, this server writes ${READ_MODEL_SCHEMA}`;
  const owner = model.owner();
  if (owner && !owner.clean && owner.bootId !== bootId) return 'it was not closed cleanly before the machine restarted';
  const checkpoint = model.checkpoint();
  return checkpoint ? verifyCheckpoint(log, checkpoint) : null;
}

export async function openReadModel(dir: string, log: LogPort, options: ReadModelOptions): Promise<OpenedReadModel> {
  const bootId = currentBootId();
  let discarded: string | null = null;
  if (fs.existsSync(dir)) {
    let model: LmdbReadModel | null = null;
    try {
      model = LmdbReadModel.open(dir, options);
      discarded = await distrust(model, log, bootId);
    } catch (e) {
      discarded = `it cannot be read: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (discarded === null && model) {
      model.setOwner({ bootId, clean: false });
      return { model, discarded: null, empty: model.checkpoint() === null };
    }
    await model?.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const model = LmdbReadModel.open(dir, options);
  model.setOwner({ bootId, clean: false });
  return { model, discarded, empty: true };
}

/** An empty read model in a scratch directory (a replay audit's replica), removed when closed. */
export function scratchReadModel(dir: string, options: ReadModelOptions): { model: LmdbReadModel; dispose: () => Promise<void> } {
  fs.rmSync(dir, { recursive: true, force: true });
  const model = LmdbReadModel.open(dir, options);
  return {
    model,
    dispose: async () => {
      await model.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An empty read model in a new directory under the system's temp directory (tests, offline tools); `dispose` removes it. */
export function temporaryReadModel(prefix = 'ledger-readmodel-', options: ReadModelOptions = { mapSizeBytes: 1 << 30 }): { model: LmdbReadModel; dispose: () => Promise<void> } {
  return scratchReadModel(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), options);
}
