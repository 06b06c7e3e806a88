import { Decimal } from '../common/decimal';
import type { Decision, DomainEvent } from '../common/events';
import { type PolicyState, decideCancelPolicy, evolvePolicy } from '../nonlife/policy';
import { COMMAND_ID, applyDecision, boundPolicy, cancelCommand, creditBalance, domainErrorCode, expectAllBalanced } from '../nonlife/test-support';
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
import type { OpenClaim } from './commands';
import type { RecoveryKind } from './events';

const policy = boundPolicy().state; // P-1, EUR, 2025
const accounts = claimAccounts('C-1', 'EUR');

const openCommand = (overrides: Partial<OpenClaim> = {}): OpenClaim => ({
  commandId: COMMAND_ID,
  claimId: 'C-1',
  policyId: 'P-1',
  lossDate: '2025-03-10',
  reportedDate: '2025-03-12',
  initialReserve: new Decimal('1000'),
  ...overrides,
});
const reserve = (effectiveDate: string, change: string) => ({ commandId: COMMAND_ID, claimId: 'C-1', effectiveDate, change: new Decimal(change) });
const pay = (effectiveDate: string, amount: string) => ({ commandId: COMMAND_ID, claimId: 'C-1', effectiveDate, amount: new Decimal(amount) });
const close = (effectiveDate: string) => ({ commandId: COMMAND_ID, claimId: 'C-1', effectiveDate });
const recover = (effectiveDate: string, amount: string, kind: RecoveryKind = 'subrogation') => ({ commandId: COMMAND_ID, claimId: 'C-1', effectiveDate, amount: new Decimal(amount), kind });
const reopen = (effectiveDate: string, reserveAmount: string) => ({ commandId: COMMAND_ID, claimId: 'C-1', effectiveDate, reserve: new Decimal(reserveAmount) });

/** Opens C-1 on P-1 and applies each step, keeping every event. */
function run(...steps: ((c: ClaimState) => Decision)[]) {
  const opened = decideOpenClaim(undefined, policy, openCommand());
  let state = applyDecision<ClaimState>(undefined, opened, evolveClaim);
  let events: DomainEvent[] = [...opened.events];
  for (const step of steps) {
    const decision = step(state);
    state = applyDecision(state, decision, evolveClaim);
    events = [...events, ...decision.events];
  }
  return { state, events };
}

function figures(state: ClaimState, asOf: string) {
  const f = claimFigures(state, asOf);
  return {
    status: f.status,
    newReserve: f.newReserve.toFixed(2),
    reserveChanges: f.reserveChanges.toFixed(2),
    paid: f.paid.toFixed(2),
    recoveries: f.recoveries.toFixed(2),
    reserve: f.reserve.toFixed(2),
    incurred: f.incurred.toFixed(2),
  };
}

describe('open', () => {
  it("books the initial reserve on the reported date, in the policy's currency", () => {
    const decision = decideOpenClaim(undefined, policy, openCommand());
    expect(decision.events[0]).toMatchObject({ type: 'ClaimOpened', v: 1, entity: { kind: 'claim', id: 'C-1' }, effectiveDate: '2025-03-12' });
    expect(decision.events[0].journal.lines).toEqual([
      { account: 'change-in-claims-reserve:EUR', currency: 'EUR', debit: '1000.00', credit: '0.00' },
      { account: 'claims-reserve:EUR:claim/C-1', currency: 'EUR', debit: '0.00', credit: '1000.00' },
    ]);
    expect(decision.result).toEqual({
      claimId: 'C-1',
      policyId: 'P-1',
      currency: 'EUR',
      lossDate: '2025-03-10',
      reportedDate: '2025-03-12',
      initialReserve: '1000.00',
      status: 'open',
      reserve: '1000.00',
      paid: '0.00',
      recoveries: '0.00',
      incurred: '1000.00',
    });
    const { state } = run();
    expect(figures(state, '2025-03-11')).toMatchObject({ newReserve: '0.00', reserve: '0.00' });
    expect(figures(state, '2025-03-12')).toMatchObject({ newReserve: '1000.00', reserve: '1000.00', incurred: '1000.00' });
  });

  it('refuses an existing claim id: entity_exists', () => {
    const { state } = run();
    expect(domainErrorCode(() => decideOpenClaim(state, policy, openCommand()))).toBe('entity_exists');
  });

  it('refuses a loss outside the term: effective_date_outside_term', () => {
    for (const lossDate of ['2024-12-31', '2026-01-01']) {
      expect(domainErrorCode(() => decideOpenClaim(undefined, policy, openCommand({ lossDate, reportedDate: '2026-02-01' })))).toBe(
        'effective_date_outside_term',
      );
    }
  });

  it('refuses a loss on/after the cancellation date, not before it: policy_not_active', () => {
    const cancelled: PolicyState = applyDecision(policy, decideCancelPolicy(policy, cancelCommand('2025-03-10')), evolvePolicy);
    expect(domainErrorCode(() => decideOpenClaim(undefined, cancelled, openCommand()))).toBe('policy_not_active');
    expect(domainErrorCode(() => decideOpenClaim(undefined, cancelled, openCommand({ lossDate: '2025-03-09' })))).toBeUndefined();
  });
});

