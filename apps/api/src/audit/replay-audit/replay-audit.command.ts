import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { z } from 'zod';

import { ReplayAudits, type AuditView } from './replay-audits';

/** POST /v1/audits/replay takes an empty object: there is nothing to choose. */
export const ReplayAuditBodySchema = z.strictObject({});

export class ReplayAuditCommand {}

/**
 * Starts the replay audit in a worker thread (the log streamed through the
 * read model's checkpoint, checksums and chain verified, compared with what
 * the read model stores and the sums it kept; see libs/read-model's
 * replay-audit.ts), or returns the audit already running: one at a time.
 * Not a ledger command: it records nothing and changes nothing.
 */
@CommandHandler(ReplayAuditCommand)
export class ReplayAuditHandler implements ICommandHandler<ReplayAuditCommand, AuditView> {
  constructor(@Inject(ReplayAudits) private readonly audits: ReplayAudits) {}

  /** Rejects with NotReadyError (503 not_ready) while the ledger opens. */
  async execute(): Promise<AuditView> {
    return this.audits.start();
  }
}
