// Property tests of the premium rules over random policies and random command
// sequences (seeded, so a failure replays). Refused commands are part of the
// sequences: a DomainError just leaves the state as it was.
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { type IsoDate, addDays, daysBetween } from '../common/dates';
import { Decimal, ZERO } from '../common/decimal';
import type { Decision, DomainEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import { policyAccounts } from './accounts';
import {
  type PolicyState,
  decideCancelPolicy,
  decideEndorsePolicy,
  decideRecordPremiumPayment,
  earnedTrueUp,
  evolvePolicy,
  policyFigures,
} from './policy';
import {
  applyDecision,
  boundPolicy,
  cancelCommand,
  consecutiveDates,
  creditBalance,
  endorseCommand,
  paymentCommand,
  tryDecide,
} from './test-support';

const RUNS = { seed: 20250101, numRuns: 250 };
const cents = (n: number) => new Decimal(n).div(100);

type Step =
  | { kind: 'endorse'; day: number; cents: number }
  | { kind: 'cancel'; day: number; factor: number | null }
  | { kind: 'pay'; day: number; cents: number };

interface Script {
  start: IsoDate;
  end: IsoDate;
  premiumCents: number;
  steps: Step[];
}

const startArb = fc.integer({ min: 0, max: 3650 }).map((n) => addDays('2020-01-01', n));

/** Steps on days relative to the term start; some fall outside the term on purpose. */
function stepArb(days: number): fc.Arbitrary<Step> {
  const day = fc.integer({ min: -3, max: days + 3 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('endorse' as const), day, cents: fc.integer({ min: -300_000_00, max: 300_000_00 }).filter((c) => c !== 0) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), day, factor: fc.option(fc.integer({ min: 1, max: 1_000_000 })) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('pay' as const), day: fc.integer({ min: -60, max: days + 60 }), cents: fc.integer({ min: 1, max: 500_000_00 }) }) },
  );
}

function scriptArb(termArb: fc.Arbitrary<{ start: IsoDate; end: IsoDate }>): fc.Arbitrary<Script> {
  return termArb.chain(({ start, end }) =>
    fc.record({
      start: fc.constant(start),
      end: fc.constant(end),
      premiumCents: fc.integer({ min: 0, max: 1_000_000_00 }),
      steps: fc.array(stepArb(daysBetween(start, end)), { maxLength: 10 }),
    }),
  );
}

const anyTerm = fc.record({ start: startArb, days: fc.integer({ min: 1, max: 500 }) }).map(({ start, days }) => ({ start, end: addDays(start, days) }));
const policyYear = startArb.map((start) => ({ start, end: Temporal.PlainDate.from(start).add({ years: 1 }).toString() }));

function decide(state: PolicyState, step: Step, start: IsoDate): Decision | undefined {
  const date = addDays(start, step.day);
  switch (step.kind) {
    case 'endorse':
      return tryDecide(() => decideEndorsePolicy(state, endorseCommand(date, cents(step.cents).toFixed(2))));
    case 'cancel':
      return tryDecide(() => decideCancelPolicy(state, cancelCommand(date, step.factor === null ? undefined : new Decimal(step.factor).div(1e6).toFixed(6))));
    case 'pay':
      return tryDecide(() => decideRecordPremiumPayment(state, paymentCommand(date, cents(step.cents).toFixed(2))));
  }
}

interface Run {
  state: PolicyState;
  events: DomainEvent[];
  decisions: Decision[];
}

function play(script: Script): Run {
  const bound = boundPolicy({ term: { start: script.start, end: script.end }, premium: cents(script.premiumCents) });
  let state = bound.state;
  const events = [...bound.events];
  const decisions: Decision[] = [];
  for (const step of script.steps) {
    const decision = decide(state, step, script.start);
    if (!decision) continue;
    state = applyDecision(state, decision, evolvePolicy);
    events.push(...decision.events);
    decisions.push(decision);
  }
  return { state, events, decisions };
}

/** Every date from two days before the term to two days after it. */
function everyDate(state: PolicyState): IsoDate[] {
  return consecutiveDates(addDays(state.term.start, -2), daysBetween(state.term.start, state.term.end) + 5);
}

/** Effective dates in record order never go back: the case where every (asOf) cut of the journal ties. */
function inEffectiveOrder(events: readonly DomainEvent[]): boolean {
  const premiumEvents = events.filter((e) => e.type !== 'PremiumPaymentReceived');
  return premiumEvents.every((e, i) => i === 0 || e.effectiveDate >= premiumEvents[i - 1].effectiveDate);
}