describe('reserve changes and payments', () => {
  it('follow the report identity: reserve = new + changes - paid, incurred = paid + reserve', () => {
    const { state, events } = run(
      (c) => decideChangeReserve(c, reserve('2025-04-01', '500')),
      (c) => decidePayClaim(c, pay('2025-05-01', '1200')),
      (c) => decideChangeReserve(c, reserve('2025-06-01', '-100')),
    );
    expect(figures(state, '2025-06-30')).toEqual({
      status: 'open',
      newReserve: '1000.00',
      reserveChanges: '400.00',
      paid: '1200.00',
      recoveries: '0.00',
      reserve: '200.00',
      incurred: '1400.00',
    });
    expect(events[2].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['claims-paid:EUR:claim/C-1', '1200.00', '0.00'],
      ['cash:EUR', '0.00', '1200.00'],
      ['claims-reserve:EUR:claim/C-1', '1200.00', '0.00'],
      ['change-in-claims-reserve:EUR', '0.00', '1200.00'],
    ]);
    expect(events[3].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['claims-reserve:EUR:claim/C-1', '100.00', '0.00'],
      ['change-in-claims-reserve:EUR', '0.00', '100.00'],
    ]);
    expectAllBalanced(events);
    for (const asOf of ['2025-03-11', '2025-03-12', '2025-04-15', '2025-05-01', '2025-12-31']) {
      expect(creditBalance(events, accounts.claimsReserve, asOf).toFixed(2)).toBe(figures(state, asOf).reserve);
    }
  });

  it('refuses a change below zero: reserve_negative', () => {
    const { state } = run();
    expect(domainErrorCode(() => decideChangeReserve(state, reserve('2025-04-01', '-1000.01')))).toBe('reserve_negative');
    expect(domainErrorCode(() => decideChangeReserve(state, reserve('2025-04-01', '-1000')))).toBeUndefined();
  });

  it('refuses a back-dated change that takes a later reserve below zero: reserve_negative', () => {
    const { state } = run((c) => decidePayClaim(c, pay('2025-06-01', '900')));
    // On 2025-04-01 the reserve is 1000, but from 2025-06-01 on only 100 is left.
    expect(domainErrorCode(() => decideChangeReserve(state, reserve('2025-04-01', '-200')))).toBe('reserve_negative');
  });

  it('refuses a payment above the outstanding reserve: payment_exceeds_reserve', () => {
    const { state } = run();
    expect(domainErrorCode(() => decidePayClaim(state, pay('2025-04-01', '1000.01')))).toBe('payment_exceeds_reserve');
    const raised = applyDecision(state, decideChangeReserve(state, reserve('2025-04-01', '0.01')), evolveClaim);
    expect(domainErrorCode(() => decidePayClaim(raised, pay('2025-04-01', '1000.01')))).toBeUndefined();
    // A raise dated later does not cover a payment dated before it.
    expect(domainErrorCode(() => decidePayClaim(raised, pay('2025-03-31', '1000.01')))).toBe('payment_exceeds_reserve');
  });

  it('refuses a movement before the claim was reported: effective_date_outside_term', () => {
    const { state } = run();
    expect(domainErrorCode(() => decideChangeReserve(state, reserve('2025-03-11', '10')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decidePayClaim(state, pay('2025-03-11', '10')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideCloseClaim(state, close('2025-03-11')))).toBe('effective_date_outside_term');
  });
});

