import { PeriodAlreadyClosedError } from '../common/errors';
import type { DomainEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import { decideCancelPolicy, decideEndorsePolicy, evolvePolicy, type PolicyState } from '../nonlife/policy';
import { applyDecision, boundPolicy, cancelCommand, creditBalance, endorseCommand, money } from '../nonlife/test-support';
import { decideClosePeriod, newlyClosedPeriods, parsePeriodClosedEvent, postedTrueUp, postedTrueUps } from './period-close';
import { PeriodCalendar } from './periods';

// P-1: 3,650.00 over 2025 (365 days): 10.00 a day, so every figure is checkable by hand.
const bound = () => boundPolicy({ premium: money('3650.00') });

const postedFor = (log: DomainEvent[], currency = 'EUR') => postedTrueUp(postedTrueUps(log), currency).toFixed(2);

/** Closes `period` against `calendar`, reading what the earlier closes in `log` posted; records the close. */
function close(calendar: PeriodCalendar, log: DomainEvent[], period: string, policies: PolicyState[], at: string) {
  const posted = postedTrueUps(log.map((e) => JSON.parse(JSON.stringify(e)) as DomainEvent));
  const decision = decideClosePeriod(calendar, period, { policies, posted });
  calendar.record({ through: period, closedAt: at });
  log.push(...decision.events);
  return decision;
}

describe('decideClosePeriod', () => {
  it('first close: one PeriodClosed event, the earned premium through the month end, UPR Dr / change in UPR Cr', () => {
    const { state } = bound();
    const decision = decideClosePeriod(new PeriodCalendar(), '2025-01', { policies: [state], posted: new Map() });
    expect(decision.events).toHaveLength(1);
    const [event] = decision.events;
    expect(event).toEqual({
      type: 'PeriodClosed',
      v: 1,
      entity: { kind: 'ledger', id: 'periods' },
      effectiveDate: '2025-01-31',
      payload: {
        through: '2025-01',
        previousThrough: null,
        periods: ['2025-01'],
        trueUps: [{ currency: 'EUR', policies: 1, amount: '310.00' }],
      },
      journal: {
        lines: [
          { account: 'upr:EUR', currency: 'EUR', debit: '310.00', credit: '0.00' },
          { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '310.00' },
        ],
      },
    });
    expect(decision.result).toEqual({
      period: '2025-01',
      status: 'closed',
      previousThrough: null,
      periods: ['2025-01'],
      trueUps: [{ currency: 'EUR', policies: 1, amount: '310.00' }],
    });
    expect(parsePeriodClosedEvent(JSON.parse(JSON.stringify(event))).payload.through).toBe('2025-01');
  });

  it('refuses a month already closed (the same or an earlier one), accepts a later one and lists the months it seals', () => {
    const calendar = new PeriodCalendar();
    calendar.record({ through: '2025-01', closedAt: '2025-02-01T00:00:00.000000000Z' });
    for (const period of ['2025-01', '2024-12', '2019-07']) {
      expect(() => decideClosePeriod(calendar, period, { policies: [], posted: new Map() })).toThrow(PeriodAlreadyClosedError);
    }
    const later = decideClosePeriod(calendar, '2025-04', { policies: [], posted: new Map() });
    expect(later.events[0].payload).toEqual({ through: '2025-04', previousThrough: '2025-01', periods: ['2025-02', '2025-03', '2025-04'], trueUps: [] });
    expect(later.events[0].journal.lines).toEqual([]);
    expect(newlyClosedPeriods('2024-11', '2025-02')).toEqual(['2024-12', '2025-01', '2025-02']);
  });

  it('a back-dated endorsement after the close is caught up by the next close, not the closed one', () => {
    const calendar = new PeriodCalendar();
    const log: DomainEvent[] = [];
    let { state, events } = bound();
    log.push(...events);
    close(calendar, log, '2025-01', [state], '2025-02-01T00:00:00.000000000Z');
    // +365.00 a year from 2025-01-11: 355 days written (355.00), 21 of them in January (21.00).
    const endorse = decideEndorsePolicy(state, endorseCommand('2025-01-11', '365.00'));
    state = applyDecision(state, endorse, evolvePolicy);
    log.push(...endorse.events);
    const feb = close(calendar, log, '2025-02', [state], '2025-03-01T00:00:00.000000000Z');
    // Earned through 2025-02-28: 59 days of 10.00 + 49 days of 1.00 = 639.00; January posted 310.00.
    expect(feb.events[0].payload.trueUps).toEqual([{ currency: 'EUR', policies: 1, amount: '329.00' }]);
    expect(feb.events[0].journal.lines).toEqual([
      { account: 'upr:EUR', currency: 'EUR', debit: '329.00', credit: '0.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '329.00' },
    ]);
    expect(feb.events[0].payload).toMatchObject({ previousThrough: '2025-01', periods: ['2025-02'] });
    // The UPR holds what is unearned at the end of February: 4005.00 - 639.00.
    expect(creditBalance(log, 'upr:EUR').toFixed(2)).toBe('3366.00');
    expect(creditBalance(log, 'upr:EUR', '2025-01-31').toFixed(2)).toBe('3695.00');
    expect(postedFor(log)).toBe('639.00');
  });

  it('a back-dated cancellation reverses what earlier closes over-posted, leaving the UPR at zero', () => {
    const calendar = new PeriodCalendar();
    const log: DomainEvent[] = [];
    let { state, events } = bound();
    log.push(...events);
    close(calendar, log, '2025-01', [state], '2025-02-01T00:00:00.000000000Z');
    close(calendar, log, '2025-02', [state], '2025-03-01T00:00:00.000000000Z');
    expect(postedFor(log)).toBe('590.00');
    // Pro-rata from 2025-01-16: 350 days returned (3500.00); written = earned = 150.00.
    const cancel = decideCancelPolicy(state, cancelCommand('2025-01-16'));
    state = applyDecision(state, cancel, evolvePolicy);
    log.push(...cancel.events);
    const mar = close(calendar, log, '2025-03', [state], '2025-04-01T00:00:00.000000000Z');
    expect(mar.events[0].payload.trueUps).toEqual([{ currency: 'EUR', policies: 1, amount: '-440.00' }]);
    expect(mar.events[0].journal.lines).toEqual([
      { account: 'upr:EUR', currency: 'EUR', debit: '0.00', credit: '440.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '440.00', credit: '0.00' },
    ]);
    expect(postedFor(log)).toBe('150.00');
    expect(creditBalance(log, 'upr:EUR').toFixed(2)).toBe('0.00');
  });

  it('one UPR line and one change-in-UPR line per currency: the earned premium of its policies minus what earlier closes posted', () => {
    const later = boundPolicy({ policyId: 'P-9', premium: money('1000.00'), term: { start: '2025-06-01', end: '2026-06-01' } }).state;
    const usd = boundPolicy({ policyId: 'P-2', currency: 'USD', premium: money('730.00') }).state;
    const eur = bound().state;
    const eur3 = boundPolicy({ policyId: 'P-3', premium: money('365.00') }).state;
    // Earned through 2025-01-31: P-1 310.00 + P-3 31.00 = 341.00 EUR (P-9 nothing yet), P-2 62.00 USD.
    // Earlier closes posted 340.00 EUR, nothing in USD, and 5.00 GBP on a currency no policy is in any more.
    const posted = new Map([
      ['EUR', money('340.00')],
      ['GBP', money('5.00')],
    ]);
    const decision = decideClosePeriod(new PeriodCalendar(), '2025-01', { policies: [later, usd, eur3, eur], posted });
    const [event] = decision.events;
    expect(event.payload.trueUps).toEqual([
      { currency: 'EUR', policies: 2, amount: '1.00' },
      { currency: 'GBP', policies: 0, amount: '-5.00' },
      { currency: 'USD', policies: 1, amount: '62.00' },
    ]);
    expect(event.journal.lines).toEqual([
      { account: 'upr:EUR', currency: 'EUR', debit: '1.00', credit: '0.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '1.00' },
      { account: 'upr:GBP', currency: 'GBP', debit: '0.00', credit: '5.00' },
      { account: 'change-in-upr:GBP', currency: 'GBP', debit: '5.00', credit: '0.00' },
      { account: 'upr:USD', currency: 'USD', debit: '62.00', credit: '0.00' },
      { account: 'change-in-upr:USD', currency: 'USD', debit: '0.00', credit: '62.00' },
    ]);
    assertBalanced(event.journal);
    const after = postedTrueUps([event]);
    expect(['EUR', 'GBP', 'USD', 'CHF'].map((c) => postedTrueUp(after, c).toFixed(2))).toEqual(['1.00', '-5.00', '62.00', '0.00']);
    // Nothing to post in a currency: no lines for it.
    const settled = decideClosePeriod(new PeriodCalendar(), '2025-01', { policies: [eur, eur3, later], posted: new Map([['EUR', money('341.00')]]) });
    expect(settled.events[0].payload.trueUps).toEqual([]);
    expect(settled.events[0].journal.lines).toEqual([]);
    expect(() => decideClosePeriod(new PeriodCalendar(), '2025-01', { policies: [eur, eur], posted: new Map() })).toThrow(/twice/);
  });

  it('the journal and payload do not grow with the number of policies', () => {
    const policies = Array.from({ length: 5000 }, (_, i) => boundPolicy({ policyId: `P-${i}`, currency: i % 2 ? 'USD' : 'EUR', premium: money('3650.00') }).state);
    const decision = decideClosePeriod(new PeriodCalendar(), '2025-01', { policies, posted: new Map() });
    const [event] = decision.events;
    expect(event.journal.lines).toEqual([
      { account: 'upr:EUR', currency: 'EUR', debit: '775000.00', credit: '0.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '775000.00' },
      { account: 'upr:USD', currency: 'USD', debit: '775000.00', credit: '0.00' },
      { account: 'change-in-upr:USD', currency: 'USD', debit: '0.00', credit: '775000.00' },
    ]);
    expect(event.payload.trueUps).toEqual([
      { currency: 'EUR', policies: 2500, amount: '775000.00' },
      { currency: 'USD', policies: 2500, amount: '775000.00' },
    ]);
    expect(Buffer.byteLength(JSON.stringify(decision))).toBeLessThan(2048);
  });

  it('reads a per-policy UPR line of an older close as posted in its currency', () => {
    const old: DomainEvent = {
      type: 'PeriodClosed',
      v: 1,
      entity: { kind: 'ledger', id: 'periods' },
      effectiveDate: '2025-01-31',
      payload: { through: '2025-01', previousThrough: null, periods: ['2025-01'], trueUps: [{ currency: 'EUR', policies: 2, amount: '12.00' }] },
      journal: {
        lines: [
          { account: 'upr:EUR:policy/P-1', currency: 'EUR', debit: '10.00', credit: '0.00' },
          { account: 'upr:EUR:policy/P-3', currency: 'EUR', debit: '2.00', credit: '0.00' },
          { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '12.00' },
        ],
      },
    };
    expect(postedFor([old])).toBe('12.00');
  });

  it('telescopes: after every monthly close the posted total is the earned premium through that month', () => {
    const calendar = new PeriodCalendar();
    const log: DomainEvent[] = [];
    const { state, events } = bound();
    log.push(...events);
    const months = ['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01'];
    const cumulativeDays = [31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365, 365];
    months.forEach((month, i) => {
      close(calendar, log, month, [state], `2026-02-${String(i + 1).padStart(2, '0')}T00:00:00.000000000Z`);
      expect(postedFor(log)).toBe((cumulativeDays[i] * 10).toFixed(2));
    });
    expect(creditBalance(log, 'upr:EUR').toFixed(2)).toBe('0.00');
    expect(log.filter((e) => e.type === 'PeriodClosed').at(-1)?.payload.trueUps).toEqual([]);
  });
});
