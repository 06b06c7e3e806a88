import { CancelPolicyBodySchema, decideCancelPolicy, type CancelPolicy } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class CancelPolicyCommand {
  constructor(
    readonly command: CancelPolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/cancellation (underwriter): cancels the policy effective effectiveDate (pro-rata or short-rate). */
export const CANCEL_POLICY = entityCommandRoute({
  pattern: /^\/v1\/policies\/([^/]+)\/cancellation$/,
  roles: ['underwriter'],
  kind: 'policy',
  summary: 'Cancel a policy from effectiveDate, pro-rata or short-rate (factor default 0.900000).',
  body: CancelPolicyBodySchema,
  example: { commandId: '1d2e3f405162738495a6b7c8d9eaf10c', effectiveDate: '2026-10-01', method: 'short-rate', shortRateFactor: '0.900000' },
  idField: 'policyId',
  parse: (body, policyId): CancelPolicy => ({ ...parseBody(CancelPolicyBodySchema, body), policyId }),
  make: (command, meta) => new CancelPolicyCommand(command, meta),
  decide: decideCancelPolicy,
});