describe('close', () => {
  it('releases the reserve left', () => {
    const { state, events } = run((c) => decidePayClaim(c, pay('2025-05-01', '300')), (c) => decideCloseClaim(c, close('2025-07-01')));
    expect(events[2].payload).toEqual({ claimId: 'C-1', release: '700.00' });
    expect(events[2].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['claims-reserve:EUR:claim/C-1', '700.00', '0.00'],
      ['change-in-claims-reserve:EUR', '0.00', '700.00'],
    ]);
    expect(figures(state, '2025-06-30')).toMatchObject({ status: 'open', reserve: '700.00', incurred: '1000.00' });
    expect(figures(state, '2025-07-01')).toEqual({
      status: 'closed',
      newReserve: '1000.00',
      reserveChanges: '-700.00',
      paid: '300.00',
      recoveries: '0.00',
      reserve: '0.00',
      incurred: '300.00',
    });
    expect(creditBalance(events, accounts.claimsReserve).toFixed(2)).toBe('0.00');
  });

  it('refuses any movement on a closed claim: claim_not_open', () => {
    const { state } = run((c) => decideCloseClaim(c, close('2025-07-01')));
    expect(domainErrorCode(() => decideChangeReserve(state, reserve('2025-08-01', '10')))).toBe('claim_not_open');
    expect(domainErrorCode(() => decidePayClaim(state, pay('2025-06-01', '10')))).toBe('claim_not_open');
    expect(domainErrorCode(() => decideCloseClaim(state, close('2025-08-01')))).toBe('claim_not_open');
  });

  it('refuses a close dated before the last movement: effective_date_outside_term', () => {
    const { state } = run((c) => decideChangeReserve(c, reserve('2025-08-01', '10')));
    expect(domainErrorCode(() => decideCloseClaim(state, close('2025-07-31')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideCloseClaim(state, close('2025-08-01')))).toBeUndefined();
  });
});

describe('recoveries', () => {
  it('post cash Dr / claims recoveries Cr, leave the reserve alone and lower incurred', () => {
    const { state, events } = run(
      (c) => decidePayClaim(c, pay('2025-05-01', '800')),
      (c) => decideRecoverClaim(c, recover('2025-06-01', '250.50')),
      (c) => decideRecoverClaim(c, recover('2025-06-15', '49.50', 'salvage')),
    );
    expect(events[2]).toMatchObject({ type: 'ClaimRecoveryReceived', v: 1, effectiveDate: '2025-06-01', payload: { claimId: 'C-1', amount: '250.50', kind: 'subrogation' } });
    expect(events[2].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['cash:EUR', '250.50', '0.00'],
      ['claims-recoveries:EUR:claim/C-1', '0.00', '250.50'],
    ]);
    expect(figures(state, '2025-05-31')).toMatchObject({ paid: '800.00', recoveries: '0.00', reserve: '200.00', incurred: '1000.00' });
    expect(figures(state, '2025-06-30')).toEqual({
      status: 'open',
      newReserve: '1000.00',
      reserveChanges: '0.00',
      paid: '800.00',
      recoveries: '300.00',
      reserve: '200.00',
      incurred: '700.00',
    });
    expect(creditBalance(events, accounts.claimsRecoveries).toFixed(2)).toBe('300.00');
    expectAllBalanced(events);
  });

  it('are taken on a closed claim, and the decision answers the figures after it', () => {
    const { state } = run((c) => decidePayClaim(c, pay('2025-05-01', '400')), (c) => decideCloseClaim(c, close('2025-06-01')));
    const decision = decideRecoverClaim(state, recover('2025-08-01', '100', 'salvage'));
    expect(decision.result).toEqual({
      claimId: 'C-1',
      effectiveDate: '2025-08-01',
      amount: '100.00',
      kind: 'salvage',
      status: 'closed',
      reserve: '0.00',
      paid: '400.00',
      recoveries: '100.00',
      incurred: '300.00',
    });
  });

  it('refuse more than was paid on any date from theirs on: recovery_exceeds_paid', () => {
    const { state } = run((c) => decidePayClaim(c, pay('2025-05-01', '400')), (c) => decideRecoverClaim(c, recover('2025-07-01', '300')));
    expect(domainErrorCode(() => decideRecoverClaim(state, recover('2025-04-30', '0.01')))).toBe('recovery_exceeds_paid');
    expect(domainErrorCode(() => decideRecoverClaim(state, recover('2025-08-01', '100.01')))).toBe('recovery_exceeds_paid');
    expect(domainErrorCode(() => decideRecoverClaim(state, recover('2025-08-01', '100')))).toBeUndefined();
    // Back-dated before the later recovery: 150 on 2025-06-01 is within the 400 paid then, but 150 + 300 > 400 from 2025-07-01.
    expect(domainErrorCode(() => decideRecoverClaim(state, recover('2025-06-01', '150')))).toBe('recovery_exceeds_paid');
  });

  it('refuse a date before the claim was reported: effective_date_outside_term', () => {
    const { state } = run((c) => decidePayClaim(c, pay('2025-05-01', '400')));
    expect(domainErrorCode(() => decideRecoverClaim(state, recover('2025-03-11', '1')))).toBe('effective_date_outside_term');
  });
});

