// 0002: FeeCharged v2 -> v3 and MemberFeeCharged v1 -> v2. A fee's rate may
// now be given as an annualRate with days and a dayCount instead of `rate`
// (domain-models/src/pensions/events.ts, FeeBasisFields): exactly one of the
// two forms. Every earlier payload carries `rate` and reads as the new
// version unchanged, so both steps return the payload as it is; the version
// tells a reader the payload may be of either form.
import type { Upcaster } from './index';

export const feeChargedV2toV3: Upcaster = (payload) => payload;

export const memberFeeChargedV1toV2: Upcaster = (payload) => payload;
