// A claim on a non-life policy: state, deciders and the fold of its events.
//
// The reserve is a function of valid time. Movements may be back-dated, so a
// rule like "reserve >= 0" or "a payment may not exceed the outstanding
// reserve" is checked on every date from the movement's date on, not only on
// the latest one: a back-dated payment lowers the reserve of every later date.
import { type IsoDate } from '../common/dates';
import { Decimal, ZERO, formatMoney, sum } from '../common/decimal';
import { DomainError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { JournalEntry } from '../common/journal';
import type { PolicyState } from '../nonlife/policy';
import { claimAccounts, claimPaymentEntry, reserveChangeEntry } from './accounts';
import type { ChangeReserve, CloseClaim, OpenClaim, PayClaim } from './commands';
import { REVERSAL_EVENT_OF, reversedEntry, type Reverse } from '../ledger/reversal';
import { CLAIM_EVENT_VERSION, type ClaimEvent, type ClaimEventType, parseClaimEvent } from './events';

/** A movement of the case reserve after the claim is opened; `amount` > 0 except for reserve changes (signed). */
export interface ClaimMovement {
  kind: 'reserve-change' | 'payment' | 'release';
  effectiveDate: IsoDate;
  amount: Decimal;
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
  closedOn?: IsoDate;
}

export type ClaimStatus = 'open' | 'closed';

export interface ClaimFigures {
  status: ClaimStatus;
  newReserve: Decimal;
  /** Every reserve change after the initial reserve, the release at close included. */
  reserveChanges: Decimal;
  paid: Decimal;
  reserve: Decimal;
  incurred: Decimal;
}

// ---------------------------------------------------------------- figures

function movementTotal(state: ClaimState, asOf: IsoDate, kind: ClaimMovement['kind']): Decimal {
  return sum(state.movements.filter((m) => m.kind === kind && m.effectiveDate <= asOf).map((m) => m.amount));
}

/** Cumulative figures valid on `asOf` (all amounts are whole cents: nothing to round). */
export function claimFigures(state: ClaimState, asOf: IsoDate): ClaimFigures {
  const newReserve = state.reportedDate <= asOf ? state.initialReserve : ZERO;
  const reserveChanges = movementTotal(state, asOf, 'reserve-change').minus(movementTotal(state, asOf, 'release'));
  const paid = movementTotal(state, asOf, 'payment');
  const reserve = newReserve.plus(reserveChanges).minus(paid);
  const status: ClaimStatus = state.closedOn !== undefined && state.closedOn <= asOf ? 'closed' : 'open';
  return { status, newReserve, reserveChanges, paid, reserve, incurred: paid.plus(reserve) };
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

function refuseUnlessOpen(claim: ClaimState): void {
  if (claim.closedOn !== undefined) {
    throw new DomainError('claim_not_open', `claim ${claim.claimId} was closed effective ${claim.closedOn}`);
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
  refuseUnlessOpen(claim);
  refuseBeforeReported(claim, date, what);
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

function withMovement(state: ClaimState, movement: ClaimMovement): ClaimState {
  const closedOn = movement.kind === 'release' ? movement.effectiveDate : state.closedOn;
  return { ...state, movements: [...state.movements, movement], closedOn };
}

/** Response fields: the claim's figures valid on the movement's date, after it. */
function figuresResult(state: ClaimState, asOf: IsoDate): Record<string, string> {
  const f = claimFigures(state, asOf);
  return { status: f.status, reserve: formatMoney(f.reserve), paid: formatMoney(f.paid), incurred: formatMoney(f.incurred) };
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
  const after = withMovement(claim, { kind: 'release', effectiveDate: cmd.effectiveDate, amount: release });
  return {
    events: [event],
    result: { claimId: claim.claimId, effectiveDate: cmd.effectiveDate, release: formatMoney(release), ...figuresResult(after, cmd.effectiveDate) },
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
  refuseUnlessOpen(claim);
  const payload = { claimId: claim.claimId, reversesCommandId: original.commandId, amount: e.payload.amount, reason: cmd.reason };
  const event = claimEvent(REVERSAL_EVENT_OF.ClaimPaid, claim.claimId, original.effectiveDate, payload, reversedEntry(original.journal));
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
    return { claimId, policyId, currency, lossDate, reportedDate, initialReserve: new Decimal(initialReserve), movements: [] };
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
      return withMovement(state, { kind: 'release', effectiveDate, amount: new Decimal(e.payload.release) });
  }
}
