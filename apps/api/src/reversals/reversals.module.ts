import { Module } from '@nestjs/common';

import { LedgerService } from '../ledger/ledger.service';
import { ReverseCommandRoute } from './reverse-command/reverse-command.command';
import { ReverseCommandController } from './reverse-command/reverse-command.controller';
import { ReverseCommandHandler } from './reverse-command/reverse-command.handler';

/** Reversals: the money of an earlier accepted command taken back, on its own date. */
@Module({
  controllers: [ReverseCommandController],
  providers: [
    { provide: ReverseCommandRoute, useFactory: (ledger: LedgerService) => new ReverseCommandRoute((commandId) => ledger.store.outcome(commandId)), inject: [LedgerService] },
    ReverseCommandHandler,
  ],
  exports: [ReverseCommandRoute],
})
export class ReversalsModule {}
