// Property tests of the claim rules over random (also back-dated, also
// refused) movements, seeded so a failure replays.
import fc from 'fast-check';
import { type IsoDate, addDays } from '../common/dates';
import { Decimal } from '../common/decimal';
import type { Decision, DomainEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import { COMMAND_ID, applyDecision, boundPolicy, consecutiveDates, creditBalance, tryDecide } from '../nonlife/test-support';
import { claimAccounts } from './accounts';
import {
  type ClaimState,
  claimFigures,
  decideChangeReserve,
  decideCloseClaim,
  decideOpenClaim,
  decidePayClaim,
  decideRecoverClaim,
  decideReopenClaim,
  evolveClaim,
} from './claim';

const RUNS = { seed: 20250312, numRuns: 250 };
const policy = boundPolicy().state; // 2025
const REPORTED = '2025-03-12';
const HORIZON = 200; // days after the report the movements fall in

type Step = { kind: 'change' | 'pay' | 'close' | 'recover' | 'reopen'; day: number; cents: number };

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom<Step['kind']>('change', 'change', 'pay', 'pay', 'close', 'recover', 'reopen'),
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
    case 'recover':
      // Smaller amounts than payments, so that many recoveries fit within what was paid (and some do not).
      return tryDecide(() =>
        decideRecoverClaim(claim, { ...base, amount: new Decimal(Math.max(1, Math.floor(Math.abs(step.cents) / 8))).div(100), kind: step.cents % 2 === 0 ? 'subrogation' : 'salvage' }),
      );
    case 'reopen':
      return tryDecide(() => decideReopenClaim(claim, { ...base, reserve: amount.abs() }));
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
  it('reserve and paid never go negative, recoveries never pass paid, and the figures follow the report identities on every date', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { state } = play(script);
        for (const asOf of everyDate()) {
          const f = claimFigures(state, asOf);
          check(!f.reserve.isNegative() && !f.paid.isNegative(), () => `negative on ${asOf}: ${JSON.stringify(f)}`);
          check(f.reserve.eq(f.newReserve.plus(f.reserveChanges).minus(f.paid)), () => `reserve identity on ${asOf}`);
          check(f.incurred.eq(f.paid.plus(f.reserve).minus(f.recoveries)), () => `incurred identity on ${asOf}`);
          check(!f.recoveries.isNegative() && f.recoveries.lte(f.paid), () => `recoveries outside [0, paid] on ${asOf}: ${JSON.stringify(f)}`);
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
          const recovered = creditBalance(events, accounts.claimsRecoveries, asOf);
          check(reserve.eq(f.reserve), () => `claims reserve account ${reserve} != ${f.reserve} on ${asOf}`);
          check(paid.eq(f.paid), () => `claims paid account ${paid} != ${f.paid} on ${asOf}`);
          check(recovered.eq(f.recoveries), () => `claims recoveries account ${recovered} != ${f.recoveries} on ${asOf}`);
        }
      }),
      RUNS,
    );
  });

  it('the status on a date is that of the last close or reopen dated on or before it, and a reserve movement never falls in a closed spell', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { state, events } = play(script);
        const changes = events.filter((e) => e.type === 'ClaimClosed' || e.type === 'ClaimReopened');
        for (let i = 1; i < changes.length; i++) {
          check(changes[i].type !== changes[i - 1].type, () => `two ${changes[i].type} in a row`);
          check(changes[i].effectiveDate >= changes[i - 1].effectiveDate, () => `a status change dated before the previous one`);
        }
        for (const asOf of everyDate()) {
          const last = changes.filter((e) => e.effectiveDate <= asOf).pop();
          const expected = last?.type === 'ClaimClosed' ? 'closed' : 'open';
          check(claimFigures(state, asOf).status === expected, () => `status on ${asOf}`);
        }
        // Payments and reserve changes are dated in an open spell: after the last status change before them in record order.
        let spellStart: string | undefined;
        for (const e of events) {
          if (e.type === 'ClaimClosed' || e.type === 'ClaimReopened') spellStart = e.effectiveDate;
          else if ((e.type === 'ClaimPaid' || e.type === 'ClaimReserveChanged') && spellStart !== undefined) {
            check(e.effectiveDate >= spellStart, () => `${e.type} on ${e.effectiveDate} before the reopening on ${spellStart}`);
          }
        }
      }),
      RUNS,
    );
  });
});
