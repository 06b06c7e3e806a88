import { Injectable } from '@nestjs/common';
import { ClosePeriodBodySchema, decideClosePeriod, postedTrueUp, postedTrueUps, type ClosePeriodBody, type Decision, type Period } from '@app/domain';

import { parseBody, parsePeriodParam } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';
import type { CommandRequest } from '../../ledger/command-pipeline';

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
 * The close reads every policy. It holds `ledger/periods` (closes are
 * serialized on it) and is a barrier: it decides only once every command
 * stamped before it is durable and applied, while new commands wait, so no
 * policy is half-way through a command and one whose bind was still in
 * flight is trued up by this close too. A policy created by an earlier
 * command of the same batch is read from the batch's overlay.
 */
@Injectable()
export class ClosePeriodRoute implements CommandRoute<ClosePeriodCommand> {
  readonly pattern = /^\/v1\/periods\/([^/]+)\/close$/;
  readonly roles = ['finance' as const];

  parse([period]: string[], meta: CommandMeta): ClosePeriodCommand {
    const month = parsePeriodParam(period, 'period');
    return new ClosePeriodCommand(month, parseBody(ClosePeriodBodySchema, meta.body), meta);
  }

  request({ period, command, meta }: ClosePeriodCommand): CommandRequest {
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [PERIODS_KEY],
      partitionKey: PERIODS_KEY,
      barrier: true,
      decide: (state) => {
        // What earlier closes posted, from the log (this batch's earlier closes included).
        const posted = postedTrueUps(state.trail('ledger', 'periods'));
        const bases = [];
        for (const id of state.policyIds()) {
          const policy = state.policy(id);
          if (policy) bases.push({ policy, posted: postedTrueUp(posted, policy) });
        }
        return fitsOneRecord(decideClosePeriod(state.store.calendar, period, bases));
      },
      stampFields: (recordedAt) => ({ closedAt: recordedAt }),
    };
  }
}
