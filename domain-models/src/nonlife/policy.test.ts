import type { DomainEvent } from '../common/events';
import { earnedPremiumEntry, policyAccounts } from './accounts';
import {
  type PolicyState,
  decideBindPolicy,
  decideCancelPolicy,
  decideEndorsePolicy,
  decideRecordPremiumPayment,
  decideRefundPremium,
  earnedTrueUp,
  evolvePolicy,
  policyFigures,
} from './policy';
import {
  applyDecision,
  bindCommand,
  boundPolicy,
  cancelCommand,
  creditBalance,
  domainErrorCode,
  endorseCommand,
  expectAllBalanced,
  paymentCommand,
  refundCommand,
} from './test-support';

const accounts = policyAccounts('P-1', 'EUR');

function figures(state: PolicyState, asOf: string) {
  const f = policyFigures(state, asOf);
  return { status: f.status, written: f.written.toFixed(2), earned: f.earned.toFixed(2), unearned: f.unearned.toFixed(2), received: f.received.toFixed(2) };
}

/** Binds P-1 (3000.00 over 2025) and applies each step, keeping every event. */
function run(...steps: ((s: PolicyState) => ReturnType<typeof decideBindPolicy>)[]) {
  let { state, events } = boundPolicy();
  for (const step of steps) {
    const decision = step(state);
    state = applyDecision(state, decision, evolvePolicy);
    events = [...events, ...decision.events];
  }
  return { state, events };
}

describe('bind', () => {
  it('writes the full-term premium on the term start', () => {
    const decision = decideBindPolicy(undefined, bindCommand());
    expect(decision.result).toEqual({
      policyId: 'P-1',
      status: 'active',
      currency: 'EUR',
      term: { start: '2025-01-01', end: '2026-01-01' },
      premium: '3000.00',
      writtenPremium: '3000.00',
    });
    const [event] = decision.events;
    expect(event).toMatchObject({ type: 'PolicyBound', v: 1, entity: { kind: 'policy', id: 'P-1' }, effectiveDate: '2025-01-01' });
    expect(event.journal.lines).toEqual([
      { account: 'premium-receivable:EUR:policy/P-1', currency: 'EUR', debit: '3000.00', credit: '0.00' },
      { account: 'written-premium:EUR:policy/P-1', currency: 'EUR', debit: '0.00', credit: '3000.00' },
      { account: 'change-in-upr:EUR', currency: 'EUR', debit: '3000.00', credit: '0.00' },
      { account: 'upr:EUR', currency: 'EUR', debit: '0.00', credit: '3000.00' },
    ]);
  });

  it('is active with nothing written before the term, and expires at the term end', () => {
    const { state } = boundPolicy();
    expect(figures(state, '2024-12-31')).toEqual({ status: 'active', written: '0.00', earned: '0.00', unearned: '0.00', received: '0.00' });
    expect(figures(state, '2025-12-31').status).toBe('active');
    expect(figures(state, '2026-01-01')).toEqual({ status: 'expired', written: '3000.00', earned: '3000.00', unearned: '0.00', received: '0.00' });
  });

  it('refuses an existing policy id: entity_exists', () => {
    const { state } = boundPolicy();
    expect(domainErrorCode(() => decideBindPolicy(state, bindCommand()))).toBe('entity_exists');
  });
});

