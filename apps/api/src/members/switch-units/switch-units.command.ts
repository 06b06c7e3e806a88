import { SwitchBodySchema, decideSwitch, type Switch } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta } from '../../ledger/command-route';
import { memberDealingRoute } from '../member-dealing';

export class SwitchUnitsCommand {
  constructor(
    readonly command: Switch,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/members/{memberId}/switches (pensions): sells units of one fund and buys another with the proceeds, on one date. */
export const SWITCH_UNITS = memberDealingRoute({
  pattern: /^\/v1\/members\/([^/]+)\/switches$/,
  summary: 'Switch units between two funds of one currency, at both NAVs struck for effectiveDate.',
  body: SwitchBodySchema,
  example: { commandId: '8192a3b4c5d6e7f8091a2b3c4d5e6f70', fromFundId: 'F-1', toFundId: 'F-2', units: '250.000000', effectiveDate: '2026-03-31' },
  parse: (body, memberId): Switch => ({ ...parseBody(SwitchBodySchema, body), memberId }),
  make: (command, meta) => new SwitchUnitsCommand(command, meta),
  fundIds: (command) => [command.fromFundId, command.toFundId],
  decide: (member, [fromFund, toFund], command) => decideSwitch(member, fromFund, toFund, command),
});
