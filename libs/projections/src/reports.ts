// Period reports and the trial balance from the read model. Totals come from
// the report series (report-series.ts): a seek per bucket, independent of the
// number of policies, claims or accounts. Per-entity lines come in pages,
// ascending by id, `limit` at a time after an exclusive `cursor` (the last
// id of the previous page); every page is computed from the entities'
// histories as known at the report's points, exactly as a line always was.
import { periodOf, policyFigures, claimFigures, toCents, type ClaimState, type Instant, type IsoDate, type Period, type PolicyState } from '@app/domain';
import { periodPoints, type Basis, type Calendar } from './booked';
import type { HistoryMap } from './history';
import { COUNT_BUCKET, accountCurrency, formatCents, type SeriesFamily } from './report-series';
import type { ProjectionStore } from './store-port';

export interface Page {
  limit: number;
  /** Exclusive: the last key of the previous page; null for the first page. */
  cursor: string | null;
}

export interface PagedLines<L> {
  lines: L[];
  /** The cursor of the next page; null when this page is the last. */
  nextCursor: string | null;
}

export interface PremiumReportLine {
  policyId: string;
  currency: string;
  written: string;
  earned: string;
  openingUnearned: string;
  closingUnearned: string;
}

export interface ClaimsReportLine {
  claimId: string;
  policyId: string;
  currency: string;
  openingReserve: string;
  newReserves: string;
  reserveChanges: string;
  paid: string;
  recoveries: string;
  closingReserve: string;
  /** paid + closingReserve - openingReserve - recoveries */
  incurred: string;
}

export interface TrialBalanceLine {
  account: string;
  debit: string;
  credit: string;
}

export interface SubledgerLine extends TrialBalanceLine {
  /** The control account the line belongs to (its sum over the subledger is that account's balance). */
  control: string;
}

type Money<K extends string> = Record<K, string>;
export const PREMIUM_FIELDS = ['written', 'earned', 'openingUnearned', 'closingUnearned'] as const;
export const CLAIMS_FIELDS = ['openingReserve', 'newReserves', 'reserveChanges', 'paid', 'recoveries', 'closingReserve', 'incurred'] as const;
export type PremiumTotals = Money<(typeof PREMIUM_FIELDS)[number]>;
export type ClaimsTotals = Money<(typeof CLAIMS_FIELDS)[number]>;

export interface ReportTotals<T> {
  /** Every currency added together (api.md's shape). */
  totals: T;
  totalsByCurrency: ({ currency: string } & T)[];
}

interface Point {
  asOf: IsoDate;
  knownAt: Instant;
}

export class Reports {
  constructor(
    private readonly store: ProjectionStore,
    private readonly calendar: Calendar,
    private readonly policies: HistoryMap<PolicyState>,
    private readonly claims: HistoryMap<ClaimState>,
  ) {}

  /** Sum of a series over the buckets `within` accepts, in one currency, as known at `knownAt`; `seen` if any entry counted. */
  private cumulative(family: SeriesFamily, name: string, currency: string, within: (bucket: string) => boolean, knownAt: Instant): { cents: bigint; seen: boolean } {
    let cents = 0n;
    let seen = false;
    for (const b of this.store.seriesBuckets(family, name)) {
      if (b.currency !== currency || !within(b.bucket)) continue;
      const total = this.store.seriesAt(family, name, currency, b.bucket, knownAt);
      if (total === undefined) continue;
      cents += total;
      seen = true;
    }
    return { cents, seen };
  }

  /** Currencies with an entity of the family known at any of the points (the currencies a report has lines in). */
  private currencies(family: 'premium' | 'claims', countName: string, points: Point[]): string[] {
    const out: string[] = [];
    for (const b of this.store.seriesBuckets(family, countName)) {
      if (b.bucket !== COUNT_BUCKET) continue;
      if (points.some((p) => (this.store.seriesAt(family, countName, b.currency, COUNT_BUCKET, p.knownAt) ?? 0n) > 0n)) out.push(b.currency);
    }
    return out;
  }

