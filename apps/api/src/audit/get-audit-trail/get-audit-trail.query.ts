import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, type Instant, type IsoDate, type JournalLine, type Period } from '@app/domain';

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
    let known = false;
    for (const e of this.ledger.projections.auditTrail(kind, id) ?? []) {
      if (e.recordedAt > knownAt) break;
      known = true;
      if (asOf !== undefined && e.effectiveDate > asOf) continue;
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
      });
    }
    // Unknown at knownAt: 404. Known, but nothing effective by asOf: an empty trail.
    if (!known) throw new NotFoundError(kind, id);
    return asOf === undefined ? { kind, id, knownAt, events } : { kind, id, knownAt, asOf, events };
  }
}
