import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isPeriodClosedEvent, parsePeriodClosedEvent, type Instant, type Period } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

export class GetPeriodQuery {
  constructor(
    readonly period: Period,
    readonly knownAt: Instant,
  ) {}
}

export interface PeriodView {
  period: Period;
  status: 'open' | 'closed';
  /** The recordedAt of the close that sealed it (closing a later month seals every earlier open one). */
  closedAt?: Instant;
  /** The actor of that close. */
  closedBy?: string;
  knownAt: Instant;
}

/**
 * A month's status as known at `knownAt`, read from the durable closes (the
 * PeriodClosed events applied to the projections), never from a close that
 * is stamped but not yet acknowledged.
 */
@QueryHandler(GetPeriodQuery)
export class GetPeriodHandler implements IQueryHandler<GetPeriodQuery, PeriodView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ period, knownAt }: GetPeriodQuery): Promise<PeriodView> {
    for (const event of this.ledger.projections.auditTrail('ledger', 'periods') ?? []) {
      if (event.recordedAt > knownAt) break;
      if (!isPeriodClosedEvent(event)) continue;
      if (period <= parsePeriodClosedEvent(event).payload.through) {
        return { period, status: 'closed', closedAt: event.recordedAt, closedBy: event.actor, knownAt };
      }
    }
    return { period, status: 'open', knownAt };
  }
}
