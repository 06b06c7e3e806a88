// The event envelope. A decider returns DomainEvents; the event store stamps
// them (recordedAt, bookingPeriod, commandId, actor) into RecordedEvents, the
// only form that is stored and projected.
import type { IsoDate, Instant, Period } from './dates';
import type { EntityRef } from './ids';
import type { JournalEntry } from './journal';

export interface DomainEvent<T extends string = string, P = Record<string, unknown>> {
  type: T;
  /** Schema version of this event type's payload; migrations/ upcast older ones. */
  v: number;
  entity: EntityRef;
  /** Valid time: when it is true in the business. */
  effectiveDate: IsoDate;
  payload: P;
  journal: JournalEntry;
}

export interface RecordedEvent<T extends string = string, P = Record<string, unknown>> extends DomainEvent<T, P> {
  /** System time the ledger made it durable: strictly increasing across the ledger. */
  recordedAt: Instant;
  /** Month of effectiveDate, or the first open month if that month was closed when recorded. */
  bookingPeriod: Period;
  commandId: string;
  actor: string;
}

/** What a decider returns: the events of one command and the fields of its 201 response. */
export interface Decision {
  events: DomainEvent[];
  result: Record<string, unknown>;
}
