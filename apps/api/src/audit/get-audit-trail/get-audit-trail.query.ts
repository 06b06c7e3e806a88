import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, reversedCommandOf, type Instant, type IsoDate, type JournalLine, type Period, type RecordedEvent } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

/** The entity kinds an auditor asks for by path (api.md). */
export const AUDIT_KINDS = ['policy', 'claim', 'fund', 'member'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export class GetAuditTrailQuery {
  constructor(
    readonly kind: AuditKind,
    readonly id: string,
    readonly knownAt: Instant,
    /** When given, only events effective on or before it. */
    readonly asOf: IsoDate | undefined,
  ) {}
}

export interface AuditEventView {
  commandId: string;
  type: string;
  v: number;
  effectiveDate: IsoDate;
  recordedAt: Instant;
  /** The month it is booked in: its effective month, or the first open month if that was closed when recorded. */
  bookingPeriod: Period;
  actor: string;
  payload: Record<string, unknown>;
  journal: { lines: JournalLine[] };
  /** On a reversal's event: the command it reverses. */
  reverses?: string;
  /** On an event whose command was reversed (as known at knownAt): the reversal's command. */
  reversedBy?: string;
}

export interface AuditTrailView {
  kind: AuditKind;
  id: string;
  knownAt: Instant;
  asOf?: IsoDate;
  events: AuditEventView[];
}

/** Every event of one entity in record order, as stored (after upcasting), as known at knownAt. */
@QueryHandler(GetAuditTrailQuery)
export class GetAuditTrailHandler implements IQueryHandler<GetAuditTrailQuery, AuditTrailView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ kind, id, knownAt, asOf }: GetAuditTrailQuery): Promise<AuditTrailView> {
    const events: AuditEventView[] = [];
    const trail: RecordedEvent[] = [];
    // A reversal and the command it reverses are on the same entity's trail: link them both ways.
    const reversedBy = new Map<string, string>();
    for (const e of this.ledger.projections.auditTrail(kind, id) ?? []) {
      if (e.recordedAt > knownAt) break;
      trail.push(e);
      const reversed = reversedCommandOf(e);
      if (reversed !== undefined) reversedBy.set(reversed, e.commandId);
    }
    const known = trail.length > 0;
    for (const e of trail) {
      if (asOf !== undefined && e.effectiveDate > asOf) continue;
      const reverses = reversedCommandOf(e);
      const reversal = reversedBy.get(e.commandId);
      events.push({
        commandId: e.commandId,
        type: e.type,
        v: e.v,
        effectiveDate: e.effectiveDate,
        recordedAt: e.recordedAt,
        bookingPeriod: e.bookingPeriod,
        actor: e.actor,
        payload: e.payload,
        journal: { lines: e.journal.lines },
        ...(reverses !== undefined ? { reverses } : {}),
        ...(reversal !== undefined ? { reversedBy: reversal } : {}),
      });
    }
    // Unknown at knownAt: 404. Known, but nothing effective by asOf: an empty trail.
    if (!known) throw new NotFoundError(kind, id);
    return asOf === undefined ? { kind, id, knownAt, events } : { kind, id, knownAt, asOf, events };
  }
}
