// The SQL projector: keeps the `ledger_sql` schema (schema.ts) current with
// the log, for the finance team's SQL tools.
//
// It is a headless follower of the log with its own persistent read model
// (LMDB, under its own directory): the very projections the API runs work
// out each record's report movements, journal lines, subledger lines and
// entity events, exactly as the API's reports see them, so no rule of the
// domain is written twice (in SQL). The read model it opens is wrapped so
// that, as each of its transactions commits, what it wrote goes to SQL in
// one transaction together with the log position it reaches (`projector`).
//
// Position and restarts: the SQL position trails the read model's by at most
// the transactions still being written. On start the two are compared; when
// equal (a clean stop, the usual case) the projector resumes where it was,
// at a cost that does not grow with the log. When not (a crash between the
// two commits) both are emptied and rebuilt from the log's first record, in
// the background, with progress in `ledger_sql.projector` and the log lines.
// It reads the log read-only, from any server of the URL (a standby too);
// it writes SQL to the primary (LEDGER_SQL_URL, target_session_attrs=read-write).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import type { EntityKind, Instant, IsoDate, RecordedEvent } from '@app/domain';
import type { Checkpoint } from '@app/event-store';
import { PgLog, connectTo } from '@app/pg-log';
import { openLedger, type Ledger, type LedgerReadModel, type SeriesFamily } from '@app/projections';
import { currentBootId, openReadModel, type LmdbReadModel } from '@app/read-model';

import { PROJECTED_TABLES, SCHEMA_DDL } from './schema';

export interface SqlProjectorOptions {
  /** The log (read-only; any server of the URL). */
  logUrl: string;
  /** Where `ledger_sql` lives: a primary (default: the log's URL). */
  sqlUrl?: string;
  /** The projector's own read model. */
  dir: string;
  mapSizeBytes?: number;
  cacheEntities?: number;
  /** How often the log's ends are read (default 500 ms). */
  intervalMs?: number;
  onProgress?: (progress: ProjectorProgress) => void;
}

export interface ProjectorProgress {
  records: number;
  through: Instant;
  /** Started over from the log's first record (the SQL and the read model disagreed). */
  rebuilt: boolean;
}

interface Captured {
  movements: { family: string; name: string; currency: string; bucket: string; recordedAt: Instant; cents: bigint }[];
  journal: { control: string; currency: string; date: IsoDate; recordedAt: Instant; cents: bigint }[];
  accounts: { account: string; control: string; date: IsoDate; recordedAt: Instant; cents: bigint }[];
  events: { kind: EntityKind; id: string; seq: number; event: RecordedEvent; derived: boolean }[];
}

const DEFAULT_INTERVAL_MS = 500;
/**
 * A row's system time from its recorded instant `r` (9 fraction digits):
 * [recordedAt, infinity), cut to the microseconds timestamptz keeps (the
 * exact instant stays in recorded_at).
 */
const SYSTEM_TIME = "tstzrange((substr(r, 1, 26) || 'Z')::timestamptz, NULL, '[)')";
const PROJECTOR_LOCK = 7_414_203; // one projector writes ledger_sql at a time (session advisory lock)

export class SqlProjector {
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private lastFlushed: { records: number; through: Instant } = { records: 0, through: '' };

  private constructor(
    private readonly options: SqlProjectorOptions,
    private readonly sql: Client,
    private readonly log: PgLog,
    private readonly model: LmdbReadModel,
    private ledger: Ledger | null,
    readonly rebuilt: boolean,
  ) {}

