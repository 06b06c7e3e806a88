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
  idField: 'policyId',
  parse: (body, policyId): RecordPremiumPayment => ({ ...parseBody(RecordPremiumPaymentBodySchema, body), policyId }),
  make: (command, meta) => new RecordPremiumPaymentCommand(command, meta),
  decide: decideRecordPremiumPayment,
});
