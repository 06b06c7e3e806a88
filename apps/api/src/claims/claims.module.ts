import { Module } from '@nestjs/common';

import { ChangeReserveController } from './change-reserve/change-reserve.controller';
import { ChangeReserveHandler } from './change-reserve/change-reserve.handler';
import { CloseClaimController } from './close-claim/close-claim.controller';
import { CloseClaimHandler } from './close-claim/close-claim.handler';
import { GetClaimController } from './get-claim/get-claim.controller';
import { GetClaimHandler } from './get-claim/get-claim.query';
import { OpenClaimController } from './open-claim/open-claim.controller';
import { OpenClaimHandler } from './open-claim/open-claim.handler';
import { PayClaimController } from './pay-claim/pay-claim.controller';
import { PayClaimHandler } from './pay-claim/pay-claim.handler';
import { RecoverClaimController } from './recover-claim/recover-claim.controller';
import { RecoverClaimHandler } from './recover-claim/recover-claim.handler';
import { ReopenClaimController } from './reopen-claim/reopen-claim.controller';
import { ReopenClaimHandler } from './reopen-claim/reopen-claim.handler';

/** Claims on non-life policies: one folder per use case (command, handler, route, schema from @app/domain). */
@Module({
  controllers: [OpenClaimController, ChangeReserveController, PayClaimController, CloseClaimController, RecoverClaimController, ReopenClaimController, GetClaimController],
  providers: [OpenClaimHandler, ChangeReserveHandler, PayClaimHandler, CloseClaimHandler, RecoverClaimHandler, ReopenClaimHandler, GetClaimHandler],
})
export class ClaimsModule {}
