import { WithdrawBodySchema, decideWithdraw, type Withdraw } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta } from '../../ledger/command-route';
import { memberDealingRoute } from '../member-dealing';

export class WithdrawCommand {
  constructor(
    readonly command: Withdraw,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/members/{memberId}/withdrawals (pensions): cancels units of a fund at the NAV of the withdrawal's date and pays their money out. */
export const WITHDRAW = memberDealingRoute({
  pattern: /^\/v1\/members\/([^/]+)\/withdrawals$/,
  summary: "Withdraw from a member's account (benefit, lump-sum, transfer-out): units of a fund cancelled at the NAV struck for effectiveDate, their money paid out.",
  body: WithdrawBodySchema,
  example: { commandId: '92a3b4c5d6e7f8091a2b3c4d5e6f7081', fundId: 'F-1', units: '100.000000', effectiveDate: '2026-03-31', kind: 'benefit' },
  parse: (body, memberId): Withdraw => ({ ...parseBody(WithdrawBodySchema, body), memberId }),
  make: (command, meta) => new WithdrawCommand(command, meta),
  fundIds: (command) => [command.fundId],
  decide: (member, [fund], command) => decideWithdraw(member, fund, command),
});
