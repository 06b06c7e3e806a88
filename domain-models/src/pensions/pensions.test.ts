// Hand-checked figures of funds, members, contributions, switches and fees.
import { formatMoney, formatUnits } from '../common/decimal';
import { assertBalanced } from '../common/journal';
import { fundCashAccount, feesPayableAccount, unitLiabilityAccount } from './accounts';
import { decideChargeFee, decideLaunchFund, decideStrikeValuation, evolveFund, floorOf, fundFigures, fundPeriodFigures, holdingsOn } from './fund';
import { decideContribute, decideRegisterMember, decideSwitch, memberFigures } from './member';
import { COMMAND_ID, LAUNCH_DATE, World, contribution, d, fee, launch, switchOf, valuation } from './test-support';
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
    const text = Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'closing').map(([k, v]) => [k, (v as { toFixed(n: number): string }).toFixed(k.endsWith('Units') || k.startsWith('units') ? 6 : 2)]));
    expect(text).toEqual({
      openingUnits: '0.000000',
      unitsIssued: '800.000000', // 1000.00 / 1.250000
      unitsCancelled: '0.800000', // the fee's
      closingUnits: '799.200000',
      openingNetAssets: '0.00',
      contributions: '1000.00',
      switchesIn: '0.00',
      switchesOut: '0.00',
      fees: '1.01',
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
