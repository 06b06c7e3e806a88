// A claim on a non-life policy: state, deciders and the fold of its events.
//
// The reserve is a function of valid time. Movements may be back-dated, so a
// rule like "reserve >= 0" or "a payment may not exceed the outstanding
// reserve" is checked on every date from the movement's date on, not only on
// the latest one: a back-dated payment lowers the reserve of every later date.
//
// The status is a function of valid time too: a claim closed on c and
// reopened on r >= c is closed on [c, r) and open again from r. Recoveries
// (subrogation, salvage) are cash received against the claim's cost: they
// lower what it has incurred, not its reserve.
import { type IsoDate } from '../common/dates';
import { Decimal, ZERO, formatMoney, sum } from '../common/decimal';
import { DomainError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { JournalEntry } from '../common/journal';
import type { PolicyState } from '../nonlife/policy';
import { claimAccounts, claimPaymentEntry, claimRecoveryEntry, reserveChangeEntry } from './accounts';
import type { ChangeReserve, CloseClaim, OpenClaim, PayClaim, RecoverClaim, ReopenClaim } from './commands';
import { REVERSAL_EVENT_OF, reversedEntry, type Reverse } from '../ledger/reversal';
import { CLAIM_EVENT_VERSION, type ClaimEvent, type ClaimEventType, type RecoveryKind, parseClaimEvent } from './events';

/**
 * A movement of the case reserve after the claim is opened; `amount` > 0
 * except for reserve changes (signed). The reserve set on reopening is a
 * reserve change.
 */
export interface ClaimMovement {
  kind: 'reserve-change' | 'payment' | 'release';
  effectiveDate: IsoDate;
  amount: Decimal;
}

/** Cash recovered against the claim; `amount` > 0. */
export interface ClaimRecovery {
  kind: RecoveryKind;
  effectiveDate: IsoDate;
  amount: Decimal;
}

export type ClaimStatus = 'open' | 'closed';

/** A close or a reopen, effective `effectiveDate`. */
export interface ClaimStatusChange {
  status: ClaimStatus;
  effectiveDate: IsoDate;
}

export interface ClaimState {
  claimId: string;
  policyId: string;
  currency: string;
  lossDate: IsoDate;
  /** The date the claim enters the books: its initial reserve is new on this date. */
  reportedDate: IsoDate;
  initialReserve: Decimal;
  movements: readonly ClaimMovement[];
  recoveries: readonly ClaimRecovery[];
  /**
   * Closes and reopens in record order. Their dates never go back (a close is
   * dated on or after every movement, a reopen on or after the close), so the
   * status on a date is that of the last change dated on or before it.
   */
  statusChanges: readonly ClaimStatusChange[];
}

export interface ClaimFigures {
  status: ClaimStatus;
  newReserve: Decimal;
  /** Every reserve change after the initial reserve: the release at close and the reserve set on reopening included. */
  reserveChanges: Decimal;
  paid: Decimal;
  /** Recoveries (subrogation, salvage) received. */
  recoveries: Decimal;
  reserve: Decimal;
  /** paid + reserve - recoveries */
  incurred: Decimal;
}

// ---------------------------------------------------------------- figures

function movementTotal(state: ClaimState, asOf: IsoDate, kind: ClaimMovement['kind']): Decimal {
  return sum(state.movements.filter((m) => m.kind === kind && m.effectiveDate <= asOf).map((m) => m.amount));
}

function recoveriesThrough(state: ClaimState, asOf: IsoDate): Decimal {
  return sum(state.recoveries.filter((r) => r.effectiveDate <= asOf).map((r) => r.amount));
}

/** The status valid on `asOf`: that of the last close or reopen dated on or before it; open before any. */
export function claimStatusOn(state: ClaimState, asOf: IsoDate): ClaimStatus {
  for (let i = state.statusChanges.length - 1; i >= 0; i--) if (state.statusChanges[i].effectiveDate <= asOf) return state.statusChanges[i].status;
  return 'open';
}

/** The claim's last close or reopen, if any. */
function lastStatusChange(state: ClaimState): ClaimStatusChange | undefined {
  return state.statusChanges[state.statusChanges.length - 1];
}

/** Cumulative figures valid on `asOf` (all amounts are whole cents: nothing to round). */
export function claimFigures(state: ClaimState, asOf: IsoDate): ClaimFigures {
  const newReserve = state.reportedDate <= asOf ? state.initialReserve : ZERO;
  const reserveChanges = movementTotal(state, asOf, 'reserve-change').minus(movementTotal(state, asOf, 'release'));
  const paid = movementTotal(state, asOf, 'payment');
  const recoveries = recoveriesThrough(state, asOf);
  const reserve = newReserve.plus(reserveChanges).minus(paid);
  return { status: claimStatusOn(state, asOf), newReserve, reserveChanges, paid, recoveries, reserve, incurred: paid.plus(reserve).minus(recoveries) };
}

/**
 * The lowest reserve on `date` or any later date: how much a movement
 * effective `date` may take out. The reserve only moves on movement dates, so
 * it is the reserve on `date` and then on each later movement date, walked in
 * date order in one pass (claimFigures on each date would be quadratic in the
 * claim's movements; the sums are exact, so the order of adding is free).
 */
export function outstandingReserveFrom(state: ClaimState, date: IsoDate): Decimal {
  let reserve = claimFigures(state, date).reserve;
  let low = reserve;
  const later = state.movements.filter((m) => m.effectiveDate > date).sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0));
  let reported = state.reportedDate <= date;
  for (let i = 0; i < later.length; i++) {
    const m = later[i];
    if (!reported && state.reportedDate <= m.effectiveDate) {
      reported = true;
      reserve = reserve.plus(state.initialReserve);
    }
    reserve = m.kind === 'reserve-change' ? reserve.plus(m.amount) : reserve.minus(m.amount);
    // The reserve on a date counts every movement of that date.
    if (i + 1 === later.length || later[i + 1].effectiveDate !== m.effectiveDate) low = Decimal.min(low, reserve);
  }
  return low;
}

