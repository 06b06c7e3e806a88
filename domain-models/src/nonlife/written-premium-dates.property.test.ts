// The written premium and UPR postings of a policy tie to its figures on every
// date, as known after every event, whatever the order the endorsements are
// recorded in (back-dated ones included) and with or without a cancellation:
// each event posts its change of the rounded written premium on each date the
// written figure moves (journal lines with their own effectiveDate).
import fc from 'fast-check';
import { type IsoDate, addDays, daysBetween } from '../common/dates';
import { Decimal, ZERO } from '../common/decimal';
import type { DomainEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import { policyAccounts } from './accounts';
import { type PolicyState, decideCancelPolicy, decideEndorsePolicy, evolvePolicy, policyFigures, writtenPremiumChanges } from './policy';
import { applyDecision, boundPolicy, cancelCommand, consecutiveDates, creditBalance, endorseCommand, tryDecide } from './test-support';

const cents = (n: number) => new Decimal(n).div(100);

type Step = { kind: 'endorse'; day: number; cents: number } | { kind: 'cancel'; day: number; factor: number | null };

interface Script {
  start: IsoDate;
  days: number;
  premiumCents: number;
  steps: Step[];
}

// Short terms and odd amounts: many layers whose rounded sums differ from the sum of their roundings.
const scriptArb: fc.Arbitrary<Script> = fc
  .record({ start: fc.integer({ min: 0, max: 2000 }).map((n) => addDays('2024-01-01', n)), days: fc.integer({ min: 1, max: 120 }) })
  .chain(({ start, days }) =>
    fc.record({
      start: fc.constant(start),
      days: fc.constant(days),
      premiumCents: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000_000 })),
      steps: fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.record({ kind: fc.constant('endorse' as const), day: fc.integer({ min: 0, max: days - 1 }), cents: fc.integer({ min: -5_000_000, max: 5_000_000 }).filter((c) => c !== 0) }) },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), day: fc.integer({ min: 0, max: days - 1 }), factor: fc.option(fc.integer({ min: 1, max: 1_000_000 })) }) },
        ),
        { maxLength: 12 },
      ),
    }),
  );

/** Bind, then every step in script order (effective dates in random order); refused steps are skipped. */
function play(script: Script): { states: PolicyState[]; events: DomainEvent[] } {
  const end = addDays(script.start, script.days);
  const bound = boundPolicy({ term: { start: script.start, end }, premium: cents(script.premiumCents) });
  let state = bound.state;
  const states = [state];
  const events = [...bound.events];
  for (const step of script.steps) {
    const date = addDays(script.start, step.day);
    const decision = tryDecide(() =>
      step.kind === 'endorse'
        ? decideEndorsePolicy(state, endorseCommand(date, cents(step.cents).toFixed(2)))
        : decideCancelPolicy(state, cancelCommand(date, step.factor === null ? undefined : new Decimal(step.factor).div(1e6).toFixed(6))),
    );
    if (!decision) continue;
    state = applyDecision(state, decision, evolvePolicy);
    states.push(state);
    events.push(...decision.events);
  }
  return { states, events };
}

function check(holds: boolean, what: () => string): void {
  if (!holds) throw new Error(what());
}

