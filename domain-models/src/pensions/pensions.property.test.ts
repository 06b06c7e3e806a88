// Property tests over random command sequences on three funds (two EUR, one
// USD) and three members (seeded, so a failure replays). Refused commands
// (DomainError) are part of the sequences and leave the states unchanged.
import fc from 'fast-check';
import { addDays } from '../shared/dates';
import { Decimal, ZERO, sum } from '../shared/decimal';
import { DomainError } from '../shared/errors';
import type { Decision } from '../shared/events';
import { assertBalanced } from '../shared/journal';
import { feesPayableAccount, fundCashAccount } from './accounts';
import { decideChargeFee, decideLaunchFund, decideStrikeValuation, fundFigures, holdingsOn, unitsOutstandingOn } from './fund';
import { decideContribute, decideRegisterMember, decideSwitch, memberHoldingsOn } from './member';
import { COMMAND_ID, LAUNCH_DATE, World, contribution, fee, launch, switchOf, valuation } from './test-support';

const RUNS = { seed: 20260101, numRuns: 200 };
const FUNDS = ['F-A', 'F-B', 'F-U'];
const MEMBERS = ['M-1', 'M-2', 'M-3'];
const DAYS = 4;
const dateOf = (day: number) => addDays('2026-02-01', day);
const dates = Array.from({ length: DAYS }, (_, i) => dateOf(i));

type Step =
  | { kind: 'value'; fund: number; day: number; cents: number }
  | { kind: 'contribute'; member: number; fund: number; day: number; cents: number }
  | { kind: 'switch'; member: number; from: number; to: number; day: number; micros: number }
  | { kind: 'fee'; fund: number; day: number; rateMicros: number };