/** A plain assertion for hot loops (jest's expect costs more than the figures it checks). */
function check(holds: boolean, what: () => string): void {
  if (!holds) throw new Error(what());
}

const writtenAccount = (state: PolicyState) => policyAccounts(state.policyId, state.currency).writtenPremium;

describe('premium properties', () => {
  it('quarterly earned premium over a policy year sums exactly to the year earned, which is its written premium', () => {
    fc.assert(
      fc.property(scriptArb(policyYear), (script) => {
        const { state } = play(script);
        const quarterEnds = [1, 2, 3, 4].map((q) => addDays(Temporal.PlainDate.from(script.start).add({ months: 3 * q }).toString(), -1));
        let previous = ZERO;
        let total = ZERO;
        for (const quarterEnd of quarterEnds) {
          const cumulative = earnedTrueUp(state, quarterEnd);
          total = total.plus(cumulative.minus(previous));
          previous = cumulative;
        }
        const yearEnd = addDays(script.end, -1);
        expect(total.toFixed(2)).toBe(policyFigures(state, yearEnd).earned.toFixed(2));
        expect(total.toFixed(2)).toBe(policyFigures(state, yearEnd).written.toFixed(2));
      }),
      RUNS,
    );
  });

  it('written = earned + unearned, and nothing is negative, on every date', () => {
    fc.assert(
      fc.property(scriptArb(anyTerm), (script) => {
        const { state } = play(script);
        for (const asOf of everyDate(state)) {
          const f = policyFigures(state, asOf);
          check(f.written.eq(f.earned.plus(f.unearned)), () => `written != earned + unearned on ${asOf}`);
          for (const figure of [f.written, f.earned, f.unearned, f.received]) {
            check(!figure.isNegative(), () => `a figure is negative on ${asOf}: ${JSON.stringify(f)}`);
          }
        }
      }),
      RUNS,
    );
  });

  it('earned premium never decreases without a cancellation, and is all of written at the term end', () => {
    fc.assert(
      fc.property(scriptArb(anyTerm), (script) => {
        const { state } = play({ ...script, steps: script.steps.filter((s) => s.kind !== 'cancel') });
        let previous = ZERO;
        for (const asOf of everyDate(state)) {
          const { earned } = policyFigures(state, asOf);
          check(earned.gte(previous), () => `earned falls on ${asOf}`);
          previous = earned;
        }
        expect(policyFigures(state, state.term.end).unearned.isZero()).toBe(true);
      }),
      RUNS,
    );
  });

  it('every journal entry of every decision balances, and every response field is a string', () => {
    fc.assert(
      fc.property(scriptArb(anyTerm), (script) => {
        const { events, decisions } = play(script);
        for (const event of events) assertBalanced(event.journal, event.effectiveDate);
        for (const decision of decisions) {
          for (const value of Object.values(decision.result)) expect(typeof value).toBe('string');
        }
      }),
      RUNS,
    );
  });

  it("the written-premium postings of a policy's events sum to its rounded written premium", () => {
    fc.assert(
      fc.property(scriptArb(anyTerm), (script) => {
        const { state, events } = play(script);
        const account = writtenAccount(state);
        // Known now, valid once every event is effective.
        expect(creditBalance(events, account).toFixed(2)).toBe(policyFigures(state, '9999-12-31').written.toFixed(2));
      }),
      RUNS,
    );
  });

  it('in effective-date order, the written premium and UPR accounts tie to the figures on every date', () => {
    const ordered = scriptArb(anyTerm).map((script) => ({
      ...script,
      // Premium changes in date order, the cancellation (if any) last: how most policies live.
      steps: [...script.steps].sort((a, b) => (a.kind === 'cancel' ? 1 : 0) - (b.kind === 'cancel' ? 1 : 0) || a.day - b.day),
    }));
    fc.assert(
      fc.property(ordered, (script) => {
        const { state, events } = play(script);
        fc.pre(inEffectiveOrder(events));
        const accounts = policyAccounts(state.policyId, state.currency);
        for (const asOf of everyDate(state)) {
          const f = policyFigures(state, asOf);
          const written = creditBalance(events, accounts.writtenPremium, asOf);
          check(written.eq(f.written), () => `written premium account ${written} != ${f.written} on ${asOf}`);
          // The period close posts earned premium out of the UPR: what is left is the unearned premium.
          const upr = creditBalance(events, accounts.upr, asOf).minus(earnedTrueUp(state, asOf));
          check(upr.eq(f.unearned), () => `UPR account after true-up ${upr} != ${f.unearned} on ${asOf}`);
        }
      }),
      RUNS,
    );
  });
});
