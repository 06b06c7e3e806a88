// Report totals that do not scan the book. As each event is applied, its
// effect on every report figure is worked out once and added to a few
// running totals ("series"), each keyed by (family, figure, currency, bucket)
// and stamped with the event's recordedAt. A report as known at K then reads,
// per bucket, the last running total recorded at or before K: a seek per
// bucket, whatever the number of policies, claims or accounts.
//
// Buckets hold movements, not balances. A cumulative figure F(D) of a policy
// (written premium valid on D, say) that an event changes from F to F' moves
// by Δ(D) = F'(D) - F(D) on every later D; Δ is zero before the event's
// effective date and constant after the policy's last date that matters (its
// term end or cancellation). Storing the month-by-month movement
// Δ(end of M) - Δ(end of M-1) therefore touches only the months in between,
// and the cumulative total at the end of month M is the sum of the movements
// of every month up to M. Per-entity rounding is kept: each entity's figure
// is rounded exactly as its own line shows it, and sums of cents are exact.
//
// Families:
//   premium  written | earned  by month; policies (a count) in bucket '-'
//   claims   newReserve | reserveChanges | paid | recoveries  by month; claims (a count) in '-'
//   gl-month | gl-day   one series per control account (an account without
//            its entity part: premium-receivable:EUR:policy/P-1 -> premium-receivable:EUR),
//            net debit - credit, by the month and by the day of the line's date
// Entity accounts' own lines go to the subledger (see ProjectionStore).
import {
  claimFigures,
  moneyTextCents,
  earnedPremiumCents,
  lastDay,
  nextPeriod,
  periodOf,
  previousPeriod,
  toCents,
  writtenPremiumCents,
  writtenPremiumChanges,
  type ClaimState,
  type IsoDate,
  type Period,
  type PolicyState,
  type RecordedEvent,
} from '@app/domain';

export type SeriesFamily = 'premium' | 'claims' | 'gl-month' | 'gl-day';

/** The bucket of a count series (it has no date). */
export const COUNT_BUCKET = '-';

/** Adds `cents` to a series at the event being applied. */
export type SeriesAdd = (family: SeriesFamily, name: string, currency: string, bucket: string, cents: bigint) => void;

export function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const digits = (negative ? -cents : cents).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Earned premium valid on `date` in cents: everything written is earned on and after a cancellation (premiumFigures' rule). */
function earnedOn(state: PolicyState, date: IsoDate): bigint {
  const c = state.cancellation;
  if (c && date >= c.effectiveDate) return writtenPremiumCents(state.layers, state.term, date) - toCents(c.returnPremium);
  return earnedPremiumCents(state.layers, state.term, date);
}

/** The month from which a policy's figures no longer move: that of its term end, or of an earlier cancellation. */
function lastMonth(state: PolicyState | undefined): Period {
  if (!state) return '0000-01';
  const end = state.cancellation && state.cancellation.effectiveDate < state.term.end ? state.cancellation.effectiveDate : state.term.end;
  return periodOf(end);
}

/** What a policy event moves in the premium series (payments move nothing). */
export function addPolicyMovements(before: PolicyState | undefined, after: PolicyState, event: RecordedEvent, add: SeriesAdd): void {
  if (!before) add('premium', 'policies', after.currency, COUNT_BUCKET, 1n);
  if (before && before.layers === after.layers && before.cancellation === after.cancellation) return;
  const from = event.effectiveDate;
  const currency = after.currency;
  for (const change of writtenPremiumChanges(before, after, from)) add('premium', 'written', currency, periodOf(change.effectiveDate), toCents(change.amount));
  // Earned moves every month from the event's month through the last month either version runs.
  const first = periodOf(from);
  const beforeFirst = lastDay(previousPeriod(first));
  const earnedDelta = (date: IsoDate) => earnedOn(after, date) - (before ? earnedOn(before, date) : 0n);
  if (earnedDelta(beforeFirst) !== 0n) throw new Error(`policy ${after.policyId}: ${event.type} effective ${from} changes earned premium before its month`);
  const last = lastMonth(before) > lastMonth(after) ? lastMonth(before) : lastMonth(after);
  let previous = 0n;
  for (let month = first; month <= last; month = nextPeriod(month)) {
    const delta = earnedDelta(lastDay(month));
    if (delta !== previous) add('premium', 'earned', currency, month, delta - previous);
    previous = delta;
  }
}

const CLAIM_FIGURES = ['newReserve', 'reserveChanges', 'paid', 'recoveries'] as const;
const FAR_DATE = '9999-12-31';

/** What a claim event moves in the claims series: each figure steps once, on the movement's date (a new claim: its reported date). */
export function addClaimMovements(before: ClaimState | undefined, after: ClaimState, event: RecordedEvent, add: SeriesAdd): void {
  if (!before) add('claims', 'claims', after.currency, COUNT_BUCKET, 1n);
  const months = [...new Set([periodOf(event.effectiveDate), periodOf(after.reportedDate)])].sort();
  const figures = (state: ClaimState | undefined, date: IsoDate) => {
    if (!state) return CLAIM_FIGURES.map(() => 0n);
    const f = claimFigures(state, date);
    return CLAIM_FIGURES.map((name) => toCents(f[name]));
  };
  const delta = (date: IsoDate) => {
    const a = figures(after, date);
    const b = figures(before, date);
    return a.map((v, i) => v - b[i]);
  };
  let previous = delta(lastDay(previousPeriod(months[0])));
  if (previous.some((v) => v !== 0n)) throw new Error(`claim ${after.claimId}: ${event.type} moves figures before ${months[0]}`);
  for (const month of months) {
    const now = delta(lastDay(month));
    for (let i = 0; i < CLAIM_FIGURES.length; i++) if (now[i] !== previous[i]) add('claims', CLAIM_FIGURES[i], after.currency, month, now[i] - previous[i]);
    previous = now;
  }
  const far = delta(FAR_DATE);
  if (far.some((v, i) => v !== previous[i])) throw new Error(`claim ${after.claimId}: ${event.type} moves figures after ${months[months.length - 1]}`);
}

/** An account's control account and its entity part ("kind/id"), if it has one. */
export function splitAccount(account: string): { control: string; entity: string | null } {
  const first = account.indexOf(':');
  const second = first < 0 ? -1 : account.indexOf(':', first + 1);
  if (second < 0) return { control: account, entity: null };
  return { control: account.slice(0, second), entity: account.slice(second + 1) };
}

/** The currency of an account named name:CURRENCY[:entity]. */
export function accountCurrency(account: string): string {
  return account.split(':')[1] ?? '';
}

/** One journal line as the general ledger's series and subledger see it. */
export interface LedgerLine {
  account: string;
  control: string;
  entity: string | null;
  date: IsoDate;
  /** debit - credit */
  cents: bigint;
}

/** The journal lines of an event, each on its own date (a line without one is effective on its event's). */
export function ledgerLines(event: RecordedEvent): LedgerLine[] {
  return event.journal.lines.map((l) => {
    const { control, entity } = splitAccount(l.account);
    return { account: l.account, control, entity, date: l.effectiveDate ?? event.effectiveDate, cents: moneyTextCents(l.debit) - moneyTextCents(l.credit) };
  });
}

/** What an event's journal lines move in the general ledger's control-account series. */
export function addLedgerMovements(lines: readonly LedgerLine[], add: SeriesAdd): void {
  for (const line of lines) {
    const currency = accountCurrency(line.account);
    add('gl-month', line.control, currency, periodOf(line.date), line.cents);
    add('gl-day', line.control, currency, line.date, line.cents);
  }
}
