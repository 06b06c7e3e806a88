import { RecordPremiumPaymentBodySchema, decideRecordPremiumPayment, type RecordPremiumPayment } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class RecordPremiumPaymentCommand {
  constructor(
    readonly command: RecordPremiumPayment,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/payments (underwriter): records premium cash received. */
export const RECORD_PREMIUM_PAYMENT = entityCommandRoute({
  pattern: /^\/v1\/policies\/([^/]+)\/payments$/,
  roles: ['underwriter'],
  kind: 'policy',
  summary: 'Record premium cash received for a policy.',
  body: RecordPremiumPaymentBodySchema,
  example: { commandId: '2e3f405162738495a6b7c8d9eaf10c1d', amount: '1500.00', receivedDate: '2026-01-15' },
  idField: 'policyId',
  parse: (body, policyId): RecordPremiumPayment => ({ ...parseBody(RecordPremiumPaymentBodySchema, body), policyId }),
  make: (command, meta) => new RecordPremiumPaymentCommand(command, meta),
  decide: decideRecordPremiumPayment,
});
