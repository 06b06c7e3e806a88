/**
 * The scale benchmark's book, generated as streams of commands in an order the
 * ledger accepts. Each stream owns its entities (policies, claims, members and
 * funds named after the stream), so two streams can be loaded concurrently,
 * each by one sequential client, without one ever waiting for the other's
 * entities or being refused for the other's order.
 *
 * A stream interleaves, four commands in five, non-life business:
 *   every policy bound and then endorsed; every eighth pays part of its
 *   premium, and one such payment in ten is reversed; every fourth policy
 *   also has a claim opened with a reserve and then paid, and every eighth
 *   claim a recovery (chunks of POLICY_CHUNK policies);
 * and, one command in five, pensions:
 *   FUNDS_PER_STREAM funds; then month by month a NAV struck for each fund
 *   (forward pricing: a dealing on a date needs that date's NAV, and no NAV
 *   for a later date may be struck before it), one contribution of every member
 *   who joined within the last CONTRIBUTION_MONTHS months, and
 *   JOINS_PER_MONTH new members, each registered and contributing; every
 *   twentieth member active that month also withdraws 50.00 (a benefit).
 *   Each valuation's net assets are the money contributed less the money
 *   withdrawn before its date, so every NAV is 1.000000 and units equal amounts.
 *
 * The fee book (one per size) is a fund of its own with one holding per member.
 */
import { CommandIds, type CommandItem } from './api-workload';

export const FUNDS_PER_STREAM = 4;
export const JOINS_PER_MONTH = 1_000;
export const CONTRIBUTION_MONTHS = 12;
/** One command in PENSION_EVERY is a pension one. */
const PENSION_EVERY = 5;
const POLICY_CHUNK = 400;
/** Policy terms start on the first of a month of 2025 or 2026 and last a year. */
const TERM_BASE = { year: 2025, month: 1 };
const TERM_MONTHS_SPREAD = 24;
/** Month k of the pension calendar deals on the 15th of 2024-01 + k months. */
const DEALING_BASE = { year: 2024, month: 1 };
const DEALING_DAY = 15;

/** Report ranges covering the book. */
export const PREMIUM_RANGE = { from: '2025-01', to: '2026-12' };
export const FUND_RANGE = { from: '2024-01', to: '2026-12' };
export const TRIAL_BALANCE_AS_OF = '2026-12-31';

export const FEE_DATE = '2026-03-02';
export const FEE_RATE = '0.001000';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of day `day` of the month `months` after base. */
function monthDay(base: { year: number; month: number }, months: number, day: number): string {
  const m = base.month - 1 + months;
  return `${base.year + Math.floor(m / 12)}-${pad2((m % 12) + 1)}-${pad2(day)}`;
}

const money = (cents: number): string => `${Math.floor(cents / 100)}.${pad2(cents % 100)}`;

export const streamPolicyId = (stream: number, n: number): string => `S${stream}-P${n}`;

/** A stream's policies are spread over terms: the valid-time day a query of policy n asks about, given a 0..1 draw. */
export function asOfInTerm(n: number, draw: number): string {
  const month = (n % TERM_MONTHS_SPREAD) + Math.floor(draw * 12);
  return monthDay(TERM_BASE, month, 1 + Math.floor((draw * 336) % 28));
}

/** One stream of the book: never ends; `take(n)` hands out the next n commands. */
export class BookStream {
  /** Policies bound by the commands handed out so far. */
  policiesBound = 0;
  /** Commands handed out so far, by kind of business. */
  readonly emitted = { nonLife: 0, pensions: 0 };
  private readonly nonLife: Iterator<CommandItem>;
  private readonly pensions: Iterator<CommandItem>;
  private turn = 0;

  constructor(
    readonly stream: number,
    private readonly ids: CommandIds,
  ) {
    this.nonLife = this.nonLifeCommands();
    this.pensions = this.pensionCommands();
  }

  take(count: number): CommandItem[] {
    const out: CommandItem[] = [];
    while (out.length < count) {
      const pension = ++this.turn % PENSION_EVERY === 0;
      out.push((pension ? this.pensions : this.nonLife).next().value as CommandItem);
      if (pension) this.emitted.pensions++;
      else this.emitted.nonLife++;
    }
    return out;
  }

