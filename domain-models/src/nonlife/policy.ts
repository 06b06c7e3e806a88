// The non-life policy: state, deciders (command -> events + response fields)
// and the fold of its events. Premium arithmetic lives in premium.ts only.
//
// Journal postings are deltas of the rounded cumulative written premium, never
// separately rounded layers, each dated on the day the written figure moves:
// an event posts, on its own date and on every later date where the written
// figure changes (layer starts, the cancellation date), how much it changes the
// written premium valid there (less what it posted on earlier dates). So a
// policy's written-premium (and UPR) postings dated on or before any V, known
// at any K, sum to its rounded written figure on V as known at K, to the cent.
import { type IsoDate } from '../common/dates';
import { Decimal, ZERO, formatMoney, formatUnits, sum } from '../common/decimal';
import { DomainError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { JournalEntry } from '../common/journal';
import { type DatedChange, datedWrittenPremiumEntry, policyAccounts, premiumPaymentEntry, premiumRefundEntry, writtenPremiumEntry } from './accounts';
import type { BindPolicy, CancelPolicy, EndorsePolicy, RecordPremiumPayment, RefundPremium } from './commands';
import { POLICY_EVENT_VERSION, type PolicyEvent, type PolicyEventType, parsePolicyEvent } from './events';
import { REVERSAL_EVENT_OF, reversedEntry, type Reverse } from '../ledger/reversal';
import {
  type CancellationMethod,
  type PolicyTerm,
  type PremiumLayer,
  fullTermPremiumOn,
  layerWrittenPremium,
  lowestFullTermPremium,
  premiumChangeAfter,
  premiumFigures,
  returnPremium,
  totalWrittenPremium,
  writtenPremiumOn,
} from './premium';

export type PolicyCancellation = CancellationMethod & { effectiveDate: IsoDate; returnPremium: Decimal };

export interface PremiumPayment {
  receivedDate: IsoDate;
  amount: Decimal;
}

export interface PremiumRefund {
  paidDate: IsoDate;
  amount: Decimal;
}

export interface PolicyState {
  policyId: string;
  currency: string;
  holder: { name: string };
  term: PolicyTerm;
  /** Layer 0 from the bind, then one layer per endorsement, in record order. */
  layers: readonly PremiumLayer[];
  cancellation?: PolicyCancellation;
  payments: readonly PremiumPayment[];
  refunds: readonly PremiumRefund[];
}

export type PolicyStatus = 'active' | 'cancelled' | 'expired';

export interface PolicyFigures {
  status: PolicyStatus;
  written: Decimal;
  earned: Decimal;
  unearned: Decimal;
  received: Decimal;
  refunded: Decimal;
  /** Premium owed (written, less return premium) less cash received plus refunds paid: positive owed by the holder, negative owed to the holder. */
  balance: Decimal;
}

// ---------------------------------------------------------------- figures

/** 'cancelled' on/after the cancellation date, 'expired' on/after the term end, else 'active' (also before the term). */
export function policyStatus(state: PolicyState, asOf: IsoDate): PolicyStatus {
  if (state.cancellation && asOf >= state.cancellation.effectiveDate) return 'cancelled';
  if (asOf >= state.term.end) return 'expired';
  return 'active';
}

/** Cumulative figures valid on `asOf`, rounded per domain.md. */
export function policyFigures(state: PolicyState, asOf: IsoDate): PolicyFigures {
  const premium = premiumFigures(state.layers, state.term, state.cancellation, asOf);
  const cash = cashThrough(state, asOf);
  return { status: policyStatus(state, asOf), ...premium, ...cash, balance: balanceOf(state, cash) };
}

/**
 * Cumulative earned premium valid on `throughDate`: the policy's share of
 * what the period-close true-up has to have posted (UPR Dr / change in UPR Cr,
 * on the currency's UPR) by then. The close posts, per currency, the sum over
 * the currency's policies minus what earlier closes posted (see
 * decideClosePeriod, earnedPremiumEntry).
 */
export function earnedTrueUp(state: PolicyState, throughDate: IsoDate): Decimal {
  return policyFigures(state, throughDate).earned;
}

/** The rounded written premium of every known layer, net of any return premium: what the journal has posted. */
export function postedWrittenPremium(state: PolicyState): Decimal {
  return totalWrittenPremium(state.layers, state.term).minus(state.cancellation?.returnPremium ?? ZERO);
}

/**
 * What an event effective `from` changes in the written premium, per date:
 * on `from` and on every later date where the written figure of `after` or of
 * `before` may move (a layer start, the cancellation date), the change of
 * written(after, date) - written(before, date) since the previous such date.
 * Zero changes are left out. Before `from` the event changes nothing (a layer
 * starts, a cancellation takes effect, on `from`), so these dated changes,
 * summed through any V, are exactly written(after, V) - written(before, V).
 */
export function writtenPremiumChanges(before: PolicyState | undefined, after: PolicyState, from: IsoDate): DatedChange[] {
  const dates = new Set<IsoDate>([from]);
  for (const state of before ? [before, after] : [after]) {
    for (const layer of state.layers) if (layer.start > from) dates.add(layer.start);
    const c = state.cancellation?.effectiveDate;
    if (c !== undefined && c > from) dates.add(c);
  }
  const written = (state: PolicyState | undefined, date: IsoDate): Decimal =>
    state ? writtenPremiumOn(state.layers, state.term, state.cancellation, date) : ZERO;
  const changes: DatedChange[] = [];
  let posted = ZERO;
  for (const date of [...dates].sort()) {
    const change = written(after, date).minus(written(before, date));
    const amount = change.minus(posted);
    if (!amount.isZero()) changes.push({ effectiveDate: date, amount });
    posted = change;
  }
  return changes;
}

// ---------------------------------------------------------------- rules

function refuseOnOrAfterCancellation(state: PolicyState, date: IsoDate, what: string): void {
  const c = state.cancellation?.effectiveDate;
  if (c !== undefined && date >= c) {
    throw new DomainError('policy_not_active', `policy ${state.policyId} is cancelled effective ${c}: no ${what} effective ${date}`);
  }
}

function refuseOutsideTerm(state: PolicyState, date: IsoDate, what: string): void {
  const { start, end } = state.term;
  if (date < start || date >= end) {
    throw new DomainError('effective_date_outside_term', `${what} effective ${date} is outside the term [${start}, ${end})`);
  }
}

function assertSamePolicy(state: PolicyState, policyId: string): void {
  if (state.policyId !== policyId) throw new Error(`command for policy ${policyId} decided on policy ${state.policyId}`);
}

function policyEvent<T extends PolicyEventType>(
  type: T,
  policyId: string,
  effectiveDate: IsoDate,
  payload: Extract<PolicyEvent, { type: T }>['payload'],
  journal: JournalEntry,
): DomainEvent {
  return { type, v: POLICY_EVENT_VERSION, entity: { kind: 'policy', id: policyId }, effectiveDate, payload, journal };
}

// ---------------------------------------------------------------- deciders

export function decideBindPolicy(existing: PolicyState | undefined, cmd: BindPolicy): Decision {
  if (existing) throw new DomainError('entity_exists', `policy ${cmd.policyId} already exists`);
  const accounts = policyAccounts(cmd.policyId, cmd.currency);
  // Layer 0 runs over the whole term, so W_0 = A_0 (already whole cents) and is written on term.start.
  const event = policyEvent(
    'PolicyBound',
    cmd.policyId,
    cmd.term.start,
    {
      policyId: cmd.policyId,
      currency: cmd.currency,
      holder: { name: cmd.holder.name },
      term: { start: cmd.term.start, end: cmd.term.end },
      premium: formatMoney(cmd.premium),
    },
    writtenPremiumEntry(accounts, cmd.premium),
  );
  return {
    events: [event],
    result: {
      policyId: cmd.policyId,
      status: 'active',
      currency: cmd.currency,
      term: { start: cmd.term.start, end: cmd.term.end },
      premium: formatMoney(cmd.premium),
      writtenPremium: formatMoney(cmd.premium),
    },
  };
}

/**
 * Adds layer A_k = annualPremiumChange over [effectiveDate, end). On a policy
 * cancelled later than effectiveDate the layer ends at the cancellation date:
 * the cover it prices stopped there, and the return premium already decided
 * must stay what was returned.
 */
export function decideEndorsePolicy(state: PolicyState, cmd: EndorsePolicy): Decision {
  assertSamePolicy(state, cmd.policyId);
  refuseOnOrAfterCancellation(state, cmd.effectiveDate, 'endorsement');
  refuseOutsideTerm(state, cmd.effectiveDate, 'endorsement');
  const layer: PremiumLayer = {
    premium: cmd.annualPremiumChange,
    start: cmd.effectiveDate,
    end: state.cancellation?.effectiveDate ?? state.term.end,
  };
  const layers = [...state.layers, layer];
  if (lowestFullTermPremium(layers, state.term).isNegative()) {
    throw new DomainError('premium_negative', `endorsement of ${formatMoney(cmd.annualPremiumChange)} takes the full-term premium below zero`);
  }
  const after: PolicyState = { ...state, layers };
  const change = postedWrittenPremium(after).minus(postedWrittenPremium(state));
  const event = policyEvent(
    'PolicyEndorsed',
    state.policyId,
    cmd.effectiveDate,
    { policyId: state.policyId, annualPremiumChange: formatMoney(cmd.annualPremiumChange), layerEnd: layer.end },
    datedWrittenPremiumEntry(policyAccounts(state.policyId, state.currency), cmd.effectiveDate, writtenPremiumChanges(state, after, cmd.effectiveDate)),
  );
  return {
    events: [event],
    result: {
      policyId: state.policyId,
      effectiveDate: cmd.effectiveDate,
      annualPremiumChange: formatMoney(cmd.annualPremiumChange),
      fullTermPremium: formatMoney(fullTermPremiumOn(layers, cmd.effectiveDate)),
      writtenPremium: formatMoney(layerWrittenPremium(layer, state.term)),
      writtenPremiumChange: formatMoney(change),
      totalWrittenPremium: formatMoney(postedWrittenPremium(after)),
    },
  };
}

/**
 * Cancels effective `c`. Refused when a recorded endorsement changes the
 * premium after `c`: its written premium is posted on its own later date, so
 * returning it at `c` would leave the written figure negative in between.
 * Reverse that endorsement first (an endorsement of the opposite amount on
 * the same date).
 */
export function decideCancelPolicy(state: PolicyState, cmd: CancelPolicy): Decision {
  assertSamePolicy(state, cmd.policyId);
  if (state.cancellation) {
    throw new DomainError('policy_not_active', `policy ${state.policyId} is already cancelled effective ${state.cancellation.effectiveDate}`);
  }
  refuseOutsideTerm(state, cmd.effectiveDate, 'cancellation');
  const laterChange = premiumChangeAfter(state.layers, state.term, cmd.effectiveDate);
  if (laterChange !== undefined) {
    throw new DomainError(
      'effective_date_outside_term',
      `cancellation effective ${cmd.effectiveDate} precedes a premium change effective ${laterChange}: reverse that endorsement first`,
    );
  }
  const method: CancellationMethod = cmd.method === 'short-rate' ? { method: 'short-rate', shortRateFactor: cmd.shortRateFactor } : { method: 'pro-rata' };
  const returned = returnPremium(state.layers, state.term, cmd.effectiveDate, method);
  const factor = method.method === 'short-rate' ? { shortRateFactor: formatUnits(method.shortRateFactor) } : {};
  const after = evolveCancelled(state, { ...method, effectiveDate: cmd.effectiveDate, returnPremium: returned });
  const event = policyEvent(
    'PolicyCancelled',
    state.policyId,
    cmd.effectiveDate,
    { policyId: state.policyId, method: method.method, ...factor, returnPremium: formatMoney(returned) },
    datedWrittenPremiumEntry(policyAccounts(state.policyId, state.currency), cmd.effectiveDate, writtenPremiumChanges(state, after, cmd.effectiveDate)),
  );
  const figures = policyFigures(after, cmd.effectiveDate);
  return {
    events: [event],
    result: {
      policyId: state.policyId,
      status: 'cancelled',
      effectiveDate: cmd.effectiveDate,
      method: method.method,
      ...factor,
      returnPremium: formatMoney(returned),
      writtenPremium: formatMoney(figures.written),
      earnedPremium: formatMoney(figures.earned),
    },
  };
}

/**
 * The premium balance over every known payment and refund, whatever their
 * dates: premium owed (every layer's written premium, less the return premium
 * of a cancellation: postedWrittenPremium) less cash received plus refunds
 * paid. Positive: owed by the holder; negative: owed to the holder.
 */
export function premiumBalance(state: PolicyState): Decimal {
  return balanceOf(state, cashThrough(state));
}

/** Cash received and refunds paid with dates on or before `asOf` (undefined: every one known). */
function cashThrough(state: PolicyState, asOf?: IsoDate): { received: Decimal; refunded: Decimal } {
  return {
    received: sum(state.payments.filter((p) => asOf === undefined || p.receivedDate <= asOf).map((p) => p.amount)),
    refunded: sum(state.refunds.filter((r) => asOf === undefined || r.paidDate <= asOf).map((r) => r.amount)),
  };
}

/** The premium balance rule: premium owed (written, less return premium) less cash received plus refunds paid. */
function balanceOf(state: PolicyState, cash: { received: Decimal; refunded: Decimal }): Decimal {
  return postedWrittenPremium(state).minus(cash.received).plus(cash.refunded);
}

/**
 * Cash received on any date (before the term, after it, after a
 * cancellation), up to what is owed: more than the balance is refused
 * (payment_exceeds_balance), so the ledger never holds money it would owe back
 * unasked.
 */
export function decideRecordPremiumPayment(state: PolicyState, cmd: RecordPremiumPayment): Decision {
  assertSamePolicy(state, cmd.policyId);
  const owed = premiumBalance(state);
  if (cmd.amount.gt(owed)) {
    throw new DomainError('payment_exceeds_balance', `a payment of ${formatMoney(cmd.amount)} on policy ${state.policyId} is more than the ${formatMoney(owed.isNegative() ? ZERO : owed)} owed`);
  }
  const event = policyEvent(
    'PremiumPaymentReceived',
    state.policyId,
    cmd.receivedDate,
    { policyId: state.policyId, amount: formatMoney(cmd.amount) },
    premiumPaymentEntry(policyAccounts(state.policyId, state.currency), cmd.amount),
  );
  const totalReceived = sum(state.payments.map((p) => p.amount)).plus(cmd.amount);
  return {
    events: [event],
    result: {
      policyId: state.policyId,
      amount: formatMoney(cmd.amount),
      receivedDate: cmd.receivedDate,
      totalReceived: formatMoney(totalReceived),
    },
  };
}

/**
 * Pays a credit balance back to the holder (return premium payable Dr / cash
 * Cr) on paidDate: at most the credit (refund_exceeds_balance).
 */
export function decideRefundPremium(state: PolicyState, cmd: RefundPremium): Decision {
  assertSamePolicy(state, cmd.policyId);
  const credit = premiumBalance(state).neg();
  if (cmd.amount.gt(credit)) {
    throw new DomainError('refund_exceeds_balance', `a refund of ${formatMoney(cmd.amount)} on policy ${state.policyId} is more than the ${formatMoney(credit.isNegative() ? ZERO : credit)} owed to the holder`);
  }
  const event = policyEvent(
    'PremiumRefundPaid',
    state.policyId,
    cmd.paidDate,
    { policyId: state.policyId, amount: formatMoney(cmd.amount) },
    premiumRefundEntry(policyAccounts(state.policyId, state.currency), cmd.amount),
  );
  return {
    events: [event],
    result: {
      policyId: state.policyId,
      amount: formatMoney(cmd.amount),
      paidDate: cmd.paidDate,
      totalRefunded: formatMoney(sum(state.refunds.map((r) => r.amount)).plus(cmd.amount)),
      balance: formatMoney(credit.minus(cmd.amount).neg()),
    },
  };
}

/**
 * Reverses a premium payment or refund of this policy (ledger/reversal.ts
 * finds it and says whether it may be): its amount back, on its date, its
 * posting mirrored. A reversed payment is owed again; a reversed refund is
 * owed to the holder again. Nothing refuses it: the balance may go either way.
 */
export function decideReversePremiumCash(state: PolicyState, original: RecordedEvent, cmd: Reverse): Decision {
  const e = parsePolicyEvent(original);
  if (e.type !== 'PremiumPaymentReceived' && e.type !== 'PremiumRefundPaid') throw new Error(`a premium cash reversal of a ${e.type}`);
  assertSamePolicy(state, e.payload.policyId);
  const type = REVERSAL_EVENT_OF[e.type];
  const payload = { policyId: state.policyId, reversesCommandId: original.commandId, amount: e.payload.amount, reason: cmd.reason };
  const event = policyEvent(type, state.policyId, original.effectiveDate, payload, reversedEntry(original.journal));
  const after = evolvePolicy(state, event);
  return {
    events: [event],
    result: { reversesCommandId: original.commandId, reversed: e.type, policyId: state.policyId, effectiveDate: original.effectiveDate, amount: e.payload.amount, balance: formatMoney(premiumBalance(after)) },
  };
}

// ---------------------------------------------------------------- fold

function evolveCancelled(state: PolicyState, cancellation: PolicyCancellation): PolicyState {
  return { ...state, cancellation };
}

/** Folds one recorded policy event (any schema version already upcast to v1). */
export function evolvePolicy(state: PolicyState | undefined, event: RecordedEvent | DomainEvent): PolicyState {
  const e = parsePolicyEvent(event);
  if (e.type === 'PolicyBound') {
    if (state) throw new Error(`policy ${e.payload.policyId} bound twice`);
    const { policyId, currency, holder, term, premium } = e.payload;
    return { policyId, currency, holder, term, layers: [{ premium: new Decimal(premium), ...term }], payments: [], refunds: [] };
  }
  if (!state) throw new Error(`${e.type} before PolicyBound for policy ${e.payload.policyId}`);
  switch (e.type) {
    case 'PolicyEndorsed': {
      const layer = { premium: new Decimal(e.payload.annualPremiumChange), start: e.effectiveDate, end: e.payload.layerEnd };
      return { ...state, layers: [...state.layers, layer] };
    }
    case 'PolicyCancelled': {
      const { method, shortRateFactor } = e.payload;
      const how: CancellationMethod =
        method === 'short-rate' && shortRateFactor !== undefined
          ? { method, shortRateFactor: new Decimal(shortRateFactor) }
          : { method: 'pro-rata' };
      return evolveCancelled(state, { ...how, effectiveDate: e.effectiveDate, returnPremium: new Decimal(e.payload.returnPremium) });
    }
    case 'PremiumPaymentReceived':
      return { ...state, payments: [...state.payments, { receivedDate: e.effectiveDate, amount: new Decimal(e.payload.amount) }] };
    case 'PremiumRefundPaid':
      return { ...state, refunds: [...state.refunds, { paidDate: e.effectiveDate, amount: new Decimal(e.payload.amount) }] };
    // A reversal takes the original's money back on the original's date: a negative payment or refund.
    case 'PremiumPaymentReversed':
      return { ...state, payments: [...state.payments, { receivedDate: e.effectiveDate, amount: new Decimal(e.payload.amount).neg() }] };
    case 'PremiumRefundReversed':
      return { ...state, refunds: [...state.refunds, { paidDate: e.effectiveDate, amount: new Decimal(e.payload.amount).neg() }] };
  }
}
