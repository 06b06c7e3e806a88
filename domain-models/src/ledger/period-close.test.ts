import { ZERO } from '../shared/decimal';
import { PeriodAlreadyClosedError } from '../shared/errors';
import type { DomainEvent } from '../shared/events';
import { assertBalanced } from '../shared/journal';
import { decideCancelPolicy, decideEndorsePolicy, evolvePolicy, type PolicyState } from '../nonlife/policy';
import { applyDecision, boundPolicy, cancelCommand, creditBalance, endorseCommand, money } from '../nonlife/test-support';
import { decideClosePeriod, newlyClosedPeriods, parsePeriodClosedEvent, postedTrueUp, postedTrueUps } from './period-close';
import { PeriodCalendar } from './periods';

// P-1: 3,650.00 over 2025 (365 days): 10.00 a day, so every figure is checkable by hand.
const bound = () => boundPolicy({ premium: money('3650.00') });

const postedFor = (log: DomainEvent[], policyId = 'P-1', currency = 'EUR') => postedTrueUp(postedTrueUps(log), { policyId, currency }).toFixed(2);

/** Closes `period` against `calendar`, reading what the earlier closes in `log` posted; records the close. */
function close(calendar: PeriodCalendar, log: DomainEvent[], period: string, policies: PolicyState[], at: string) {
  const posted = postedTrueUps(log.map((e) => JSON.parse(JSON.stringify(e)) as DomainEvent));
  const decision = decideClosePeriod(calendar, period, policies.map((policy) => ({ policy, posted: postedTrueUp(posted, policy) })));
  calendar.record({ through: period, closedAt: at });
  log.push(...decision.events);
  return decision;
}

describe('decideClosePeriod', () => {
  it('first close: one PeriodClosed event, the earned premium through the month end, UPR Dr / change in UPR Cr', () => {
    const { state } = bound();
    const decision = decideClosePeriod(new PeriodCalendar(), '2025-01', [{ policy: state, posted: ZERO }]);
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
          { account: 'upr:EUR:policy/P-1', currency: 'EUR', debit: '310.00', credit: '0.00' },
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
      expect(() => decideClosePeriod(calendar, period, [])).toThrow(PeriodAlreadyClosedError);
    }
    const later = decideClosePeriod(calendar, '2025-04', []);
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
      { account: 'upr:EUR:policy/P-1', currency: 'EUR', debit: '329.00', credit: '0.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '329.00' },
    ]);
    expect(feb.events[0].payload).toMatchObject({ previousThrough: '2025-01', periods: ['2025-02'] });
    // The UPR holds what is unearned at the end of February: 4005.00 - 639.00.
    expect(creditBalance(log, 'upr:EUR:policy/P-1').toFixed(2)).toBe('3366.00');
    expect(creditBalance(log, 'upr:EUR:policy/P-1', '2025-01-31').toFixed(2)).toBe('3695.00');
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
      { account: 'upr:EUR:policy/P-1', currency: 'EUR', debit: '0.00', credit: '440.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '440.00', credit: '0.00' },
    ]);
    expect(postedFor(log)).toBe('150.00');
    expect(creditBalance(log, 'upr:EUR:policy/P-1').toFixed(2)).toBe('0.00');
  });

  it('omits policies with nothing to post; one UPR line per policy, one change-in-UPR line per currency, netted', () => {
    const later = boundPolicy({ policyId: 'P-9', premium: money('1000.00'), term: { start: '2025-06-01', end: '2026-06-01' } }).state;
    const usd = boundPolicy({ policyId: 'P-2', currency: 'USD', premium: money('730.00') }).state;
    const eur = bound().state;
    const eur3 = boundPolicy({ policyId: 'P-3', premium: money('365.00') }).state;
    const decision = decideClosePeriod(new PeriodCalendar(), '2025-01', [
      { policy: later, posted: ZERO },
      { policy: usd, posted: ZERO },
      { policy: eur3, posted: money('40.00') }, // over-posted: 31.00 earned -> -9.00
      { policy: eur, posted: money('300.00') }, // 310.00 earned -> 10.00
    ]);
    const [event] = decision.events;
    expect(event.payload.trueUps).toEqual([
      { currency: 'EUR', policies: 2, amount: '1.00' },
      { currency: 'USD', policies: 1, amount: '62.00' },
    ]);
    expect(event.journal.lines).toEqual([
      { account: 'upr:EUR:policy/P-1', currency: 'EUR', debit: '10.00', credit: '0.00' },
      { account: 'upr:USD:policy/P-2', currency: 'USD', debit: '62.00', credit: '0.00' },
      { account: 'upr:EUR:policy/P-3', currency: 'EUR', debit: '0.00', credit: '9.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '0.00', credit: '1.00' },
      { account: 'change-in-upr:USD', currency: 'USD', debit: '0.00', credit: '62.00' },
    ]);
    assertBalanced(event.journal);
    const posted = postedTrueUps([event]);
    expect([eur, eur3, usd, later].map((p) => postedTrueUp(posted, p).toFixed(2))).toEqual(['10.00', '-9.00', '62.00', '0.00']);
    expect(() => decideClosePeriod(new PeriodCalendar(), '2025-01', [{ policy: eur, posted: ZERO }, { policy: eur, posted: ZERO }])).toThrow(/twice/);
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
    expect(creditBalance(log, 'upr:EUR:policy/P-1').toFixed(2)).toBe('0.00');
    expect(log.filter((e) => e.type === 'PeriodClosed').at(-1)?.payload.trueUps).toEqual([]);
  });
});