// ---------------------------------------------------------------- rules

/**
 * A reserve movement needs an open claim, dated in its current open spell: a
 * closed claim takes none until reopened, and a reopened one none dated
 * before its reopening (the spell before the close was settled by it).
 */
function refuseUnlessOpen(claim: ClaimState, date: IsoDate, what: string): void {
  const last = lastStatusChange(claim);
  if (last?.status === 'closed') {
    throw new DomainError('claim_not_open', `claim ${claim.claimId} was closed effective ${last.effectiveDate}`);
  }
  if (last !== undefined && date < last.effectiveDate) {
    throw new DomainError('claim_not_open', `${what} effective ${date} is before claim ${claim.claimId} was reopened (${last.effectiveDate}): it was closed then`);
  }
}

/** A movement before the claim entered the books has no reserve to move. */
function refuseBeforeReported(claim: ClaimState, date: IsoDate, what: string): void {
  if (date < claim.reportedDate) {
    throw new DomainError(
      'effective_date_outside_term',
      `${what} effective ${date} is before claim ${claim.claimId} was reported (${claim.reportedDate})`,
    );
  }
}

function refuseOpenMovement(claim: ClaimState, cmdClaimId: string, date: IsoDate, what: string): void {
  if (claim.claimId !== cmdClaimId) throw new Error(`command for claim ${cmdClaimId} decided on claim ${claim.claimId}`);
  refuseBeforeReported(claim, date, what);
  refuseUnlessOpen(claim, date, what);
}

function claimEvent<T extends ClaimEventType>(
  type: T,
  claimId: string,
  effectiveDate: IsoDate,
  payload: Extract<ClaimEvent, { type: T }>['payload'],
  journal: JournalEntry,
): DomainEvent {
  return { type, v: CLAIM_EVENT_VERSION, entity: { kind: 'claim', id: claimId }, effectiveDate, payload, journal };
}

