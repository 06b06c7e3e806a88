// 0003: ValuationStruck v1 -> v2. A v1 valuation struck the NAV and posted
// nothing, so after a market move the books no longer equalled the fund's
// net assets. v2 posts the gain or loss and revalues the unit liability
// (domain-models/src/pensions/fund.ts, valuationPosting) and records what it
// posted. A v1 valuation posted nothing: read as v2, it says so (zeros, no
// hand-back), so its journal and its payload still agree.
import type { Upcaster } from './index';

export const valuationStruckV1toV2: Upcaster = (payload) => ({ ...payload, gain: '0.00', revaluation: '0.00', rounding: '0.00' });
