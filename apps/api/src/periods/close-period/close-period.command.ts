import { Injectable } from '@nestjs/common';
import { ClosePeriodBodySchema, decideClosePeriod, postedTrueUps, type ClosePeriodBody, type Period, type PolicyState } from '@app/domain';

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
 * POST /v1/periods/{period}/close (finance): closes the month and every
 * earlier open one, and posts the earned-premium true-up per currency (one
 * UPR / change-in-UPR pair each: the record does not grow with policies).
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
  readonly summary = 'Close a month and every earlier open one; posts the earned-premium true-up per currency.';
  readonly body = ClosePeriodBodySchema;
  readonly example = { commandId: '3c4d5e6f708192a3b4c5d6e7f8091a2b' };

  parse([period]: string[], meta: CommandMeta): ClosePeriodCommand {
    const month = parsePeriodParam(period, 'period');
    return new ClosePeriodCommand(month, parseBody(this.body, meta.body), meta);
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
        const policies: PolicyState[] = [];
        for (const id of state.policyIds()) {
          const policy = state.policy(id);
          if (policy) policies.push(policy);
        }
        return decideClosePeriod(state.store.calendar, period, { policies, posted });
      },
      stampFields: (recordedAt) => ({ closedAt: recordedAt }),
    };
  }
}