describe('dated written-premium postings', () => {
  it('tie to the written premium on every date V as known after every event (K), and every date of every entry balances', () => {
    let outOfOrder = 0;
    let datedLines = 0;
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { states, events } = play(script);
        const final = states[states.length - 1];
        const accounts = policyAccounts(final.policyId, final.currency);
        check(accounts.upr === `upr:${final.currency}`, () => `UPR ${accounts.upr} is not the currency's`);
        const dates = consecutiveDates(addDays(final.term.start, -2), daysBetween(final.term.start, final.term.end) + 4);
        for (const event of events) {
          assertBalanced(event.journal, event.effectiveDate);
          // Independently: per date and currency, debits = credits.
          const net = new Map<string, Decimal>();
          for (const line of event.journal.lines) {
            const date = line.effectiveDate ?? event.effectiveDate;
            check(date >= event.effectiveDate, () => `line dated ${date} before its event ${event.effectiveDate}`);
            if (line.effectiveDate !== undefined) {
              check(line.effectiveDate !== event.effectiveDate, () => 'a line carries its event date');
              datedLines++;
            }
            const key = `${date} ${line.currency}`;
            net.set(key, (net.get(key) ?? ZERO).plus(line.debit).minus(line.credit));
          }
          for (const [key, value] of net) check(value.isZero(), () => `${event.type} does not balance on ${key}: ${value}`);
        }
        if (events.some((e, i) => i > 0 && e.effectiveDate < events[i - 1].effectiveDate)) outOfOrder++;
        // Known at K = after the k-th event (one event per decision here).
        for (let k = 0; k < states.length; k++) {
          const known = events.slice(0, k + 1);
          for (const asOf of dates) {
            const written = policyFigures(states[k], asOf).written;
            const ledger = creditBalance(known, accounts.writtenPremium, asOf);
            check(ledger.eq(written), () => `written-premium account ${ledger} != written ${written} on ${asOf} after ${k + 1} events`);
            // Before any true-up the policy's contribution lines to the currency's UPR (upr:<CUR>; `known` is this policy's events only) sum to its written premium.
            const upr = creditBalance(known, accounts.upr, asOf);
            check(upr.eq(written), () => `UPR ${upr} != written ${written} on ${asOf} after ${k + 1} events`);
            // Receivable less return premium payable = written premium: every posting has its counterpart on the same date.
            const other = creditBalance(known, accounts.premiumReceivable, asOf).plus(creditBalance(known, accounts.returnPremiumPayable, asOf));
            check(other.neg().eq(written), () => `receivable - return payable ${other.neg()} != written ${written} on ${asOf}`);
          }
        }
      }),
      { seed: 20260101, numRuns: 400 },
    );
    // The generator does make the case that matters.
    expect(outOfOrder).toBeGreaterThan(100);
    expect(datedLines).toBeGreaterThan(0);
  });

  it('posts nothing before the event date, and sums to the change of the total written premium', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { states, events } = play(script);
        for (let k = 1; k < states.length; k++) {
          const changes = writtenPremiumChanges(states[k - 1], states[k], events[k].effectiveDate);
          const total = changes.reduce((s, c) => s.plus(c.amount), ZERO);
          const far = '9999-12-31';
          check(total.eq(policyFigures(states[k], far).written.minus(policyFigures(states[k - 1], far).written)), () => 'dated changes do not sum to the total change');
          check(changes.every((c, i) => !c.amount.isZero() && c.effectiveDate >= events[k].effectiveDate && (i === 0 || c.effectiveDate > changes[i - 1].effectiveDate)), () => 'changes out of order');
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('a back-dated endorsement recorded after a later one (the case the ledger property found)', () => {
  // Term 2025-01-01..2025-01-31 (30 days), premium 0; +569.22 from 01-09 (22 days) then +24372.10 from 01-02 (29 days).
  const run = () => {
    const bound = boundPolicy({ term: { start: '2025-01-01', end: '2025-01-31' }, premium: new Decimal(0) });
    let state = bound.state;
    const events = [...bound.events];
    for (const cmd of [endorseCommand('2025-01-09', '569.22'), endorseCommand('2025-01-02', '24372.10')]) {
      const decision = decideEndorsePolicy(state, cmd);
      state = applyDecision(state, decision, evolvePolicy);
      events.push(...decision.events);
    }
    return { state, events };
  };

  it('ties the written-premium account to the written premium on every date', () => {
    const { state, events } = run();
    const accounts = policyAccounts('P-1', 'EUR');
    for (const asOf of consecutiveDates('2024-12-31', 33)) {
      expect(creditBalance(events, accounts.writtenPremium, asOf).toFixed(2)).toBe(policyFigures(state, asOf).written.toFixed(2));
    }
  });

  it('posts the rounding cent of the later layer on its own date', () => {
    const { events } = run();
    // 569.22 * 22/30 = 417.428 -> 417.43; 24372.10 * 29/30 = 23559.696... -> 23559.70; both 23977.12466... -> 23977.12.
    expect(events[2].journal.lines.map((l) => [l.account, l.debit, l.credit, l.effectiveDate])).toEqual([
      ['premium-receivable:EUR:policy/P-1', '23559.70', '0.00', undefined],
      ['written-premium:EUR:policy/P-1', '0.00', '23559.70', undefined],
      ['change-in-upr:EUR', '23559.70', '0.00', undefined],
      ['upr:EUR', '0.00', '23559.70', undefined],
      ['written-premium:EUR:policy/P-1', '0.01', '0.00', '2025-01-09'],
      ['premium-receivable:EUR:policy/P-1', '0.00', '0.01', '2025-01-09'],
      ['upr:EUR', '0.01', '0.00', '2025-01-09'],
      ['change-in-upr:EUR', '0.00', '0.01', '2025-01-09'],
    ]);
  });
});
