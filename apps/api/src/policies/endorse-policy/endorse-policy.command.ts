import { EndorsePolicyBodySchema, decideEndorsePolicy, type EndorsePolicy } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class EndorsePolicyCommand {
  constructor(
    readonly command: EndorsePolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/endorsements (underwriter): changes the full-term premium from effectiveDate. */
export const ENDORSE_POLICY = entityCommandRoute({
  pattern: /^\/v1\/policies\/([^/]+)\/endorsements$/,
  roles: ['underwriter'],
  kind: 'policy',
  summary: 'Endorse a policy: change its full-term premium from effectiveDate.',
  body: EndorsePolicyBodySchema,
  example: { commandId: '0c1d2e3f405162738495a6b7c8d9eaf1', effectiveDate: '2026-07-15', annualPremiumChange: '2000.00' },
  idField: 'policyId',
  parse: (body, policyId): EndorsePolicy => ({ ...parseBody(EndorsePolicyBodySchema, body), policyId }),
  make: (command, meta) => new EndorsePolicyCommand(command, meta),
  decide: decideEndorsePolicy,
});
