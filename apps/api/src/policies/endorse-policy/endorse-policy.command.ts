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
  idField: 'policyId',
  parse: (body, policyId): EndorsePolicy => ({ ...parseBody(EndorsePolicyBodySchema, body), policyId }),
  make: (command, meta) => new EndorsePolicyCommand(command, meta),
  decide: decideEndorsePolicy,
});
