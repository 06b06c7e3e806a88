// What the event store needs of the persistent read model (libs/read-model
// implements it over LMDB): the idempotency outcomes, and a checkpoint that
// says which prefix of the log the read model reflects. The checkpoint is
// written in the same transaction as the data it describes, so after any
// crash the read model is exactly "the log through the checkpoint", and a
// restart replays only the records after it.
import type { Instant, PeriodClose } from '@app/domain';

/** The last record of one partition that the read model reflects. */
export interface LogPosition {
  lsn: number;
  recordedAt: Instant;
  /** sha256 of the record's bytes in the log: a read model of another log, or of a log rewritten since, does not match. */
  payloadHash: string;
}

export interface Checkpoint {
  /** Per partition; null: nothing of that partition applied yet. */
  positions: (LogPosition | null)[];
  /** Every record stamped at or before this is applied (the store's horizon). */
  through: Instant;
  records: number;
  /** The period closes applied, in order. */
  closes: PeriodClose[];
}

export interface StoredOutcome {
  requestHash: string;
  status: number;
  body: unknown;
  /** The command's path (`/v1/policies/P-1/payments`): what a reversal finds the command's entity and route by. */
  path: string;
}

export interface ReadModelPort {
  /** Where the read model stands; null when it is empty (build from the log's first record). */
  checkpoint(): Checkpoint | null;
  /** The durable outcome of a command id. */
  outcome(commandId: string): StoredOutcome | undefined;
  /** Every outcome, by command id in ascending order (for the state digest). */
  outcomes(): Iterable<[string, StoredOutcome]>;
  /**
   * Runs `apply` in one write transaction, committed with `checkpoint`: a
   * reader sees all of it or none of it, and so does a restart after a crash.
   * A throw aborts the whole transaction.
   */
  commit(apply: () => void, checkpoint: () => Checkpoint): void;
  /** Inside `commit`'s callback only. */
  putOutcome(commandId: string, outcome: StoredOutcome): void;
}
