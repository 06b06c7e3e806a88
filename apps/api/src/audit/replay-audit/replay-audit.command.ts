import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReplayAuditResult } from '@app/read-model';
import { z } from 'zod';

import { LedgerService } from '../../ledger/ledger.service';

/** POST /v1/audits/replay takes an empty object: there is nothing to choose. */
export const ReplayAuditBodySchema = z.strictObject({});

export class ReplayAuditCommand {}

/**
 * Rebuilds every projection from the log's first record (checksums and chain
 * verified as it is read) and compares the state hash with the live one.
 * Not a ledger command: it records nothing and changes nothing.
 */
@CommandHandler(ReplayAuditCommand)
export class ReplayAuditHandler implements ICommandHandler<ReplayAuditCommand, ReplayAuditResult> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  execute(): Promise<ReplayAuditResult> {
    return this.ledger.replayAudit();
  }
}