describe('reopen', () => {
  const closedClaim = () => run((c) => decidePayClaim(c, pay('2025-05-01', '300')), (c) => decideCloseClaim(c, close('2025-07-01')));

  it('sets the reserve again (a reserve change) and the claim is open from its date on', () => {
    const { state, events } = run(
      (c) => decidePayClaim(c, pay('2025-05-01', '300')),
      (c) => decideCloseClaim(c, close('2025-07-01')),
      (c) => decideReopenClaim(c, reopen('2025-09-01', '500')),
    );
    expect(events[3]).toMatchObject({ type: 'ClaimReopened', v: 1, effectiveDate: '2025-09-01', payload: { claimId: 'C-1', reserve: '500.00' } });
    expect(events[3].journal.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['change-in-claims-reserve:EUR', '500.00', '0.00'],
      ['claims-reserve:EUR:claim/C-1', '0.00', '500.00'],
    ]);
    expect(figures(state, '2025-06-30').status).toBe('open');
    expect(figures(state, '2025-08-31')).toMatchObject({ status: 'closed', reserve: '0.00', incurred: '300.00' });
    expect(figures(state, '2025-09-01')).toEqual({
      status: 'open',
      newReserve: '1000.00',
      reserveChanges: '-200.00',
      paid: '300.00',
      recoveries: '0.00',
      reserve: '500.00',
      incurred: '800.00',
    });
    expect(creditBalance(events, accounts.claimsReserve).toFixed(2)).toBe('500.00');
  });

  it('lets the claim be paid, changed and closed again; closed again it can be reopened again', () => {
    const { state, events } = run(
      (c) => decidePayClaim(c, pay('2025-05-01', '300')),
      (c) => decideCloseClaim(c, close('2025-07-01')),
      (c) => decideReopenClaim(c, reopen('2025-09-01', '500')),
      (c) => decidePayClaim(c, pay('2025-09-10', '450')),
      (c) => decideChangeReserve(c, reserve('2025-09-20', '100')),
      (c) => decideRecoverClaim(c, recover('2025-09-25', '200')),
      (c) => decideCloseClaim(c, close('2025-10-01')),
    );
    expect(events[7].payload).toEqual({ claimId: 'C-1', release: '150.00' });
    expect(figures(state, '2025-10-01')).toEqual({
      status: 'closed',
      newReserve: '1000.00',
      reserveChanges: '-250.00',
      paid: '750.00',
      recoveries: '200.00',
      reserve: '0.00',
      incurred: '550.00',
    });
    expect(figures(state, '2025-09-30').status).toBe('open');
    expect(domainErrorCode(() => decidePayClaim(state, pay('2025-10-02', '1')))).toBe('claim_not_open');
    const again = applyDecision(state, decideReopenClaim(state, reopen('2025-10-01', '0')), evolveClaim);
    expect(figures(again, '2025-10-01')).toMatchObject({ status: 'open', reserve: '0.00' });
    expectAllBalanced(events);
  });

  it('refuses an open claim: claim_not_closed', () => {
    const { state } = run();
    expect(domainErrorCode(() => decideReopenClaim(state, reopen('2025-09-01', '10')))).toBe('claim_not_closed');
    const reopened = applyDecision(closedClaim().state, decideReopenClaim(closedClaim().state, reopen('2025-09-01', '10')), evolveClaim);
    expect(domainErrorCode(() => decideReopenClaim(reopened, reopen('2025-09-02', '10')))).toBe('claim_not_closed');
  });

  it('refuses a date before the close: effective_date_outside_term; the close date itself is fine', () => {
    const { state } = closedClaim();
    expect(domainErrorCode(() => decideReopenClaim(state, reopen('2025-06-30', '10')))).toBe('effective_date_outside_term');
    expect(domainErrorCode(() => decideReopenClaim(state, reopen('2025-07-01', '10')))).toBeUndefined();
  });

  it('takes no movement dated before the reopening: claim_not_open', () => {
    const { state } = closedClaim();
    const reopened = applyDecision(state, decideReopenClaim(state, reopen('2025-09-01', '500')), evolveClaim);
    expect(domainErrorCode(() => decidePayClaim(reopened, pay('2025-08-31', '1')))).toBe('claim_not_open');
    expect(domainErrorCode(() => decideChangeReserve(reopened, reserve('2025-06-01', '1')))).toBe('claim_not_open');
    expect(domainErrorCode(() => decideCloseClaim(reopened, close('2025-08-31')))).toBe('claim_not_open');
    expect(domainErrorCode(() => decidePayClaim(reopened, pay('2025-09-01', '500')))).toBeUndefined();
  });
});

describe('events', () => {
  it('refuse an unknown version, a malformed payload, or a movement before the open', () => {
    const opened = decideOpenClaim(undefined, policy, openCommand()).events[0];
    expect(() => evolveClaim(undefined, { ...opened, v: 2 })).toThrow(/upcast/);
    expect(() => evolveClaim(undefined, { ...opened, payload: { ...opened.payload, extra: 1 } })).toThrow();
    const paid = run((c) => decidePayClaim(c, pay('2025-05-01', '1'))).events[1];
    expect(() => evolveClaim(undefined, paid)).toThrow(/before ClaimOpened/);
  });
});
