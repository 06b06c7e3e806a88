// A dealing of a member in one or more funds (a contribution, a switch): the
// route names the member (`/v1/members/{memberId}/...`), the body the funds.
// The member orders the command (its partition); the member and every fund
// named are locked while deciding, since the decision reads their holdings
// and NAVs and writes events on each of them in one durable record. An
// unknown member or fund is decided inside the locks, so its 404 is a
// recorded outcome of the commandId.
import { NotFoundError, type Decision, type FundState, type MemberState } from '@app/domain';

import { parseEntityId } from '../http/validation';
import type { CommandDoc, CommandMeta, CommandRoute } from '../ledger/command-route';

export function memberDealingRoute<T extends { commandId: string; memberId: string }, C extends { command: T; meta: CommandMeta }>(spec: CommandDoc & {
  pattern: RegExp;
  parse: (body: unknown, memberId: string) => T;
  make: (command: T, meta: CommandMeta) => C;
  /** The funds the command deals in, in the order `decide` takes them. */
  fundIds: (command: T) => string[];
  decide: (member: MemberState, funds: FundState[], command: T) => Decision;
}): CommandRoute<C> {
  return {
    pattern: spec.pattern,
    roles: ['pensions'],
    summary: spec.summary,
    body: spec.body,
    example: spec.example,
    parse: ([raw], meta) => spec.make(spec.parse(meta.body, parseEntityId(raw, 'memberId')), meta),
    request: ({ command, meta }) => {
      const key = `member/${command.memberId}`;
      const fundIds = spec.fundIds(command);
      return {
        path: meta.path,
        body: meta.body,
        commandId: command.commandId,
        actor: meta.actor.id,
        locks: [key, ...fundIds.map((id) => `fund/${id}`)],
        partitionKey: key,
        decide: (state) => {
          const member = state.member(command.memberId);
          if (!member) throw new NotFoundError('member', command.memberId);
          const funds = fundIds.map((id) => {
            const fund = state.fund(id);
            if (!fund) throw new NotFoundError('fund', id);
            return fund;
          });
          return spec.decide(member, funds, command);
        },
      };
    },
  };
}