  /** Opens everything, replays what the SQL schema lacks, then follows the log until `stop`. */
  static async start(options: SqlProjectorOptions): Promise<SqlProjector> {
    const sql = await connectTo(options.sqlUrl ?? options.logUrl);
    let log: PgLog | null = null;
    try {
      const lease = await sql.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [PROJECTOR_LOCK]);
      if (!lease.rows[0].got) throw new Error('another SQL projector is writing ledger_sql');
      await sql.query(SCHEMA_DDL);
      log = await PgLog.open(options.logUrl, { readOnly: true });
      const readModelDir = path.join(options.dir, 'readmodel');
      const stored = await sql.query<{ positions: unknown }>('SELECT positions FROM ledger_sql.projector WHERE id = 1');
      let opened = await openReadModel(readModelDir, log, { mapSizeBytes: options.mapSizeBytes ?? 16 * 1024 ** 3 });
      const sqlPositions = JSON.stringify(stored.rows[0]?.positions ?? null);
      const modelPositions = JSON.stringify(opened.model.checkpoint()?.positions ?? null);
      const rebuilt = sqlPositions !== modelPositions;
      if (rebuilt) {
        // A crash between the two commits (or a new projector): start both over from the log's first record.
        await opened.model.close();
        fs.rmSync(readModelDir, { recursive: true, force: true });
        await sql.query(`TRUNCATE ${PROJECTED_TABLES.map((t) => `ledger_sql.${t}`).join(', ')}`);
        opened = await openReadModel(readModelDir, log, { mapSizeBytes: options.mapSizeBytes ?? 16 * 1024 ** 3 });
      }
      const projector = new SqlProjector(options, sql, log, opened.model, null, rebuilt);
      const capturing = projector.capture(opened.model);
      projector.ledger = await openLedger(log, capturing, { cacheEntities: options.cacheEntities ?? 10_000 });
      await projector.flushing;
      projector.loop = projector.follow();
      return projector;
    } catch (e) {
      await log?.close().catch(() => undefined);
      await sql.end().catch(() => undefined);
      throw e;
    }
  }

  /** Records in SQL so far, and the last one's recordedAt. */
  get position(): { records: number; through: Instant } {
    return this.lastFlushed;
  }

  get failed(): Error | null {
    return this.failure;
  }

  private async follow(): Promise<void> {
    const store = this.ledger!.store;
    while (!this.stopped) {
      try {
        await store.catchUp(await this.log.partitionEnds());
        await this.flushing;
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs ?? DEFAULT_INTERVAL_MS));
    }
  }

  /**
   * The read model as the projections see it, with every write also kept
   * for SQL; each commit hands what it wrote, with the checkpoint it
   * reached, to the SQL writer (in commit order).
   */
  private capture(model: LmdbReadModel): LedgerReadModel {
    let taken: Captured = emptyCapture();
    const writes: Partial<LedgerReadModel> = {
      addToSeries: (family: SeriesFamily, name: string, currency: string, bucket: string, recordedAt: Instant, cents: bigint) => {
        model.addToSeries(family, name, currency, bucket, recordedAt, cents);
        // gl-day holds every journal line on its own date (gl-month only sums them by month).
        if (family === 'gl-day') taken.journal.push({ control: name, currency, date: bucket, recordedAt, cents });
        else if (family !== 'gl-month') taken.movements.push({ family, name, currency, bucket, recordedAt, cents });
      },
      addAccountLine: (account: string, control: string, recordedAt: Instant, date: IsoDate, cents: bigint) => {
        model.addAccountLine(account, control, recordedAt, date, cents);
        taken.accounts.push({ account, control, date, recordedAt, cents });
      },
      appendEvent: (kind: EntityKind, id: string, index: number, event: RecordedEvent, derived: boolean) => {
        model.appendEvent(kind, id, index, event, derived);
        taken.events.push({ kind, id, seq: index, event, derived });
      },
      commit: (apply: () => void, checkpoint: () => Checkpoint) => {
        taken = emptyCapture();
        model.commit(apply, checkpoint);
        const written = taken;
        taken = emptyCapture();
        const reached = model.checkpoint();
        if (!reached) throw new Error('a committed read model has no checkpoint');
        this.flushing = this.flushing.then(() => this.write(written, reached));
        this.flushing.catch(() => undefined);
      },
    };
    return new Proxy(model, {
      get(target, property, receiver) {
        if (Object.prototype.hasOwnProperty.call(writes, property)) return writes[property as keyof LedgerReadModel];
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as unknown as LedgerReadModel;
  }

  /** One SQL transaction: every row one read-model transaction wrote, the closes, and the position reached. */
  private async write(c: Captured, checkpoint: Checkpoint): Promise<void> {
    const sql = this.sql;
    await sql.query('BEGIN');
    try {
      if (c.movements.length > 0) {
        await sql.query(
          `INSERT INTO ledger_sql.report_movements (family, name, currency, bucket, recorded_at, system_time, cents)
           SELECT f, n, cur, b, r, ${SYSTEM_TIME}, x
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(f, n, cur, b, r, x)`,
          [col(c.movements, (m) => m.family), col(c.movements, (m) => m.name), col(c.movements, (m) => m.currency), col(c.movements, (m) => m.bucket), col(c.movements, (m) => m.recordedAt), col(c.movements, (m) => m.cents.toString())],
        );
      }
      if (c.journal.length > 0) {
        await sql.query(
          `INSERT INTO ledger_sql.journal_lines (control, currency, valid_on, recorded_at, valid_time, system_time, cents)
           SELECT a, cur, d, r, daterange(d, NULL, '[)'), ${SYSTEM_TIME}, x
           FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::bigint[]) AS u(a, cur, d, r, x)`,
          [col(c.journal, (l) => l.control), col(c.journal, (l) => l.currency), col(c.journal, (l) => l.date), col(c.journal, (l) => l.recordedAt), col(c.journal, (l) => l.cents.toString())],
        );
      }
      if (c.accounts.length > 0) {
        await sql.query(
          `INSERT INTO ledger_sql.account_lines (account, control, valid_on, recorded_at, valid_time, system_time, cents)
           SELECT a, k, d, r, daterange(d, NULL, '[)'), ${SYSTEM_TIME}, x
           FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::bigint[]) AS u(a, k, d, r, x)`,
          [col(c.accounts, (l) => l.account), col(c.accounts, (l) => l.control), col(c.accounts, (l) => l.date), col(c.accounts, (l) => l.recordedAt), col(c.accounts, (l) => l.cents.toString())],
        );
      }
      if (c.events.length > 0) {
        await sql.query(
          `INSERT INTO ledger_sql.entity_events (kind, id, seq, type, effective_date, recorded_at, valid_time, system_time, command_id, actor, derived, payload)
           SELECT k, i, s, t, d, r, daterange(d, NULL, '[)'), ${SYSTEM_TIME}, cmd, who, der, p::jsonb
           FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::boolean[], $10::text[]) AS u(k, i, s, t, d, r, cmd, who, der, p)`,
          [
            col(c.events, (e) => e.kind),
            col(c.events, (e) => e.id),
            col(c.events, (e) => e.seq),
            col(c.events, (e) => e.event.type),
            col(c.events, (e) => e.event.effectiveDate),
            col(c.events, (e) => e.event.recordedAt),
            col(c.events, (e) => e.event.commandId),
            col(c.events, (e) => e.event.actor),
            col(c.events, (e) => e.derived),
            col(c.events, (e) => JSON.stringify(e.event.payload)),
          ],
        );
      }
      if (checkpoint.closes.length > 0) {
        await sql.query(
          'INSERT INTO ledger_sql.period_closes (through, closed_at) SELECT t, c FROM unnest($1::text[], $2::text[]) AS u(t, c) ON CONFLICT (through) DO NOTHING',
          [col(checkpoint.closes, (x) => x.through), col(checkpoint.closes, (x) => x.closedAt)],
        );
      }
      await sql.query(
        `INSERT INTO ledger_sql.projector (id, positions, records, through, updated_at) VALUES (1, $1::jsonb, $2, $3, now())
         ON CONFLICT (id) DO UPDATE SET positions = excluded.positions, records = excluded.records, through = excluded.through, updated_at = excluded.updated_at`,
        [JSON.stringify(checkpoint.positions), checkpoint.records, checkpoint.through],
      );
      await sql.query('COMMIT');
    } catch (e) {
      await sql.query('ROLLBACK').catch(() => undefined);
      this.failure ??= e instanceof Error ? e : new Error(String(e));
      throw e;
    }
    this.lastFlushed = { records: checkpoint.records, through: checkpoint.through };
    this.options.onProgress?.({ ...this.lastFlushed, rebuilt: this.rebuilt });
  }

  /** Stops following, lets the SQL writes in flight finish, and closes; the next start resumes here. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.flushing.catch(() => undefined);
    await this.log.close().catch(() => undefined);
    // Marked clean: the next start trusts this read model and resumes from its checkpoint.
    await this.model.close({ bootId: currentBootId(), clean: true }).catch(() => undefined);
    await this.sql.end().catch(() => undefined);
  }
}

function emptyCapture(): Captured {
  return { movements: [], journal: [], accounts: [], events: [] };
}

function col<T, V>(rows: readonly T[], pick: (row: T) => V): V[] {
  return rows.map(pick);
}