describe('endorse', () => {
  it('adds a layer: the worked example', () => {
    const { state, events } = run((s) => decideEndorsePolicy(s, endorseCommand('2025-07-15', '2000')));
    expect(figures(state, '2025-10-07')).toMatchObject({ written: '3931.51', earned: '2767.12', unearned: '1164.39' });
    expect(events[1].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['premium-receivable:EUR:policy/P-1', '931.51', '0.00'],
      ['written-premium:EUR:policy/P-1', '0.00', '931.51'],
      ['change-in-upr:EUR', '931.51', '0.00'],
      ['upr:EUR', '0.00', '931.51'],
    ]);
  });

  it('answers with the layer written premium and the new full-term premium', () => {
    const { state } = boundPolicy();
    expect(decideEndorsePolicy(state, endorseCommand('2025-07-15', '2000')).result).toEqual({
      policyId: 'P-1',
      effectiveDate: '2025-07-15',
      annualPremiumChange: '2000.00',
      fullTermPremium: '5000.00',
      writtenPremium: '931.51',
      writtenPremiumChange: '931.51',
      totalWrittenPremium: '3931.51',
    });
  });

  it('posts deltas of the rounded total, not separately rounded layers', () => {
    // Each layer of 1.00 from 2025-07-01 writes 1 * 184/365 = 0.50411 -> 0.50; two of them 1.00822 -> 1.01.
    const { state, events } = run(
      (s) => decideEndorsePolicy(s, endorseCommand('2025-07-01', '1')),
      (s) => decideEndorsePolicy(s, endorseCommand('2025-07-01', '1')),
    );
    expect(events.slice(1).map((e) => e.journal.lines[1].credit)).toEqual(['0.50', '0.51']);
    expect(creditBalance(events, accounts.writtenPremium).toFixed(2)).toBe(policyFigures(state, '2025-12-31').written.toFixed(2));
    expect(policyFigures(state, '2025-12-31').written.toFixed(2)).toBe('3001.01');
  });

  it('posts a decrease as written premium Dr / return premium payable Cr and reverses the UPR', () => {
    const { events } = run((s) => decideEndorsePolicy(s, endorseCommand('2025-07-02', '-730')));
    // -730 * 183/365 = -366.00
    expect(events[1].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['written-premium:EUR:policy/P-1', '366.00', '0.00'],
      ['return-premium-payable:EUR:policy/P-1', '0.00', '366.00'],
      ['upr:EUR', '366.00', '0.00'],
      ['change-in-upr:EUR', '0.00', '366.00'],
    ]);
  });

  it('refuses a date outside [start, end): effective_date_outside_term', () => {
    const { state } = boundPolicy();
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2024-12-31', '10')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2026-01-01', '10')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2025-12-31', '10')))).toBeUndefined();
  });

  it('refuses taking the full-term premium below zero on any date: premium_negative', () => {
    const { state } = boundPolicy();
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2025-03-01', '-3000.01')))).toBe('premium_negative');
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2025-03-01', '-3000')))).toBeUndefined();
    // Back-dated: -2500 from March is fine on its own date, but with the -1000 from June the premium is -500 from June on.
    const { state: lowered } = run((s) => decideEndorsePolicy(s, endorseCommand('2025-06-01', '-1000')));
    expect(domainErrorCode(() => decideEndorsePolicy(lowered, endorseCommand('2025-03-01', '-2500')))).toBe('premium_negative');
  });

  it('refuses an endorsement on/after the cancellation date: policy_not_active', () => {
    const { state } = run((s) => decideCancelPolicy(s, cancelCommand('2025-07-01')));
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2025-07-01', '10')))).toBe('policy_not_active');
    expect(domainErrorCode(() => decideEndorsePolicy(state, endorseCommand('2025-12-01', '10')))).toBe('policy_not_active');
  });

  it('ends a layer back-dated before a cancellation on the cancellation date', () => {
    // 1200 over 2025, cancelled 2025-07-01 (181 days kept), then +365 from 2025-04-01: 91 more days kept.
    const { state, events } = run(
      (s) => decideCancelPolicy(s, cancelCommand('2025-07-01')),
      (s) => decideEndorsePolicy(s, endorseCommand('2025-04-01', '365')),
    );
    // 3000 * 181/365 = 1487.67 kept + 91.00 from the layer
    expect(figures(state, '2025-07-01')).toMatchObject({ status: 'cancelled', written: '1578.67', earned: '1578.67', unearned: '0.00' });
    expect(figures(state, '2025-06-30')).toMatchObject({ written: '3091.00' });
    expect(events[2].payload).toEqual({ policyId: 'P-1', annualPremiumChange: '365.00', layerEnd: '2025-07-01' });
    expect(creditBalance(events, accounts.writtenPremium).toFixed(2)).toBe('1578.67');
  });
});