  private *nonLifeCommands(): Generator<CommandItem> {
    const s = this.stream;
    for (let first = 0; ; first += POLICY_CHUNK) {
      const chunk = Array.from({ length: POLICY_CHUNK }, (_, i) => first + i);
      for (const n of chunk) {
        const months = n % TERM_MONTHS_SPREAD;
        this.policiesBound = n + 1;
        yield {
          path: '/v1/policies',
          body: {
            commandId: this.ids.next(),
            policyId: streamPolicyId(s, n),
            currency: 'EUR',
            holder: { name: `Holder ${s}-${n}` },
            term: { start: monthDay(TERM_BASE, months, 1), end: monthDay(TERM_BASE, months + 12, 1) },
            premium: money(100_000 + (n % 37) * 1_000),
          },
        };
      }
      for (const n of chunk) {
        yield {
          path: `/v1/policies/${streamPolicyId(s, n)}/endorsements`,
          body: { commandId: this.ids.next(), effectiveDate: monthDay(TERM_BASE, (n % TERM_MONTHS_SPREAD) + 3, 15), annualPremiumChange: '120.00' },
        };
      }
      const paying = chunk.filter((n) => n % 8 === 0);
      for (const n of paying) {
        const commandId = this.ids.next();
        yield { path: `/v1/policies/${streamPolicyId(s, n)}/payments`, body: { commandId, amount: '500.00', receivedDate: monthDay(TERM_BASE, n % TERM_MONTHS_SPREAD, 5) } };
        if (n % 80 === 0) yield { path: '/v1/reversals', body: { commandId: this.ids.next(), reversesCommandId: commandId, reason: 'cheque returned unpaid' } };
      }
      const claimed = chunk.filter((n) => n % 4 === 0);
      for (const n of claimed) {
        const months = n % TERM_MONTHS_SPREAD;
        yield {
          path: '/v1/claims',
          body: {
            commandId: this.ids.next(),
            claimId: `S${s}-C${n / 4}`,
            policyId: streamPolicyId(s, n),
            lossDate: monthDay(TERM_BASE, months + 1, 10),
            reportedDate: monthDay(TERM_BASE, months + 1, 12),
            initialReserve: '5000.00',
          },
        };
      }
      for (const n of claimed) {
        yield {
          path: `/v1/claims/S${s}-C${n / 4}/payments`,
          body: { commandId: this.ids.next(), effectiveDate: monthDay(TERM_BASE, (n % TERM_MONTHS_SPREAD) + 2, 1), amount: money(50_000 + (n % 13) * 2_500) },
        };
      }
      for (const n of claimed.filter((c) => c % 32 === 0)) {
        yield {
          path: `/v1/claims/S${s}-C${n / 4}/recoveries`,
          body: { commandId: this.ids.next(), effectiveDate: monthDay(TERM_BASE, (n % TERM_MONTHS_SPREAD) + 3, 1), amount: '100.00', kind: 'subrogation' },
        };
      }
    }
  }

  private *pensionCommands(): Generator<CommandItem> {
    const s = this.stream;
    const fund = (f: number): string => `S${s}-F${f}`;
    const member = (m: number): string => `S${s}-M${m}`;
    const contributedCents = new Array<number>(FUNDS_PER_STREAM).fill(0);
    const contribution = (m: number, date: string): CommandItem => {
      const cents = 10_000 + (m % 20) * 2_500;
      contributedCents[m % FUNDS_PER_STREAM] += cents;
      return { path: `/v1/members/${member(m)}/contributions`, body: { commandId: this.ids.next(), fundId: fund(m % FUNDS_PER_STREAM), amount: money(cents), effectiveDate: date } };
    };
    for (let f = 0; f < FUNDS_PER_STREAM; f++) {
      yield { path: '/v1/funds', body: { commandId: this.ids.next(), fundId: fund(f), currency: 'EUR', launchNavPerUnit: '1.000000' } };
    }
    for (let month = 0; ; month++) {
      const date = monthDay(DEALING_BASE, month, DEALING_DAY);
      for (let f = 0; f < FUNDS_PER_STREAM; f++) {
        yield { path: `/v1/funds/${fund(f)}/valuations`, body: { commandId: this.ids.next(), valuationDate: date, netAssets: money(contributedCents[f]) } };
      }
      const firstActive = Math.max(0, month - CONTRIBUTION_MONTHS + 1) * JOINS_PER_MONTH;
      for (let m = firstActive; m < month * JOINS_PER_MONTH; m++) {
        yield contribution(m, date);
        // After the contribution of the month: the holding has at least 100.00 in it.
        if (m % 20 === 7) {
          contributedCents[m % FUNDS_PER_STREAM] -= 5_000;
          yield { path: `/v1/members/${member(m)}/withdrawals`, body: { commandId: this.ids.next(), fundId: fund(m % FUNDS_PER_STREAM), amount: '50.00', effectiveDate: date, kind: 'benefit' } };
        }
      }
      for (let m = month * JOINS_PER_MONTH; m < (month + 1) * JOINS_PER_MONTH; m++) {
        yield { path: '/v1/members', body: { commandId: this.ids.next(), memberId: member(m), name: `Member ${s}-${m}` } };
        yield contribution(m, date);
      }
    }
  }
}

/** The fee book of size `size`: a fund with its NAV for FEE_DATE (`head`, first), then `holdings` members each contributing once (`members`). */
export function feeBook(ids: CommandIds, size: number, holdings: number): { fundId: string; head: CommandItem[]; members: CommandItem[] } {
  const fundId = `FEE-${size}`;
  const head: CommandItem[] = [
    { path: '/v1/funds', body: { commandId: ids.next(), fundId, currency: 'EUR', launchNavPerUnit: '1.000000' } },
    { path: `/v1/funds/${fundId}/valuations`, body: { commandId: ids.next(), valuationDate: FEE_DATE, netAssets: '0.00' } },
  ];
  const members: CommandItem[] = [];
  for (let i = 0; i < holdings; i++) {
    const memberId = `${fundId}-M${i}`;
    members.push({ path: '/v1/members', body: { commandId: ids.next(), memberId, name: `Fee member ${i}` } });
    members.push({ path: `/v1/members/${memberId}/contributions`, body: { commandId: ids.next(), fundId, amount: '100.00', effectiveDate: FEE_DATE } });
  }
  return { fundId, head, members };
}
