import { BindPolicySchema, decideBindPolicy, type BindPolicy } from '@app/domain';

import { parseBody } from '../../http/validation';
import { newEntityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class BindPolicyCommand {
  constructor(
    readonly command: BindPolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies (underwriter): binds a policy. */
export const BIND_POLICY = newEntityCommandRoute({
  pattern: /^\/v1\/policies$/,
  roles: ['underwriter'],
  kind: 'policy',
  summary: 'Bind a policy: holder, term (end exclusive) and full-term premium.',
  body: BindPolicySchema,
  example: {
    commandId: '7f3c2a9e8b1d4c6fa0e5b2d9c8a7f6e1',
    policyId: 'P-1',
    currency: 'EUR',
    holder: { name: 'Ann Smith' },
    term: { start: '2026-01-01', end: '2027-01-01' },
    premium: '3000.00',
  },
  id: (command: BindPolicy) => command.policyId,
  parse: (body) => parseBody(BindPolicySchema, body),
  make: (command, meta) => new BindPolicyCommand(command, meta),
  decide: (existing, command, recordDate) => decideBindPolicy(existing, command),
});