describe('cancel', () => {
  it('pro-rata: returns the unexpired premium, earned = written from the cancellation date on', () => {
    const { state, events } = run((s) => decideCancelPolicy(s, cancelCommand('2025-04-01')));
    // 3000 * 275/365 = 2260.27
    expect(events[1].payload).toEqual({ policyId: 'P-1', method: 'pro-rata', returnPremium: '2260.27' });
    expect(figures(state, '2025-03-31')).toMatchObject({ status: 'active', written: '3000.00', earned: '739.73', unearned: '2260.27' });
    expect(figures(state, '2025-04-01')).toMatchObject({ status: 'cancelled', written: '739.73', earned: '739.73', unearned: '0.00' });
    expect(figures(state, '2026-06-01')).toMatchObject({ status: 'cancelled', written: '739.73', earned: '739.73', unearned: '0.00' });
    expect(creditBalance(events, accounts.writtenPremium).toFixed(2)).toBe('739.73');
    expect(creditBalance(events, accounts.returnPremiumPayable).toFixed(2)).toBe('2260.27');
    expect(accounts.upr).toBe('upr:EUR'); // a portfolio account per currency: these are the policy's contribution lines
    expect(creditBalance(events, accounts.upr).toFixed(2)).toBe('739.73'); // earned by the period-close true-up
  });

  it('short-rate: returns factor * pro-rata and earns the kept difference on the cancellation date', () => {
    const { state } = boundPolicy();
    const decision = decideCancelPolicy(state, cancelCommand('2025-04-01', '0.9'));
    // 0.9 * 2260.2739... = 2034.2465... -> 2034.25
    expect(decision.result).toEqual({
      policyId: 'P-1',
      status: 'cancelled',
      effectiveDate: '2025-04-01',
      method: 'short-rate',
      shortRateFactor: '0.900000',
      returnPremium: '2034.25',
      writtenPremium: '965.75',
      earnedPremium: '965.75',
    });
    const after = applyDecision(state, decision, evolvePolicy);
    expect(figures(after, '2025-04-01')).toMatchObject({ written: '965.75', earned: '965.75', unearned: '0.00' });
    expect(figures(after, '2025-03-31')).toMatchObject({ written: '3000.00', earned: '739.73' });
  });

  it('refuses a date outside the term: effective_date_outside_term', () => {
    const { state } = boundPolicy();
    expect(domainErrorCode(() => decideCancelPolicy(state, cancelCommand('2024-12-31')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideCancelPolicy(state, cancelCommand('2026-01-01')))).toBe('effective_date_outside_term');
  });

  it('refuses cancelling twice: policy_not_active', () => {
    const { state } = run((s) => decideCancelPolicy(s, cancelCommand('2025-07-01')));
    expect(domainErrorCode(() => decideCancelPolicy(state, cancelCommand('2025-03-01')))).toBe('policy_not_active');
    expect(domainErrorCode(() => decideCancelPolicy(state, cancelCommand('2025-09-01', '0.9')))).toBe('policy_not_active');
  });

  it('refuses a date before a recorded premium change until that change is reversed', () => {
    const { state } = run((s) => decideEndorsePolicy(s, endorseCommand('2025-09-01', '1000')));
    expect(domainErrorCode(() => decideCancelPolicy(state, cancelCommand('2025-06-01')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideCancelPolicy(state, cancelCommand('2025-09-01')))).toBeUndefined();
    const reversed = applyDecision(state, decideEndorsePolicy(state, endorseCommand('2025-09-01', '-1000')), evolvePolicy);
    const after = applyDecision(reversed, decideCancelPolicy(reversed, cancelCommand('2025-06-01')), evolvePolicy);
    // 3000 * 151/365 = 1241.10, also between the cancellation and the reversed layers' date
    expect(figures(after, '2025-06-01').written).toBe('1241.10');
    expect(figures(after, '2025-10-01').written).toBe('1241.10');
  });
});

describe('premium payments and refunds', () => {
  it('posts cash Dr / premium receivable Cr on any date, up to the balance owed', () => {
    const { state, events } = run((s) => decideRecordPremiumPayment(s, paymentCommand('2024-12-15', '1000')));
    expect(events[1].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['cash:EUR', '1000.00', '0.00'],
      ['premium-receivable:EUR:policy/P-1', '0.00', '1000.00'],
    ]);
    expect(figures(state, '2024-12-15').received).toBe('1000.00');
    expect(policyFigures(state, '2025-06-01').balance.toFixed(2)).toBe('2000.00');
    // 3000.00 written, 1000.00 received: 2000.00 owed, not a cent more.
    expect(domainErrorCode(() => decideRecordPremiumPayment(state, paymentCommand('2025-06-01', '2000.01')))).toBe('payment_exceeds_balance');
    expect(decideRecordPremiumPayment(state, paymentCommand('2025-06-01', '2000')).result).toEqual({
      policyId: 'P-1',
      amount: '2000.00',
      receivedDate: '2025-06-01',
      totalReceived: '3000.00',
    });
  });

  it('after a cancellation leaves a credit, pays it back (return premium payable Dr / cash Cr) and nothing more; no payment is taken meanwhile', () => {
    // 3000.00 over 2025, 1000.00 paid, cancelled pro rata from 2025-04-01: 2260.27 returned (3000 x 275/365), 739.73 written.
    const { state } = run(
      (s) => decideRecordPremiumPayment(s, paymentCommand('2024-12-15', '1000')),
      (s) => decideCancelPolicy(s, cancelCommand('2025-04-01')),
    );
    expect(policyFigures(state, '2025-12-31').balance.toFixed(2)).toBe('-260.27');
    expect(domainErrorCode(() => decideRecordPremiumPayment(state, paymentCommand('2025-05-01', '0.01')))).toBe('payment_exceeds_balance');
    expect(domainErrorCode(() => decideRefundPremium(state, refundCommand('2025-05-01', '260.28')))).toBe('refund_exceeds_balance');
    const refund = decideRefundPremium(state, refundCommand('2025-05-01', '260.27'));
    expect(refund.result).toEqual({ policyId: 'P-1', amount: '260.27', paidDate: '2025-05-01', totalRefunded: '260.27', balance: '0.00' });
    expect(refund.events[0].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['return-premium-payable:EUR:policy/P-1', '260.27', '0.00'],
      ['cash:EUR', '0.00', '260.27'],
    ]);
    const after = applyDecision(state, refund, evolvePolicy);
    expect({ refunded: policyFigures(after, '2025-05-01').refunded.toFixed(2), balance: policyFigures(after, '2025-05-01').balance.toFixed(2) }).toEqual({ refunded: '260.27', balance: '0.00' });
    expect(policyFigures(after, '2025-04-30').refunded.toFixed(2)).toBe('0.00');
    expect(domainErrorCode(() => decideRefundPremium(after, refundCommand('2025-05-02', '0.01')))).toBe('refund_exceeds_balance');
    expect(domainErrorCode(() => decideRecordPremiumPayment(after, paymentCommand('2025-05-02', '0.01')))).toBe('payment_exceeds_balance');
    expectAllBalanced([...refund.events]);
  });
});


