import { Inject, Injectable } from '@nestjs/common';
import { ClosePeriodBodySchema, decideClosePeriod, postedTrueUp, postedTrueUps, type ClosePeriodBody, type Decision, type Period } from '@app/domain';

import { parseBody, parsePeriodParam } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';
import type { CommandRequest } from '../../ledger/command-pipeline';
import { LedgerService } from '../../ledger/ledger.service';

export class ClosePeriodCommand {
  constructor(
    readonly period: Period,
    readonly command: ClosePeriodBody,
    readonly meta: CommandMeta,
  ) {}
}

export const PERIODS_KEY = 'ledger/periods';

/**
 * A close is one log record, and the WAL takes records of at most 1 MiB
 * (kRecordBytesMax); an append it refuses fail-stops the whole ledger. Its
 * journal has one line per policy with a true-up (~80-140 bytes): about
 * 7,000-12,000 policies fit. Past this budget (the rest of the record, with
 * its envelope and response, is a few KiB) the close is refused before it is
 * stamped: a 500, nothing recorded, the ledger still up.
 */
export const CLOSE_RECORD_BUDGET_BYTES = 1024 * 1024 - 16 * 1024;

export class PeriodCloseTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`the close would be a log record of ${bytes} bytes, over the ${CLOSE_RECORD_BUDGET_BYTES}-byte budget of one record`);
    this.name = 'PeriodCloseTooLargeError';
  }
}

function fitsOneRecord(decision: Decision): Decision {
  const bytes = Buffer.byteLength(JSON.stringify(decision.events)) + Buffer.byteLength(JSON.stringify(decision.result));
  if (bytes > CLOSE_RECORD_BUDGET_BYTES) throw new PeriodCloseTooLargeError(bytes);
  return decision;
}

/**
 * POST /v1/periods/{period}/close (finance): closes the month and every
 * earlier open one, and posts the earned-premium true-up of every policy.
 *
 * Unlike the entity commands, its locks depend on the ledger: the close reads
 * every policy, so it holds `ledger/periods` (closes are serialized and
 * ordered on it) and the lock of every policy known when the request is
 * built; while it holds them, no command on those policies is in flight, so
 * each true-up sees every event recorded before the close. A policy created
 * by an earlier command of the same batch is read too (the batch holds its
 * lock). A policy bound by a concurrent request after this one was built is
 * not read (its lock is not held): its earned premium is posted by the next
 * close, which always posts what earlier closes left out.
 */
@Injectable()
export class ClosePeriodRoute implements CommandRoute<ClosePeriodCommand> {
  readonly pattern = /^\/v1\/periods\/([^/]+)\/close$/;
  readonly roles = ['finance' as const];

  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  parse([period]: string[], meta: CommandMeta): ClosePeriodCommand {
    const month = parsePeriodParam(period, 'period');
    return new ClosePeriodCommand(month, parseBody(ClosePeriodBodySchema, meta.body), meta);
  }

  request({ period, command, meta }: ClosePeriodCommand): CommandRequest {
    const applied = this.ledger.projections.policies;
    const locked = new Set(applied.ids());
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [PERIODS_KEY, ...[...locked].map((id) => `policy/${id}`)],
      partitionKey: PERIODS_KEY,
      decide: (state) => {
        // What earlier closes posted, from the log (this batch's earlier closes included).
        const posted = postedTrueUps(state.trail('ledger', 'periods'));
        const bases = [];
        for (const id of state.policyIds()) {
          // Locked, or created earlier in this batch (not applied yet, locked by the batch).
          if (!locked.has(id) && applied.get(id) !== undefined) continue;
          const policy = state.policy(id);
          if (policy) bases.push({ policy, posted: postedTrueUp(posted, policy) });
        }
        return fitsOneRecord(decideClosePeriod(state.store.calendar, period, bases));
      },
      stampFields: (recordedAt) => ({ closedAt: recordedAt }),
    };
  }
}
