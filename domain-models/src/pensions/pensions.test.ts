// Hand-checked figures of funds, members, contributions, switches and fees.
import { formatMoney, formatUnits } from '../common/decimal';
import { assertBalanced } from '../common/journal';
import { fundCashAccount, feesPayableAccount, unitLiabilityAccount } from './accounts';
import { decideChargeFee, decideLaunchFund, decideStrikeValuation, evolveFund, floorOf, fundFigures, fundPeriodFigures, holdingsOn } from './fund';
import { decideContribute, decideRegisterMember, decideSwitch, decideWithdraw, memberFigures, statementOf } from './member';
import { COMMAND_ID, LAUNCH_DATE, World, annualFee, contribution, d, fee, launch, switchOf, transferIn, valuation, withdrawal } from './test-support';
import { ChargeFeeBodySchema, ContributeBodySchema, WithdrawBodySchema } from './commands';
import { DomainError } from '../common/errors';

function code(decide: () => unknown): string | undefined {
  try {
    decide();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

/** F-1 (EUR, launch NAV 1.25), F-2 (EUR, 3.00), F-3 (USD, 1.00), member M-1; NAVs for 2026-01-05 and 2026-01-10. */
function world(): World {
  const w = new World();
  w.apply(decideLaunchFund(undefined, launch('F-1', '1.250000'), LAUNCH_DATE));
  w.apply(decideLaunchFund(undefined, launch('F-2', '3.000000'), LAUNCH_DATE));
  w.apply(decideLaunchFund(undefined, launch('F-3', '1.000000', 'USD'), LAUNCH_DATE));
  w.apply(decideRegisterMember(undefined, { commandId: COMMAND_ID, memberId: 'M-1', name: 'Grace Hopper' }, LAUNCH_DATE));
  w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-05', '0.00')));
  return w;
}

const units = (w: World, fundId: string, asOf: string) => {
  const f = fundFigures(w.fund(fundId), asOf);
  return { units: formatUnits(f.unitsOutstanding), netAssets: formatMoney(f.netAssets), nav: formatUnits(f.navPerUnit) };
};

describe('pensions, hand-checked', () => {
  it('contribution of 1000.00 at NAV 1.250000 buys 800.000000 units; fund cash Dr / unit liability Cr', () => {
    const w = world();
    expect(units(w, 'F-1', '2026-01-05')).toEqual({ units: '0.000000', netAssets: '0.00', nav: '1.250000' });
    const decision = w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    expect(decision.result).toMatchObject({ units: '800.000000', navPerUnit: '1.250000', amount: '1000.00' });
    expect(decision.events.map((e) => `${e.type}@${e.entity.kind}/${e.entity.id}`)).toEqual(['MemberContributed@member/M-1', 'UnitsIssued@fund/F-1']);
    expect(decision.events[1].journal.lines).toEqual([
      { account: fundCashAccount('F-1', 'EUR'), currency: 'EUR', debit: '1000.00', credit: '0.00' },
      { account: unitLiabilityAccount('F-1', 'M-1', 'EUR'), currency: 'EUR', debit: '0.00', credit: '1000.00' },
    ]);
    expect(decision.events[0].journal.lines).toEqual([]);
    expect(units(w, 'F-1', '2026-01-05')).toEqual({ units: '800.000000', netAssets: '1000.00', nav: '1.250000' });
    // Before the first valuation the fund shows its launch NAV.
    expect(units(w, 'F-1', '2026-01-04')).toEqual({ units: '0.000000', netAssets: '0.00', nav: '1.250000' });
    expect(formatUnits(w.member('M-1').holdings.get('F-1')!)).toBe('800.000000');
  });

  it('valuation strikes round6(netAssets / units); a fee cancels round6(fee / nav) units and leaves the NAV', () => {
    const w = world();
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    const v = w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '1010.00')));
    expect(v.result).toMatchObject({ navPerUnit: '1.262500', unitsOutstanding: '800.000000', netAssets: '1010.00' });
    // value = round2(800 * 1.2625) = 1010.00; fee = round2(1010.00 * 0.001) = 1.01; cancelled = round6(1.01 / 1.2625) = 0.800000
    const f = w.apply(decideChargeFee(w.fund('F-1'), fee('F-1', '2026-01-10', '0.001000')));
    expect(f.result).toMatchObject({
      totalFee: '1.01',
      totalUnitsCancelled: '0.800000',
      holdings: [{ memberId: 'M-1', units: '800.000000', value: '1010.00', fee: '1.01', unitsCancelled: '0.800000' }],
    });
    // One event in the record, parameters and totals only; the member's share, with its posting, is derived from it.
    expect(f.events.map((e) => e.type)).toEqual(['FeeCharged']);
    expect(f.events[0].payload).toEqual({ fundId: 'F-1', rate: '0.001000', navPerUnit: '1.262500', holders: 1, totalFee: '1.01', totalUnitsCancelled: '0.800000' });
    expect(f.events[0].journal.lines).toEqual([]);
    expect(w.derived.map((e) => [e.type, e.entity.id, e.payload])).toEqual([
      ['MemberFeeCharged', 'M-1', { memberId: 'M-1', fundId: 'F-1', rate: '0.001000', navPerUnit: '1.262500', fee: '1.01', unitsCancelled: '0.800000' }],
    ]);
    expect(w.derived[0].journal.lines).toEqual([
      { account: unitLiabilityAccount('F-1', 'M-1', 'EUR'), currency: 'EUR', debit: '1.01', credit: '0.00' },
      { account: feesPayableAccount('F-1', 'EUR'), currency: 'EUR', debit: '0.00', credit: '1.01' },
    ]);
    expect(units(w, 'F-1', '2026-01-10')).toEqual({ units: '799.200000', netAssets: '1008.99', nav: '1.262500' });
    expect(formatUnits(w.member('M-1').holdings.get('F-1')!)).toBe('799.200000');
  });

  it('switch: amount = round2(u * navA), unitsBought = round6(amount / navB); liability and cash move from A to B', () => {
    const w = world();
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '1010.00')));
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-10', '0.00')));
    // 33.333333 * 1.2625 = 42.0833329... -> 42.08; 42.08 / 3 = 14.0266666... -> 14.026667
    const s = w.apply(decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '33.333333', '2026-01-10')));
    expect(s.result).toMatchObject({ unitsSold: '33.333333', amount: '42.08', unitsBought: '14.026667', fromNavPerUnit: '1.262500', toNavPerUnit: '3.000000' });
    expect(s.events.map((e) => `${e.type}@${e.entity.kind}/${e.entity.id}`)).toEqual(['UnitsSwitched@member/M-1', 'UnitsCancelled@fund/F-1', 'UnitsIssued@fund/F-2']);
    const lines = s.events.flatMap((e) => e.journal.lines);
    expect(lines).toEqual([
      { account: unitLiabilityAccount('F-1', 'M-1', 'EUR'), currency: 'EUR', debit: '42.08', credit: '0.00' },
      { account: fundCashAccount('F-1', 'EUR'), currency: 'EUR', debit: '0.00', credit: '42.08' },
      { account: fundCashAccount('F-2', 'EUR'), currency: 'EUR', debit: '42.08', credit: '0.00' },
      { account: unitLiabilityAccount('F-2', 'M-1', 'EUR'), currency: 'EUR', debit: '0.00', credit: '42.08' },
    ]);
    for (const e of s.events) assertBalanced(e.journal, e.effectiveDate);
    expect(units(w, 'F-1', '2026-01-10')).toEqual({ units: '766.666667', netAssets: '967.92', nav: '1.262500' });
    expect(units(w, 'F-2', '2026-01-10')).toEqual({ units: '14.026667', netAssets: '42.08', nav: '3.000000' });
    const m = memberFigures(w.member('M-1'), (id) => w.funds.get(id), '2026-01-10');
    expect(m.holdings.map((h) => [h.fundId, formatUnits(h.units), formatMoney(h.value)])).toEqual([
      ['F-1', '766.666667', '967.92'],
      ['F-2', '14.026667', '42.08'],
    ]);
    expect(formatMoney(m.totalValue)).toBe('1010.00');
  });

  it('period figures roll units and money forward: contributions, fees and market movement per valuation', () => {
    const w = world();
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '1010.00')));
    w.apply(decideChargeFee(w.fund('F-1'), fee('F-1', '2026-01-10', '0.001000')));
    const p = fundPeriodFigures(w.fund('F-1'), '2025-12-31', '2026-01-31');
    const text = Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'closing' && k !== 'withdrawalsByKind').map(([k, v]) => [k, (v as { toFixed(n: number): string }).toFixed(k.endsWith('Units') || k.startsWith('units') ? 6 : 2)]));
    expect(text).toEqual({
      openingUnits: '0.000000',
      unitsIssued: '800.000000', // 1000.00 / 1.250000
      unitsCancelled: '0.800000', // the fee's
      closingUnits: '799.200000',
      openingNetAssets: '0.00',
      contributions: '1000.00',
      transfersIn: '0.00',
      switchesIn: '0.00',
      switchesOut: '0.00',
      fees: '1.01',
      withdrawals: '0.00',
      // 2026-01-05: 0.00 struck on 0.00 the day before; 2026-01-10: 1010.00 struck on 1000.00 the day before
      marketMovement: '10.00',
    });
    // 0.00 + 1000.00 - 1.01 + 10.00
    expect(formatMoney(p.closing.netAssets)).toBe('1008.99');
    // A range after all of it: nothing moves, opening = closing.
    const later = fundPeriodFigures(w.fund('F-1'), '2026-01-31', '2026-02-28');
    expect([formatUnits(later.openingUnits), formatUnits(later.closingUnits), formatMoney(later.openingNetAssets), formatMoney(later.marketMovement)]).toEqual([
      '799.200000',
      '799.200000',
      '1008.99',
      '0.00',
    ]);
  });

  it('nav_not_published: dealing on a date without a NAV, in either fund of a switch', () => {
    const w = world();
    expect(code(() => decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-06')))).toBe('nav_not_published');
    expect(code(() => decideChargeFee(w.fund('F-1'), fee('F-1', '2026-01-06', '0.001000')))).toBe('nav_not_published');
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-05')));
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '1', '2026-01-05')))).toBe('nav_not_published');
  });

  it('insufficient_units: more than the holding on the date, or units of a fund not held', () => {
    const w = world();
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-05', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05'))); // 800 units
    const over = switchOf('M-1', 'F-1', 'F-2', '800.000001', '2026-01-05');
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), over))).toBe('insufficient_units');
    // No F-2 units at all.
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-2'), w.fund('F-1'), switchOf('M-1', 'F-2', 'F-1', '0.000001', '2026-01-05')))).toBe('insufficient_units');
    w.apply(decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '800', '2026-01-05')));
    expect(formatUnits(holdingsOn(w.fund('F-1'), '9999-12-31').get('M-1')!)).toBe('0.000000');
  });

  it('amount_too_small: a switch whose money rounds to 0.00, or a contribution whose units round to 0.000000, is refused', () => {
    const w = world();
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-05', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05'))); // 800 units at 1.25
    // 0.003 units x 1.25 = 0.00375 -> 0.00: units would leave F-1 for nothing.
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '0.003', '2026-01-05')))).toBe('amount_too_small');
    // 0.004 units x 1.25 = 0.005 -> 0.01, which buys 0.01 / 3.00 = 0.003333 units of F-2: a deal.
    expect(decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '0.004', '2026-01-05')).result).toMatchObject({ amount: '0.01', unitsBought: '0.003333' });
    // A NAV of 100,000: 0.01 buys round6(0.0000001) = 0.000000 units.
    const rich = new World();
    rich.apply(decideLaunchFund(undefined, launch('F-9', '100000.000000'), LAUNCH_DATE));
    rich.apply(decideRegisterMember(undefined, { commandId: COMMAND_ID, memberId: 'M-9', name: 'Ada' }, LAUNCH_DATE));
    rich.apply(decideStrikeValuation(rich.fund('F-9'), valuation('F-9', '2026-01-05', '0.00')));
    expect(code(() => decideContribute(rich.member('M-9'), rich.fund('F-9'), contribution('M-9', 'F-9', '0.01', '2026-01-05')))).toBe('amount_too_small');
    expect(decideContribute(rich.member('M-9'), rich.fund('F-9'), contribution('M-9', 'F-9', '0.05', '2026-01-05')).result).toMatchObject({ units: '0.000001' });
  });

  it('the holding floor nets a date: a switch out recorded before a same-day contribution does not lower it', () => {
    const w = world();
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-05', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05'))); // 800 units at 1.25
    for (const date of ['2026-01-06', '2026-01-07']) {
      w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', date, '1000.00'))); // 1000.00 / 800 = 1.250000
      w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', date, '0.00')));
    }
    w.apply(decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '400', '2026-01-07')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '125.00', '2026-01-07'))); // 125.00 / 1.25 = +100 units
    // End of 01-07: 800 - 400 + 100 = 500. So 500 may leave on 01-07, not 500.000001.
    const over = switchOf('M-1', 'F-1', 'F-2', '500.000001', '2026-01-07');
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), over))).toBe('insufficient_units');
    w.apply(decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '500', '2026-01-07')));
    expect(formatUnits(holdingsOn(w.fund('F-1'), '2026-01-07').get('M-1')!)).toBe('0.000000');
  });

  it('floorOf: the lowest end-of-day holding from a date on, each later date netted first', () => {
    const at = (effectiveDate: string, units: string) => ({ effectiveDate, units: d(units) });
    // Recorded out of date order; 01-07's switch out (-400) before its contribution (+100).
    const moves = [at('2026-01-05', '800'), at('2026-01-07', '-400'), at('2026-01-06', '50'), at('2026-01-07', '100'), at('2026-01-09', '-450')];
    // From 01-05: 800; 01-06: 850; 01-07: 550 (not 450); 01-09: 100.
    expect(formatUnits(floorOf(moves, '2026-01-05'))).toBe('100.000000');
    expect(formatUnits(floorOf(moves.slice(0, 4), '2026-01-05'))).toBe('550.000000');
    expect(formatUnits(floorOf(moves.slice(0, 4), '2026-01-08'))).toBe('550.000000');
    expect(formatUnits(floorOf(moves, '2026-01-04'))).toBe('0.000000');
  });

  it("dealing_date_closed: a contribution, a fee or a switch (either fund) dated before the fund's latest NAV; changes nothing", () => {
    const w = world();
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-05', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05'))); // 800 F-1 units
    w.apply(decideContribute(w.member('M-1'), w.fund('F-2'), contribution('M-1', 'F-2', '300.00', '2026-01-05'))); // 100 F-2 units
    // F-1's NAV for 01-06 closes F-1's dealings on 01-05 (F-2 has none after 01-05: its 01-05 stays open).
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-06', '1000.00')));
    const events = w.events.length;
    const before = [units(w, 'F-1', '2026-01-06'), units(w, 'F-2', '2026-01-06')];
    const refusal = (decide: () => unknown) => {
      try {
        decide();
      } catch (error) {
        if (error instanceof DomainError) return { code: error.code, message: error.message };
        throw error;
      }
      return undefined;
    };
    const closed = { code: 'dealing_date_closed', message: 'fund F-1 has a NAV struck for 2026-01-06, after 2026-01-05: dealings on 2026-01-05 are closed' };
    expect(refusal(() => decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-05')))).toEqual(closed);
    expect(refusal(() => decideChargeFee(w.fund('F-1'), fee('F-1', '2026-01-05', '0.001000')))).toEqual(closed);
    expect(refusal(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '1', '2026-01-05')))).toEqual(closed);
    expect(refusal(() => decideSwitch(w.member('M-1'), w.fund('F-2'), w.fund('F-1'), switchOf('M-1', 'F-2', 'F-1', '1', '2026-01-05')))).toEqual(closed);
    // Before insufficient_units: 900 units are more than held, and the date is closed.
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '900', '2026-01-05')))).toBe('dealing_date_closed');
    // A back-dated valuation is fine (nothing was dealt on 01-04), and dealings on it are closed at once.
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-04', '0.00')));
    expect(refusal(() => decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-04')))).toEqual({
      code: 'dealing_date_closed',
      message: 'fund F-1 has a NAV struck for 2026-01-06, after 2026-01-04: dealings on 2026-01-04 are closed',
    });
    // nav_not_published comes first, in every fund touched: F-2 has no NAV for 01-04 (F-1's 01-04 is closed).
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '1', '2026-01-04')))).toBe('nav_not_published');
    expect(code(() => decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-03')))).toBe('nav_not_published');
    // currency_mismatch comes before both.
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-3'), switchOf('M-1', 'F-1', 'F-3', '1', '2026-01-05')))).toBe('currency_mismatch');
    expect(w.events.length).toBe(events + 1); // the 01-04 valuation only
    expect([units(w, 'F-1', '2026-01-06'), units(w, 'F-2', '2026-01-06')]).toEqual(before);
    // F-2's 01-05 and F-1's 01-06 are still open.
    expect(decideContribute(w.member('M-1'), w.fund('F-2'), contribution('M-1', 'F-2', '3.00', '2026-01-05')).result).toMatchObject({ units: '1.000000' });
    expect(decideChargeFee(w.fund('F-1'), fee('F-1', '2026-01-06', '0.001000')).result).toMatchObject({ totalFee: '1.00' }); // round2(800 * 1.25 = 1000.00 * 0.001)
  });

  it("the review's case: a contribution back-dated behind a later NAV is refused, so no money leaves the fund's net assets", () => {
    const w = new World();
    w.apply(decideLaunchFund(undefined, launch('F', '1.000000'), LAUNCH_DATE));
    for (const memberId of ['A', 'B']) w.apply(decideRegisterMember(undefined, { commandId: COMMAND_ID, memberId, name: memberId }, LAUNCH_DATE));
    w.apply(decideStrikeValuation(w.fund('F'), valuation('F', '2026-01-05', '0.00'))); // no units: the launch NAV 1.000000
    w.apply(decideContribute(w.member('A'), w.fund('F'), contribution('A', 'F', '1000.00', '2026-01-05'))); // 1000 units
    expect(w.apply(decideStrikeValuation(w.fund('F'), valuation('F', '2026-01-06', '1000.00'))).result).toMatchObject({ navPerUnit: '1.000000', unitsOutstanding: '1000.000000' });
    // B's 500.00 dated the 5th would add 500 units the 6th's net assets (1000.00) never saw.
    expect(code(() => decideContribute(w.member('B'), w.fund('F'), contribution('B', 'F', '500.00', '2026-01-05')))).toBe('dealing_date_closed');
    expect(units(w, 'F', '2026-01-06')).toEqual({ units: '1000.000000', netAssets: '1000.00', nav: '1.000000' });
    // Dealt on the 6th instead: 500.00 / 1.000000 = 500 units; the fund and its members agree.
    w.apply(decideContribute(w.member('B'), w.fund('F'), contribution('B', 'F', '500.00', '2026-01-06')));
    expect(units(w, 'F', '2026-01-06')).toEqual({ units: '1500.000000', netAssets: '1500.00', nav: '1.000000' }); // 1000.00 + 500.00
    const worth = ['A', 'B'].map((m) => formatMoney(memberFigures(w.member(m), (id) => w.funds.get(id), '2026-01-06').totalValue));
    expect(worth).toEqual(['1000.00', '500.00']); // 1000.00 + 500.00 = 1500.00, the fund's net assets
  });

  it('currency_mismatch: a switch between funds of different currencies', () => {
    const w = world();
    w.apply(decideStrikeValuation(w.fund('F-3'), valuation('F-3', '2026-01-05', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    expect(code(() => decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-3'), switchOf('M-1', 'F-1', 'F-3', '1', '2026-01-05')))).toBe('currency_mismatch');
  });

  it('entity_exists: a second launch, registration, or valuation of the same date', () => {
    const w = world();
    expect(code(() => decideLaunchFund(w.fund('F-1'), launch('F-1', '1.000000'), LAUNCH_DATE))).toBe('entity_exists');
    expect(code(() => decideRegisterMember(w.member('M-1'), { commandId: COMMAND_ID, memberId: 'M-1', name: 'x' }, LAUNCH_DATE))).toBe('entity_exists');
    expect(code(() => decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-05', '5.00')))).toBe('entity_exists');
  });

  it('evolveFund refuses member events and unknown versions', () => {
    const w = world();
    const d = decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-05'));
    expect(() => evolveFund(w.fund('F-1'), d.events[0])).toThrow(/not a fund event/);
    expect(() => evolveFund(w.fund('F-1'), { ...d.events[1], v: 2 })).toThrow(/upcast/);
  });
});

describe('withdrawals, transfers in, annual-rate fees, statements (issue 11)', () => {
  /** M-1 holds 800,000 units of F-1 at NAV 1.25 (1,000,000.00) from 2026-01-05. */
  function funded(): World {
    const w = world();
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000000.00', '2026-01-05')));
    return w;
  }

  it("annualRate: one day of 0.75% a year on 1,000,000.00 is 20.55 (round2(value * annualRate * days / 365)); rate 0.000021 charges 21.00", () => {
    const w = funded();
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '1000000.00')));
    const annual = decideChargeFee(w.fund('F-1'), annualFee('F-1', '2026-01-10', '0.0075', 1));
    expect(annual.result).toMatchObject({ annualRate: '0.0075000000', days: 1, dayCount: 'ACT/365', totalFee: '20.55', totalUnitsCancelled: '16.440000' });
    expect(annual.result.rate).toBeUndefined();
    expect(annual.events[0].v).toBe(3);
    expect(decideChargeFee(w.fund('F-1'), fee('F-1', '2026-01-10', '0.000021')).result).toMatchObject({ rate: '0.000021', totalFee: '21.00' });
    // Folded (through JSON): the fund and the member derive the same 20.55 on replay.
    w.apply(annual);
    const derived = w.derived[w.derived.length - 1];
    expect(derived).toMatchObject({ type: 'MemberFeeCharged', v: 2, payload: { annualRate: '0.0075000000', days: 1, dayCount: 'ACT/365', fee: '20.55', unitsCancelled: '16.440000' } });
    expect(derived.payload.rate).toBeUndefined();
    expect(formatUnits(w.fund('F-1').unitsOutstanding)).toBe('799983.560000');
    // 90 days of 0.75%: 1,000,000 * 0.0075 * 90 / 365 = 1849.315... (the value is after the first fee: 999,979.45)
    expect(decideChargeFee(w.fund('F-1'), annualFee('F-1', '2026-01-10', '0.0075', 90)).result).toMatchObject({ totalFee: '1849.28' });
  });

  it('fee body: rate xor annualRate with days and dayCount', () => {
    const base = { commandId: COMMAND_ID, effectiveDate: '2026-01-10' };
    expect(ChargeFeeBodySchema.safeParse({ ...base, rate: '0.001' }).success).toBe(true);
    expect(ChargeFeeBodySchema.safeParse({ ...base, annualRate: '0.0075123456', days: 1, dayCount: 'ACT/365' }).success).toBe(true);
    for (const bad of [
      {},
      { rate: '0.001', annualRate: '0.0075', days: 1, dayCount: 'ACT/365' },
      { annualRate: '0.0075', days: 1 },
      { annualRate: '0.0075', dayCount: 'ACT/365' },
      { annualRate: '0.00751234567', days: 1, dayCount: 'ACT/365' },
      { annualRate: '0.0075', days: 0, dayCount: 'ACT/365' },
      { annualRate: '0.0075', days: 1, dayCount: 'ACT/360' },
      { annualRate: '1', days: 1, dayCount: 'ACT/365' },
    ]) {
      expect({ bad, ok: ChargeFeeBodySchema.safeParse({ ...base, ...bad }).success }).toEqual({ bad, ok: false });
    }
  });

  it('transfer-in: dealt like a contribution, its events carry kind and source; a regular one carries neither', () => {
    const w = world();
    const regular = decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '100.00', '2026-01-05'));
    expect(Object.keys(regular.events[0].payload)).toEqual(['memberId', 'fundId', 'amount', 'units', 'navPerUnit']);
    expect(Object.keys(regular.events[1].payload)).toEqual(['fundId', 'memberId', 'cause', 'amount', 'units', 'navPerUnit']);
    const t = decideContribute(w.member('M-1'), w.fund('F-1'), transferIn('M-1', 'F-1', '500.00', '2026-01-05', 'Old Scheme plc'));
    expect(t.events[0].payload).toEqual({ memberId: 'M-1', fundId: 'F-1', amount: '500.00', units: '400.000000', navPerUnit: '1.250000', kind: 'transfer-in', source: 'Old Scheme plc' });
    expect(t.events[1].payload).toMatchObject({ cause: 'contribution', kind: 'transfer-in', source: 'Old Scheme plc' });
    expect(t.result).toMatchObject({ kind: 'transfer-in', source: 'Old Scheme plc', units: '400.000000' });
    w.apply(regular);
    w.apply(t);
    const p = fundPeriodFigures(w.fund('F-1'), '2025-12-31', '2026-01-31');
    expect([formatMoney(p.contributions), formatMoney(p.transfersIn), formatMoney(p.closing.netAssets)]).toEqual(['100.00', '500.00', '600.00']);
    expect(ContributeBodySchema.safeParse({ commandId: COMMAND_ID, fundId: 'F-1', amount: '1', effectiveDate: '2026-01-05', source: 'X' }).success).toBe(false);
  });

  it('withdrawal: by units amount = round2(units * nav), by amount units = round6(amount / nav); member unit liability Dr / fund cash Cr', () => {
    const w = world();
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '1010.00'))); // NAV 1.2625
    const byUnits = decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'benefit', '100.123456', '2026-01-10'));
    expect(byUnits.result).toMatchObject({ kind: 'benefit', units: '100.123456', amount: '126.41', navPerUnit: '1.262500' });
    const entry = byUnits.events[1].journal;
    expect(entry.lines).toEqual([
      { account: unitLiabilityAccount('F-1', 'M-1', 'EUR'), currency: 'EUR', debit: '126.41', credit: '0.00' },
      { account: fundCashAccount('F-1', 'EUR'), currency: 'EUR', debit: '0.00', credit: '126.41' },
    ]);
    expect(byUnits.events.map((e) => [e.type, e.entity.kind])).toEqual([['MemberWithdrew', 'member'], ['UnitsRedeemed', 'fund']]);
    w.apply(byUnits);
    const byAmount = decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'transfer-out', '200.00', '2026-01-10', 'amount', 'New Scheme'));
    expect(byAmount.result).toMatchObject({ kind: 'transfer-out', destination: 'New Scheme', units: '158.415842', amount: '200.00' });
    w.apply(byAmount);
    const p = fundPeriodFigures(w.fund('F-1'), '2025-12-31', '2026-01-31');
    expect(formatMoney(p.withdrawals)).toBe('326.41');
    expect(formatMoney(p.withdrawalsByKind.benefit)).toBe('126.41');
    expect(formatMoney(p.withdrawalsByKind['transfer-out'])).toBe('200.00');
    // 1010.00 - 326.41
    expect(formatMoney(p.closing.netAssets)).toBe('683.59');
    expect(formatUnits(p.closingUnits)).toBe(formatUnits(p.openingUnits.plus(p.unitsIssued).minus(p.unitsCancelled)));
    expect(formatUnits(p.closingUnits)).toBe('541.460702');
  });

  it('withdrawal refusals in order: nav_not_published, dealing_date_closed, insufficient_units, amount_too_small; body needs exactly one of units and amount', () => {
    const w = world();
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '10.00', '2026-01-05')));
    expect(code(() => decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'benefit', '1', '2026-01-06')))).toBe('nav_not_published');
    expect(code(() => decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'benefit', '8.000001', '2026-01-05')))).toBe('insufficient_units');
    expect(code(() => decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'benefit', '10.01', '2026-01-05', 'amount')))).toBe('insufficient_units');
    expect(code(() => decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'lump-sum', '0.000001', '2026-01-05')))).toBe('amount_too_small');
    // The whole holding: 8 units, 10.00.
    expect(decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'lump-sum', '10.00', '2026-01-05', 'amount')).result).toMatchObject({ units: '8.000000', amount: '10.00' });
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '10.00')));
    expect(code(() => decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'benefit', '1', '2026-01-05')))).toBe('dealing_date_closed');
    const base = { commandId: COMMAND_ID, fundId: 'F-1', effectiveDate: '2026-01-05', kind: 'benefit' };
    expect(WithdrawBodySchema.safeParse({ ...base, units: '1' }).success).toBe(true);
    expect(WithdrawBodySchema.safeParse({ ...base, amount: '1.00' }).success).toBe(true);
    expect(WithdrawBodySchema.safeParse({ ...base }).success).toBe(false);
    expect(WithdrawBodySchema.safeParse({ ...base, units: '1', amount: '1.00' }).success).toBe(false);
    expect(WithdrawBodySchema.safeParse({ ...base, units: '1', kind: 'pension' }).success).toBe(false);
  });

  it('statement: opening on from - 1, movements in [from, to] by date then record order, closing on to; the identities hold', () => {
    const w = world();
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-05', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), contribution('M-1', 'F-1', '1000.00', '2026-01-05')));
    w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', '2026-01-10', '1100.00'))); // NAV 1.375
    w.apply(decideStrikeValuation(w.fund('F-2'), valuation('F-2', '2026-01-10', '0.00')));
    w.apply(decideContribute(w.member('M-1'), w.fund('F-1'), transferIn('M-1', 'F-1', '275.00', '2026-01-10', 'Old')));
    w.apply(decideSwitch(w.member('M-1'), w.fund('F-1'), w.fund('F-2'), switchOf('M-1', 'F-1', 'F-2', '100', '2026-01-10')));
    w.apply(decideChargeFee(w.fund('F-1'), annualFee('F-1', '2026-01-10', '0.0075', 30)));
    w.apply(decideWithdraw(w.member('M-1'), w.fund('F-1'), withdrawal('M-1', 'F-1', 'benefit', '50', '2026-01-10')));
    const [f1, f2] = statementOf(w.member('M-1'), (id) => w.funds.get(id), '2026-01-06', '2026-01-31');
    const text = (s: typeof f1) => ({
      fundId: s.fundId,
      opening: [formatUnits(s.openingUnits), formatUnits(s.openingNavPerUnit), formatMoney(s.openingValue)],
      flows: [s.contributions, s.transfersIn, s.switchesIn, s.switchesOut, s.fees, s.withdrawals.benefit, s.withdrawals['lump-sum'], s.withdrawals['transfer-out'], s.withdrawalsTotal, s.investmentReturn].map(formatMoney),
      closing: [formatUnits(s.closingUnits), formatUnits(s.closingNavPerUnit), formatMoney(s.closingValue)],
      movements: s.movements.map((m) => [m.type, m.kind ?? '', formatUnits(m.units), formatUnits(m.navPerUnit), formatMoney(m.amount)]),
    });
    // F-1: 800 units at 1.25 (1000.00) open; +200 transfer in (275.00), -100 switched (137.50), fee on 900 units = 1237.50 * 0.0075 * 30/365 = 0.76 (0.552727 units), -50 benefit (68.75)
    expect(text(f1)).toEqual({
      fundId: 'F-1',
      opening: ['800.000000', '1.250000', '1000.00'],
      flows: ['0.00', '275.00', '0.00', '137.50', '0.76', '68.75', '0.00', '0.00', '68.75', '100.00'],
      closing: ['849.447273', '1.375000', '1167.99'],
      movements: [
        ['transfer-in', '', '200.000000', '1.375000', '275.00'],
        ['switch-out', '', '-100.000000', '1.375000', '-137.50'],
        ['fee', '', '-0.552727', '1.375000', '-0.76'],
        ['withdrawal', 'benefit', '-50.000000', '1.375000', '-68.75'],
      ],
    });
    expect(f1.movements[0].source).toBe('Old');
    expect(text(f2)).toMatchObject({ fundId: 'F-2', opening: ['0.000000', '3.000000', '0.00'], closing: ['45.833333', '3.000000', '137.50'] });
    for (const s of [f1, f2]) {
      expect(formatUnits(s.closingUnits)).toBe(formatUnits(s.movements.reduce((u, m) => u.plus(m.units), s.openingUnits)));
      const flows = s.contributions.plus(s.transfersIn).plus(s.switchesIn).minus(s.switchesOut).minus(s.fees).minus(s.withdrawalsTotal);
      expect(formatMoney(s.closingValue)).toBe(formatMoney(s.openingValue.plus(flows).plus(s.investmentReturn)));
    }
    // A range before any dealing: no fund.
    expect(statementOf(w.member('M-1'), (id) => w.funds.get(id), '2026-01-01', '2026-01-04')).toEqual([]);
    // Opening on the day before from: from 2026-01-11 opens with everything above.
    expect(formatUnits(statementOf(w.member('M-1'), (id) => w.funds.get(id), '2026-01-11', '2026-01-31')[0].openingUnits)).toBe('849.447273');
  });
});
