// Every command route of the claims area, for /v1/batch (which checks and
// runs each command exactly as its own controller would).
import type { CommandRoute } from '../ledger/command-route';
import { CHANGE_RESERVE } from './change-reserve/change-reserve.command';
import { CLOSE_CLAIM } from './close-claim/close-claim.command';
import { OPEN_CLAIM } from './open-claim/open-claim.command';
import { PAY_CLAIM } from './pay-claim/pay-claim.command';
import { RECOVER_CLAIM } from './recover-claim/recover-claim.command';
import { REOPEN_CLAIM } from './reopen-claim/reopen-claim.command';

export const CLAIM_COMMAND_ROUTES: readonly CommandRoute<unknown>[] = [OPEN_CLAIM, CHANGE_RESERVE, PAY_CLAIM, CLOSE_CLAIM, RECOVER_CLAIM, REOPEN_CLAIM];