describe('events and journal', () => {
  it('balance, and fold to the same state through JSON', () => {
    const { state, events } = run(
      (s) => decideEndorsePolicy(s, endorseCommand('2025-02-10', '123.45')),
      (s) => decideEndorsePolicy(s, endorseCommand('2025-05-10', '-77.77')),
      (s) => decideRecordPremiumPayment(s, paymentCommand('2025-05-11', '100')),
      (s) => decideCancelPolicy(s, cancelCommand('2025-08-20', '0.75')),
    );
    expectAllBalanced(events);
    const refolded = events.reduce<PolicyState | undefined>((s, e: DomainEvent) => evolvePolicy(s, e), undefined)!;
    expect(figures(refolded, '2025-12-31')).toEqual(figures(state, '2025-12-31'));
    expect(creditBalance(events, accounts.writtenPremium).toFixed(2)).toBe(figures(state, '2025-12-31').written);
  });

  it('refuses an event of an unknown version or a malformed payload', () => {
    const [bound] = boundPolicy().events;
    expect(() => evolvePolicy(undefined, { ...bound, v: 2 })).toThrow(/upcast/);
    expect(() => evolvePolicy(undefined, { ...bound, payload: { ...bound.payload, premium: 3000 } })).toThrow();
    expect(() => evolvePolicy(undefined, { ...bound, type: 'ClaimOpened' })).toThrow(/not a policy event/);
  });

  it('gives the earned premium the period close has to have posted', () => {
    const { state } = boundPolicy();
    expect(earnedTrueUp(state, '2025-03-31').toFixed(2)).toBe('739.73');
    expect(earnedTrueUp(state, '2025-12-31').toFixed(2)).toBe('3000.00');
    expect(earnedPremiumEntry(accounts, earnedTrueUp(state, '2025-03-31')).lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['upr:EUR', '739.73', '0.00'],
      ['change-in-upr:EUR', '0.00', '739.73'],
    ]);
  });
});
