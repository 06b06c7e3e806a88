import { NotFoundError, RecordPremiumPaymentBodySchema, decideRecordPremiumPayment, type RecordPremiumPayment } from '@app/domain';

import { parseBody, parseEntityId } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class RecordPremiumPaymentCommand {
  constructor(
    readonly command: RecordPremiumPayment,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/payments (underwriter): records premium cash received. */
export const RECORD_PREMIUM_PAYMENT: CommandRoute<RecordPremiumPaymentCommand> = {
  pattern: /^\/v1\/policies\/([^/]+)\/payments$/,
  roles: ['underwriter'],
  parse: ([policyId], meta) => {
    const id = parseEntityId(policyId, 'policyId');
    return new RecordPremiumPaymentCommand({ ...parseBody(RecordPremiumPaymentBodySchema, meta.body), policyId: id }, meta);
  },
  request: ({ command, meta }) => {
    const key = `policy/${command.policyId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [key],
      partitionKey: key,
      decide: (state) => {
        // Inside decide: an unknown policy is a recorded outcome of this commandId.
        const policy = state.policy(command.policyId);
        if (!policy) throw new NotFoundError('policy', command.policyId);
        return decideRecordPremiumPayment(policy, command);
      },
    };
  },
};