function withMovement(state: ClaimState, movement: ClaimMovement, status?: ClaimStatus): ClaimState {
  const statusChanges = status === undefined ? state.statusChanges : [...state.statusChanges, { status, effectiveDate: movement.effectiveDate }];
  return { ...state, movements: [...state.movements, movement], statusChanges };
}

/**
 * Recoveries never exceed what was paid, on `from` and every later date:
 * payments only add after `from` (a reversed payment is checked from its own
 * date), so the recovery dates after it are the only other dates to check.
 */
function refuseRecoveriesAbovePaid(state: ClaimState, from: IsoDate, what: string): void {
  const dates = [from, ...state.recoveries.map((r) => r.effectiveDate).filter((d) => d > from)];
  for (const date of dates) {
    const f = claimFigures(state, date);
    if (f.recoveries.gt(f.paid)) {
      throw new DomainError('recovery_exceeds_paid', `${what} takes recoveries (${formatMoney(f.recoveries)}) above the ${formatMoney(f.paid)} paid on claim ${state.claimId} through ${date}`);
    }
  }
}

function withRecovery(state: ClaimState, recovery: ClaimRecovery): ClaimState {
  return { ...state, recoveries: [...state.recoveries, recovery] };
}

/** Response fields: the claim's figures valid on the movement's date, after it. */
function figuresResult(state: ClaimState, asOf: IsoDate): Record<string, string> {
  const f = claimFigures(state, asOf);
  return {
    status: f.status,
    reserve: formatMoney(f.reserve),
    paid: formatMoney(f.paid),
    recoveries: formatMoney(f.recoveries),
    incurred: formatMoney(f.incurred),
  };
}

// ---------------------------------------------------------------- deciders

/**
 * Opens a claim for a loss in the policy's term while the policy was in
 * force. Valid-time date of the event: the reported date.
 */
export function decideOpenClaim(existing: ClaimState | undefined, policy: PolicyState, cmd: OpenClaim): Decision {
  if (existing) throw new DomainError('entity_exists', `claim ${cmd.claimId} already exists`);
  if (policy.policyId !== cmd.policyId) throw new Error(`claim on policy ${cmd.policyId} decided on policy ${policy.policyId}`);
  const c = policy.cancellation?.effectiveDate;
  if (c !== undefined && cmd.lossDate >= c) {
    throw new DomainError('policy_not_active', `policy ${policy.policyId} was cancelled effective ${c}, before the loss on ${cmd.lossDate}`);
  }
  const { start, end } = policy.term;
  if (cmd.lossDate < start || cmd.lossDate >= end) {
    throw new DomainError('effective_date_outside_term', `loss on ${cmd.lossDate} is outside the policy term [${start}, ${end})`);
  }
  const event = claimEvent(
    'ClaimOpened',
    cmd.claimId,
    cmd.reportedDate,
    {
      claimId: cmd.claimId,
      policyId: policy.policyId,
      currency: policy.currency,
      lossDate: cmd.lossDate,
      reportedDate: cmd.reportedDate,
      initialReserve: formatMoney(cmd.initialReserve),
    },
    reserveChangeEntry(claimAccounts(cmd.claimId, policy.currency), cmd.initialReserve),
  );
  return {
    events: [event],
    result: {
      claimId: cmd.claimId,
      policyId: policy.policyId,
      currency: policy.currency,
      lossDate: cmd.lossDate,
      reportedDate: cmd.reportedDate,
      initialReserve: formatMoney(cmd.initialReserve),
      ...figuresResult(evolveClaim(undefined, event), cmd.reportedDate),
    },
  };
}

