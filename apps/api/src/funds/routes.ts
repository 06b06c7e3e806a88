// Every command route of the funds area, for /v1/batch (which checks and
// runs each command exactly as its own controller would).
import type { CommandRoute } from '../ledger/command-route';
import { CHARGE_FEE } from './charge-fee/charge-fee.command';
import { LAUNCH_FUND } from './launch-fund/launch-fund.command';
import { CORRECT_VALUATION } from './correct-valuation/correct-valuation.command';
import { SETTLE_FEES } from './settle-fees/settle-fees.command';
import { STRIKE_VALUATION } from './strike-valuation/strike-valuation.command';

export const FUND_COMMAND_ROUTES: readonly CommandRoute<unknown>[] = [LAUNCH_FUND, STRIKE_VALUATION, CHARGE_FEE, SETTLE_FEES, CORRECT_VALUATION];
