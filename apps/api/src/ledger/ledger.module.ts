import { Global, Module } from '@nestjs/common';

import { CommandPipeline } from './command-pipeline';
import { LedgerService } from './ledger.service';

/** The ledger and the command pipeline, injectable by every slice. */
@Global()
@Module({ providers: [LedgerService, CommandPipeline], exports: [LedgerService, CommandPipeline] })
export class LedgerModule {}