  private figure(family: SeriesFamily, name: string, currency: string, point: Point): bigint {
    const through = periodOf(point.asOf);
    return this.cumulative(family, name, currency, (bucket) => bucket <= through, point.knownAt).cents;
  }

  premiumTotals(from: Period, to: Period, basis: Basis, knownAt: Instant): ReportTotals<PremiumTotals> {
    const { opening, closing } = periodPoints(from, to, basis, knownAt, this.calendar);
    const rows = this.currencies('premium', 'policies', [opening, closing]).map((currency) => {
      const w0 = this.figure('premium', 'written', currency, opening);
      const e0 = this.figure('premium', 'earned', currency, opening);
      const w1 = this.figure('premium', 'written', currency, closing);
      const e1 = this.figure('premium', 'earned', currency, closing);
      return { currency, values: [w1 - w0, e1 - e0, w0 - e0, w1 - e1] };
    });
    return withTotals(rows, PREMIUM_FIELDS);
  }

  claimsTotals(from: Period, to: Period, basis: Basis, knownAt: Instant): ReportTotals<ClaimsTotals> {
    const { opening, closing } = periodPoints(from, to, basis, knownAt, this.calendar);
    const rows = this.currencies('claims', 'claims', [opening, closing]).map((currency) => {
      const at = (point: Point) => {
        const n = this.figure('claims', 'newReserve', currency, point);
        const c = this.figure('claims', 'reserveChanges', currency, point);
        const p = this.figure('claims', 'paid', currency, point);
        const r = this.figure('claims', 'recoveries', currency, point);
        return { n, c, p, r, reserve: n + c - p };
      };
      const a = at(opening);
      const b = at(closing);
      return { currency, values: [a.reserve, b.n - a.n, b.c - a.c, b.p - a.p, b.r - a.r, b.reserve, b.p - a.p + b.reserve - a.reserve - (b.r - a.r)] };
    });
    return withTotals(rows, CLAIMS_FIELDS);
  }

  premiumLines(from: Period, to: Period, basis: Basis, knownAt: Instant, page: Page): PagedLines<PremiumReportLine> {
    const { opening, closing } = periodPoints(from, to, basis, knownAt, this.calendar);
    return this.page('policy', page, later(opening.knownAt, closing.knownAt), (id) => {
      // Ids come from the store's entity index: no existence check before the fold.
      const [before, after] = this.policies.statesKnownAt(id, opening.knownAt, closing.knownAt);
      if (!before && !after) return null;
      const b = before ? policyFigures(before, opening.asOf) : null;
      const a = after ? policyFigures(after, closing.asOf) : null;
      const w0 = b ? toCents(b.written) : 0n;
      const e0 = b ? toCents(b.earned) : 0n;
      const w1 = a ? toCents(a.written) : 0n;
      const e1 = a ? toCents(a.earned) : 0n;
      return {
        policyId: id,
        currency: (after ?? before)!.currency,
        written: formatCents(w1 - w0),
        earned: formatCents(e1 - e0),
        openingUnearned: b ? formatCents(toCents(b.unearned)) : '0.00',
        closingUnearned: a ? formatCents(toCents(a.unearned)) : '0.00',
      };
    });
  }

  claimsLines(from: Period, to: Period, basis: Basis, knownAt: Instant, page: Page): PagedLines<ClaimsReportLine> {
    const { opening, closing } = periodPoints(from, to, basis, knownAt, this.calendar);
    return this.page('claim', page, later(opening.knownAt, closing.knownAt), (id) => {
      const [before, after] = this.claims.statesKnownAt(id, opening.knownAt, closing.knownAt);
      const state = after ?? before;
      if (!state) return null;
      const f = (s: ClaimState | undefined, asOf: IsoDate) => {
        if (!s) return { n: 0n, c: 0n, p: 0n, rec: 0n, r: 0n };
        const x = claimFigures(s, asOf);
        return { n: toCents(x.newReserve), c: toCents(x.reserveChanges), p: toCents(x.paid), rec: toCents(x.recoveries), r: toCents(x.reserve) };
      };
      const a = f(before, opening.asOf);
      const b = f(after, closing.asOf);
      return {
        claimId: id,
        policyId: state.policyId,
        currency: state.currency,
        openingReserve: formatCents(a.r),
        newReserves: formatCents(b.n - a.n),
        reserveChanges: formatCents(b.c - a.c),
        paid: formatCents(b.p - a.p),
        recoveries: formatCents(b.rec - a.rec),
        closingReserve: formatCents(b.r),
        incurred: formatCents(b.p - a.p + b.r - a.r - (b.rec - a.rec)),
      };
    });
  }