export function decideChangeReserve(claim: ClaimState, cmd: ChangeReserve): Decision {
  refuseOpenMovement(claim, cmd.claimId, cmd.effectiveDate, 'reserve change');
  if (outstandingReserveFrom(claim, cmd.effectiveDate).plus(cmd.change).isNegative()) {
    throw new DomainError('reserve_negative', `a change of ${formatMoney(cmd.change)} effective ${cmd.effectiveDate} takes the reserve below zero`);
  }
  const event = claimEvent(
    'ClaimReserveChanged',
    claim.claimId,
    cmd.effectiveDate,
    { claimId: claim.claimId, change: formatMoney(cmd.change) },
    reserveChangeEntry(claimAccounts(claim.claimId, claim.currency), cmd.change),
  );
  const after = withMovement(claim, { kind: 'reserve-change', effectiveDate: cmd.effectiveDate, amount: cmd.change });
  return {
    events: [event],
    result: { claimId: claim.claimId, effectiveDate: cmd.effectiveDate, change: formatMoney(cmd.change), ...figuresResult(after, cmd.effectiveDate) },
  };
}

export function decidePayClaim(claim: ClaimState, cmd: PayClaim): Decision {
  refuseOpenMovement(claim, cmd.claimId, cmd.effectiveDate, 'payment');
  const outstanding = outstandingReserveFrom(claim, cmd.effectiveDate);
  if (cmd.amount.gt(outstanding)) {
    throw new DomainError(
      'payment_exceeds_reserve',
      `payment of ${formatMoney(cmd.amount)} exceeds the outstanding reserve of ${formatMoney(outstanding)}: raise the reserve first`,
    );
  }
  const event = claimEvent(
    'ClaimPaid',
    claim.claimId,
    cmd.effectiveDate,
    { claimId: claim.claimId, amount: formatMoney(cmd.amount) },
    claimPaymentEntry(claimAccounts(claim.claimId, claim.currency), cmd.amount),
  );
  const after = withMovement(claim, { kind: 'payment', effectiveDate: cmd.effectiveDate, amount: cmd.amount });
  return {
    events: [event],
    result: { claimId: claim.claimId, effectiveDate: cmd.effectiveDate, amount: formatMoney(cmd.amount), ...figuresResult(after, cmd.effectiveDate) },
  };
}

/**
 * Closes the claim and releases the reserve left. The close must be the
 * claim's last movement in valid time: released on date d, the reserve must
 * not come back by a movement dated after d.
 */
export function decideCloseClaim(claim: ClaimState, cmd: CloseClaim): Decision {
  refuseOpenMovement(claim, cmd.claimId, cmd.effectiveDate, 'close');
  const last = claim.movements.map((m) => m.effectiveDate).reduce((a, b) => (a > b ? a : b), claim.reportedDate);
  if (cmd.effectiveDate < last) {
    throw new DomainError('effective_date_outside_term', `close effective ${cmd.effectiveDate} is before the claim's last movement (${last})`);
  }
  const release = claimFigures(claim, cmd.effectiveDate).reserve;
  const event = claimEvent(
    'ClaimClosed',
    claim.claimId,
    cmd.effectiveDate,
    { claimId: claim.claimId, release: formatMoney(release) },
    reserveChangeEntry(claimAccounts(claim.claimId, claim.currency), release.neg()),
  );
  const after = withMovement(claim, { kind: 'release', effectiveDate: cmd.effectiveDate, amount: release }, 'closed');
  return {
    events: [event],
    result: { claimId: claim.claimId, effectiveDate: cmd.effectiveDate, release: formatMoney(release), ...figuresResult(after, cmd.effectiveDate) },
  };
}

/**
 * Records a recovery (subrogation, salvage): cash Dr / claims recoveries Cr.
 * Open or closed, on or after the reported date; it does not move the
 * reserve. Recoveries may never exceed what was paid: on the recovery's date
 * and every later date, recoveries through it <= paid through it (payments
 * only add, so it is checked on the recovery's date and on each later
 * recovery's date).
 */