const day = fc.integer({ min: 0, max: DAYS - 1 });
const fund = fc.integer({ min: 0, max: FUNDS.length - 1 });
const member = fc.integer({ min: 0, max: MEMBERS.length - 1 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('value' as const), fund, day, cents: fc.integer({ min: 0, max: 20_000_000_00 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('contribute' as const), member, fund, day, cents: fc.integer({ min: 1, max: 5_000_000_00 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('switch' as const), member, from: fc.integer({ min: 0, max: 1 }), to: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fund }), day, micros: fc.integer({ min: 1, max: 20_000_000_000 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fee' as const), fund, day, rateMicros: fc.integer({ min: 1, max: 999_999 }) }) },
);
const navArb = fc.integer({ min: 1, max: 200_000_000 }).map((micros) => new Decimal(micros).div(1_000_000).toFixed(6));

function attempt(decide: () => Decision): Decision | undefined {
  try {
    return decide();
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

function run(navs: string[], steps: Step[]): World {
  const w = new World();
  FUNDS.forEach((id, i) => w.apply(decideLaunchFund(undefined, launch(id, navs[i], id === 'F-U' ? 'USD' : 'EUR'), LAUNCH_DATE)));
  for (const id of MEMBERS) w.apply(decideRegisterMember(undefined, { commandId: COMMAND_ID, memberId: id, name: id }, LAUNCH_DATE));
  // Every fund has a NAV on the first day (its launch NAV); later days get theirs from the steps.
  for (const id of FUNDS) w.apply(decideStrikeValuation(w.fund(id), valuation(id, dateOf(0), '0.00')));
  for (const s of steps) {
    let decision: Decision | undefined;
    switch (s.kind) {
      case 'value':
        decision = attempt(() => decideStrikeValuation(w.fund(FUNDS[s.fund]), valuation(FUNDS[s.fund], dateOf(s.day), new Decimal(s.cents).div(100).toFixed(2))));
        break;
      case 'contribute': {
        const cmd = contribution(MEMBERS[s.member], FUNDS[s.fund], new Decimal(s.cents).div(100).toFixed(2), dateOf(s.day));
        decision = attempt(() => decideContribute(w.member(cmd.memberId), w.fund(cmd.fundId), cmd));
        break;
      }
      case 'switch': {
        // to -1: the other EUR fund (most switches), else any fund (same fund: skipped; the USD one: currency_mismatch).
        const to = s.to === -1 ? 1 - s.from : s.to;
        if (s.from === to) continue;
        const m = MEMBERS[s.member];
        // Half the time, exactly the whole holding on that date (a full switch out).
        const held = holdingsOn(w.fund(FUNDS[s.from]), dateOf(s.day)).get(m);
        const units = s.micros % 2 === 0 && held && held.gt(0) ? held.toFixed(6) : new Decimal(s.micros).div(1_000_000).toFixed(6);
        const cmd = switchOf(m, FUNDS[s.from], FUNDS[to], units, dateOf(s.day));
        decision = attempt(() => decideSwitch(w.member(m), w.fund(cmd.fromFundId), w.fund(cmd.toFundId), cmd));
        break;
      }
      case 'fee':
        decision = attempt(() => decideChargeFee(w.fund(FUNDS[s.fund]), fee(FUNDS[s.fund], dateOf(s.day), new Decimal(s.rateMicros).div(1_000_000).toFixed(6))));
        break;
    }
    if (decision) w.apply(decision);
  }
  return w;
}

const scriptArb = fc.record({ navs: fc.array(navArb, { minLength: 3, maxLength: 3 }), steps: fc.array(stepArb, { minLength: 20, maxLength: 80 }) });

function accountBalance(w: World, account: string): Decimal {
  let total = ZERO;
  for (const e of w.events) for (const l of e.journal.lines) if (l.account === account) total = total.plus(l.debit).minus(l.credit);
  return total;
}

describe('pension invariants (property)', () => {
  it("members' units in a fund add up exactly to its units outstanding, on every date and overall", () => {
    fc.assert(
      fc.property(scriptArb, ({ navs, steps }) => {
        const w = run(navs, steps);
        for (const id of FUNDS) {
          const f = w.fund(id);
          for (const date of [...dates, '9999-12-31']) {
            const fromMembers = sum(MEMBERS.map((m) => memberHoldingsOn(w.member(m), date).get(id) ?? ZERO));
            expect(fromMembers.toFixed(6)).toBe(unitsOutstandingOn(f, date).toFixed(6));
            expect(fundFigures(f, date).unitsOutstanding.toFixed(6)).toBe(fromMembers.toFixed(6));
            for (const m of MEMBERS) {
              expect((holdingsOn(f, date).get(m) ?? ZERO).toFixed(6)).toBe((memberHoldingsOn(w.member(m), date).get(id) ?? ZERO).toFixed(6));
            }
          }
          expect(f.unitsOutstanding.toFixed(6)).toBe(sum([...holdingsOn(f, '9999-12-31').values()]).toFixed(6));
        }
      }),
      RUNS,
    );
  });

  it('no holding is ever negative, on any date', () => {
    fc.assert(
      fc.property(scriptArb, ({ navs, steps }) => {
        const w = run(navs, steps);
        for (const id of FUNDS) for (const date of dates) for (const units of holdingsOn(w.fund(id), date).values()) expect(units.isNegative()).toBe(false);
        for (const m of MEMBERS) for (const date of dates) for (const units of memberHoldingsOn(w.member(m), date).values()) expect(units.isNegative()).toBe(false);
      }),
      RUNS,
    );
  });

  it("every entry balances, and each fund's money movements are its cash less its fees payable", () => {
    fc.assert(
      fc.property(scriptArb, ({ navs, steps }) => {
        const w = run(navs, steps);
        for (const e of w.events) assertBalanced(e.journal, e.effectiveDate);
        for (const id of FUNDS) {
          const f = w.fund(id);
          const moved = sum(f.movements.toArray().map((m) => m.money));
          const booked = accountBalance(w, fundCashAccount(id, f.currency)).plus(accountBalance(w, feesPayableAccount(id, f.currency)));
          expect(booked.toFixed(2)).toBe(moved.toFixed(2));
        }
      }),
      RUNS,
    );
  });
});