  /**
   * The general ledger's control accounts (an account without its entity
   * part) at (asOf, knownAt), each from its series: the months before asOf's
   * month, then the days of that month through asOf.
   */
  controlAccounts(asOf: IsoDate, knownAt: Instant): { accounts: TrialBalanceLine[]; totals: { debit: string; credit: string } } {
    const month = periodOf(asOf);
    const accounts: TrialBalanceLine[] = [];
    let debit = 0n;
    let credit = 0n;
    const firstDay = `${month}-01`;
    for (const name of this.store.seriesNames('gl-month')) {
      const currency = accountCurrency(name);
      const months = this.cumulative('gl-month', name, currency, (bucket) => bucket < month, knownAt);
      const days = this.cumulative('gl-day', name, currency, (bucket) => bucket >= firstDay && bucket <= asOf, knownAt);
      const cents = months.cents + days.cents;
      const seen = months.seen || days.seen;
      if (!seen) continue;
      accounts.push(sideLine(name, cents));
      if (cents < 0n) credit -= cents;
      else debit += cents;
    }
    return { accounts, totals: { debit: formatCents(debit), credit: formatCents(credit) } };
  }

  /** Entity accounts (the subledger) at (asOf, knownAt), a page at a time. */
  subledger(asOf: IsoDate, knownAt: Instant, page: Page): PagedLines<SubledgerLine> {
    const lines: SubledgerLine[] = [];
    for (const { account, control } of this.store.accountsAfter(page.cursor, knownAt)) {
      if (lines.length === page.limit) return { lines, nextCursor: lines[lines.length - 1].account };
      let cents = 0n;
      let seen = false;
      for (const line of this.store.accountLines(account)) {
        if (line.recordedAt > knownAt) break;
        if (line.date > asOf) continue;
        cents += line.cents;
        seen = true;
      }
      if (seen) lines.push({ ...sideLine(account, cents), control });
    }
    return { lines, nextCursor: null };
  }

  /** Lines of the entities known at `knownAt` (unknown ones are skipped from the id index, unread), `page.limit` of them. */
  private page<L>(kind: 'policy' | 'claim', page: Page, knownAt: Instant, line: (id: string) => L | null): PagedLines<L> {
    const lines: L[] = [];
    let last: string | null = null;
    for (const id of this.store.idsAfter(kind, page.cursor, knownAt)) {
      if (lines.length === page.limit) return { lines, nextCursor: last };
      const l = line(id);
      if (l === null) continue;
      lines.push(l);
      last = id;
    }
    return { lines, nextCursor: null };
  }
}

function sideLine(account: string, cents: bigint): TrialBalanceLine {
  return { account, debit: formatCents(cents < 0n ? 0n : cents), credit: formatCents(cents < 0n ? -cents : 0n) };
}

function withTotals<K extends string>(rows: { currency: string; values: bigint[] }[], fields: readonly K[]): ReportTotals<Money<K>> {
  const sums = fields.map(() => 0n);
  const totalsByCurrency = rows.map(({ currency, values }) => {
    values.forEach((v, i) => (sums[i] += v));
    return { currency, ...money(fields, values) };
  });
  return { totals: money(fields, sums), totalsByCurrency };
}

function money<K extends string>(fields: readonly K[], values: bigint[]): Money<K> {
  const out = {} as Money<K>;
  fields.forEach((f, i) => (out[f] = formatCents(values[i])));
  return out;
}

function later(a: Instant, b: Instant): Instant {
  return a > b ? a : b;
}