export function decideRecoverClaim(claim: ClaimState, cmd: RecoverClaim): Decision {
  if (claim.claimId !== cmd.claimId) throw new Error(`command for claim ${cmd.claimId} decided on claim ${claim.claimId}`);
  refuseBeforeReported(claim, cmd.effectiveDate, 'recovery');
  refuseRecoveriesAbovePaid(withRecovery(claim, { kind: cmd.kind, effectiveDate: cmd.effectiveDate, amount: cmd.amount }), cmd.effectiveDate, `a recovery of ${formatMoney(cmd.amount)} effective ${cmd.effectiveDate}`);
  const event = claimEvent(
    'ClaimRecoveryReceived',
    claim.claimId,
    cmd.effectiveDate,
    { claimId: claim.claimId, amount: formatMoney(cmd.amount), kind: cmd.kind },
    claimRecoveryEntry(claimAccounts(claim.claimId, claim.currency), cmd.amount),
  );
  const after = withRecovery(claim, { kind: cmd.kind, effectiveDate: cmd.effectiveDate, amount: cmd.amount });
  return {
    events: [event],
    result: { claimId: claim.claimId, effectiveDate: cmd.effectiveDate, amount: formatMoney(cmd.amount), kind: cmd.kind, ...figuresResult(after, cmd.effectiveDate) },
  };
}

/**
 * Reopens a closed claim, on or after its close, setting its case reserve
 * again (a reserve change of +reserve: change in claims reserve Dr / claims
 * reserve Cr). Open from then on: it can be paid, changed and closed again.
 */
export function decideReopenClaim(claim: ClaimState, cmd: ReopenClaim): Decision {
  if (claim.claimId !== cmd.claimId) throw new Error(`command for claim ${cmd.claimId} decided on claim ${claim.claimId}`);
  const last = lastStatusChange(claim);
  if (last?.status !== 'closed') throw new DomainError('claim_not_closed', `claim ${claim.claimId} is open: only a closed claim can be reopened`);
  if (cmd.effectiveDate < last.effectiveDate) {
    throw new DomainError('effective_date_outside_term', `reopen effective ${cmd.effectiveDate} is before claim ${claim.claimId} was closed (${last.effectiveDate})`);
  }
  const event = claimEvent(
    'ClaimReopened',
    claim.claimId,
    cmd.effectiveDate,
    { claimId: claim.claimId, reserve: formatMoney(cmd.reserve) },
    reserveChangeEntry(claimAccounts(claim.claimId, claim.currency), cmd.reserve),
  );
  const after = withMovement(claim, { kind: 'reserve-change', effectiveDate: cmd.effectiveDate, amount: cmd.reserve }, 'open');
  return {
    events: [event],
    result: { claimId: claim.claimId, effectiveDate: cmd.effectiveDate, ...figuresResult(after, cmd.effectiveDate) },
  };
}

/**
 * Reverses a payment of this claim (ledger/reversal.ts finds it and says
 * whether it may be): paid falls and the reserve rises by its amount from
 * its date on, its posting mirrored. A closed claim released its reserve, so
 * money cannot return to it: reopen it first (claim_not_open).
 */
export function decideReverseClaimPayment(claim: ClaimState, original: RecordedEvent, cmd: Reverse): Decision {
  const e = parseClaimEvent(original);
  if (e.type !== 'ClaimPaid') throw new Error(`a claim payment reversal of a ${e.type}`);
  if (claim.claimId !== e.payload.claimId) throw new Error(`payment of claim ${e.payload.claimId} reversed on claim ${claim.claimId}`);
  refuseUnlessOpen(claim, original.effectiveDate, 'reversal');
  const payload = { claimId: claim.claimId, reversesCommandId: original.commandId, amount: e.payload.amount, reason: cmd.reason };
  const event = claimEvent(REVERSAL_EVENT_OF.ClaimPaid, claim.claimId, original.effectiveDate, payload, reversedEntry(original.journal));
  const after = evolveClaim(claim, event);
  // Recovered money stays within what was paid: reverse the recoveries first.
  refuseRecoveriesAbovePaid(after, original.effectiveDate, `reversing the payment of ${e.payload.amount} effective ${original.effectiveDate}`);
  return {
    events: [event],
    result: { reversesCommandId: original.commandId, reversed: e.type, claimId: claim.claimId, effectiveDate: original.effectiveDate, amount: e.payload.amount, ...figuresResult(after, original.effectiveDate) },
  };
}

