// Property tests of the claim rules over random (also back-dated, also
// refused) movements, seeded so a failure replays.
import fc from 'fast-check';
import { type IsoDate, addDays } from '../common/dates';
import { Decimal } from '../common/decimal';
import type { Decision, DomainEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import { COMMAND_ID, applyDecision, boundPolicy, consecutiveDates, creditBalance, tryDecide } from '../nonlife/test-support';
import { claimAccounts } from './accounts';
import { type ClaimState, claimFigures, decideChangeReserve, decideCloseClaim, decideOpenClaim, decidePayClaim, evolveClaim } from './claim';

const RUNS = { seed: 20250312, numRuns: 250 };
const policy = boundPolicy().state; // 2025
const REPORTED = '2025-03-12';
const HORIZON = 200; // days after the report the movements fall in

type Step = { kind: 'change' | 'pay' | 'close'; day: number; cents: number };

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom<Step['kind']>('change', 'change', 'pay', 'pay', 'close'),
  day: fc.integer({ min: -3, max: HORIZON }),
  cents: fc.integer({ min: -500_000, max: 1_000_000 }).filter((c) => c !== 0),
});

const scriptArb = fc.record({
  initialCents: fc.integer({ min: 0, max: 2_000_000 }),
  steps: fc.array(stepArb, { maxLength: 14 }),
});

function decide(claim: ClaimState, step: Step): Decision | undefined {
  const effectiveDate = addDays(REPORTED, step.day);
  const amount = new Decimal(step.cents).div(100);
  const base = { commandId: COMMAND_ID, claimId: claim.claimId, effectiveDate };
  switch (step.kind) {
    case 'change':
      return tryDecide(() => decideChangeReserve(claim, { ...base, change: amount }));
    case 'pay':
      return tryDecide(() => decidePayClaim(claim, { ...base, amount: amount.abs() }));
    case 'close':
      return tryDecide(() => decideCloseClaim(claim, base));
  }
}

function play(script: { initialCents: number; steps: Step[] }) {
  const opened = decideOpenClaim(undefined, policy, {
    commandId: COMMAND_ID,
    claimId: 'C-1',
    policyId: policy.policyId,
    lossDate: '2025-03-01',
    reportedDate: REPORTED,
    initialReserve: new Decimal(script.initialCents).div(100),
  });
  let state = applyDecision<ClaimState>(undefined, opened, evolveClaim);
  const events: DomainEvent[] = [...opened.events];
  for (const step of script.steps) {
    const decision = decide(state, step);
    if (!decision) continue;
    state = applyDecision(state, decision, evolveClaim);
    events.push(...decision.events);
  }
  return { state, events };
}

const everyDate = (): IsoDate[] => consecutiveDates(addDays(REPORTED, -2), HORIZON + 5);

function check(holds: boolean, what: () => string): void {
  if (!holds) throw new Error(what());
}

describe('claim properties', () => {
  it('reserve and paid never go negative, and the figures follow the report identities on every date', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { state } = play(script);
        for (const asOf of everyDate()) {
          const f = claimFigures(state, asOf);
          check(!f.reserve.isNegative() && !f.paid.isNegative(), () => `negative on ${asOf}: ${JSON.stringify(f)}`);
          check(f.reserve.eq(f.newReserve.plus(f.reserveChanges).minus(f.paid)), () => `reserve identity on ${asOf}`);
          check(f.incurred.eq(f.paid.plus(f.reserve)), () => `incurred identity on ${asOf}`);
          if (f.status === 'closed') check(f.reserve.isZero(), () => `reserve left after the close on ${asOf}`);
        }
      }),
      RUNS,
    );
  });

  it('every journal entry balances, and the reserve and paid accounts tie to the figures on every date', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { state, events } = play(script);
        for (const event of events) assertBalanced(event.journal);
        const accounts = claimAccounts(state.claimId, state.currency);
        for (const asOf of everyDate()) {
          const f = claimFigures(state, asOf);
          const reserve = creditBalance(events, accounts.claimsReserve, asOf);
          const paid = creditBalance(events, accounts.claimsPaid, asOf).neg();
          check(reserve.eq(f.reserve), () => `claims reserve account ${reserve} != ${f.reserve} on ${asOf}`);
          check(paid.eq(f.paid), () => `claims paid account ${paid} != ${f.paid} on ${asOf}`);
        }
      }),
      RUNS,
    );
  });
});