/**
 * Reverses a recovery (ledger/reversal.ts finds it and says whether it may
 * be): recoveries fall by its amount from its date on, so incurred rises;
 * its posting mirrored. Open or closed, like the recovery itself.
 */
export function decideReverseClaimRecovery(claim: ClaimState, original: RecordedEvent, cmd: Reverse): Decision {
  const e = parseClaimEvent(original);
  if (e.type !== 'ClaimRecoveryReceived') throw new Error(`a claim recovery reversal of a ${e.type}`);
  if (claim.claimId !== e.payload.claimId) throw new Error(`recovery of claim ${e.payload.claimId} reversed on claim ${claim.claimId}`);
  const payload = { claimId: claim.claimId, reversesCommandId: original.commandId, amount: e.payload.amount, kind: e.payload.kind, reason: cmd.reason };
  const event = claimEvent(REVERSAL_EVENT_OF.ClaimRecoveryReceived, claim.claimId, original.effectiveDate, payload, reversedEntry(original.journal));
  const after = evolveClaim(claim, event);
  return {
    events: [event],
    result: { reversesCommandId: original.commandId, reversed: e.type, claimId: claim.claimId, effectiveDate: original.effectiveDate, amount: e.payload.amount, ...figuresResult(after, original.effectiveDate) },
  };
}

// ---------------------------------------------------------------- fold

/** Folds one recorded claim event (any schema version already upcast to v1). */
export function evolveClaim(state: ClaimState | undefined, event: RecordedEvent | DomainEvent): ClaimState {
  const e = parseClaimEvent(event);
  if (e.type === 'ClaimOpened') {
    if (state) throw new Error(`claim ${e.payload.claimId} opened twice`);
    const { claimId, policyId, currency, lossDate, reportedDate, initialReserve } = e.payload;
    return { claimId, policyId, currency, lossDate, reportedDate, initialReserve: new Decimal(initialReserve), movements: [], recoveries: [], statusChanges: [] };
  }
  if (!state) throw new Error(`${e.type} before ClaimOpened for claim ${e.payload.claimId}`);
  const effectiveDate = e.effectiveDate;
  switch (e.type) {
    case 'ClaimReserveChanged':
      return withMovement(state, { kind: 'reserve-change', effectiveDate, amount: new Decimal(e.payload.change) });
    case 'ClaimPaid':
      return withMovement(state, { kind: 'payment', effectiveDate, amount: new Decimal(e.payload.amount) });
    // The payment taken back on its own date: a negative payment, so the reserve rises by it.
    case 'ClaimPaymentReversed':
      return withMovement(state, { kind: 'payment', effectiveDate, amount: new Decimal(e.payload.amount).neg() });
    case 'ClaimClosed':
      return withMovement(state, { kind: 'release', effectiveDate, amount: new Decimal(e.payload.release) }, 'closed');
    case 'ClaimReopened':
      return withMovement(state, { kind: 'reserve-change', effectiveDate, amount: new Decimal(e.payload.reserve) }, 'open');
    case 'ClaimRecoveryReceived':
      return withRecovery(state, { kind: e.payload.kind, effectiveDate, amount: new Decimal(e.payload.amount) });
    case 'ClaimRecoveryReversed':
      return withRecovery(state, { kind: e.payload.kind, effectiveDate, amount: new Decimal(e.payload.amount).neg() });
  }
}
