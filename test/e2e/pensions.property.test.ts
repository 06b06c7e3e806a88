// Properties of the pension funds over random dealing sequences (fast-check,
// seeded), driven through the REAL API: one in-process server on a real WAL in
// a temp dir for the whole file; each fast-check run works in its own id
// namespace (`R<run>-F1`, `R<run>-M1`, command ids with a per-run prefix), so
// runs never see each other's funds or members.
//
// A run: 2-3 EUR funds and one USD fund launched, 4 members registered, some
// valuations struck on the first days, then random steps over 10 days:
// valuations (mostly moving the funds on together: a fund behind the latest
// valuation day of all catches up to it, else the day after is valued; else
// any day, back-dated ones included; net assets a random move of the fund's
// net assets, or an arbitrary figure), contributions (one in four a transfer
// in), switches and withdrawals of each kind (a part of the holding, exactly
// the holding, exactly the most a later movement leaves, or more than held;
// a withdrawal by units or by the money they are worth), fees at small rates
// (one in three an annualRate over some days, ACT/365). Dealings are mostly dated on the one
// day still open to them (their funds' latest valuation day: forward pricing
// closes a date once a later NAV is struck), else on a valued day (mostly
// closed) or any day. Everything goes through POST /v1/batch (setup, then the
// steps cut into 1-3 batches).
//
// Each command's outcome is predicted by a small model of the test's own
// (integer micro-units and cents, half-up rounding done here, not the
// server's code): 201 with the exact figures of the contract (forward pricing:
// a valuation divides by the units dated BEFORE its date; units =
// round6(amount / nav); switch amount = round2(units * navFrom); withdrawal
// amount = round2(units * nav) or units = round6(amount / nav); fee =
// round2(round2(units * nav) * rate) or round2(round2(units * nav) *
// annualRate * days / 365), cancelled = round6(fee / nav)), or the
// refusals that apply (nav_not_published, dealing_date_closed when a fund the
// dealing touches has a valuation dated after it, insufficient_units on the
// date or any later date the holding moves, currency_mismatch, entity_exists;
// where several apply to a switch, any of them). Every answer is a 201 or a
// 4xx problem with an api.md code (or one of ours: amount_out_of_range,
// dealing_date_closed), never a 5xx.
//
// After each run, a second model built ONLY from the 201 response bodies
// (recordedAt included) is checked against the GET endpoints at every date of
// the run, the day before and a late date, at knownAt = now and at instants
// taken from the responses:
//   - GET fund: unitsOutstanding, netAssets (= the latest valuation's net
//     assets on or before the date + the response amounts dated from that
//     valuation date through the date), navPerUnit, valuationDate; 404 before
//     the launch was known; units never negative;
//   - GET member: holdings (units, NAV, value = round2(units * nav)), sorted,
//     none zero or negative, totalValue; 404 before the registration was known;
//   - the members' units in each fund (GET member, compared as integers of
//     micro-units) add up exactly to the fund's unitsOutstanding (GET fund);
//   - GET /v1/reports/funds for the run's month(s): both identities exactly
//     on every line (transfers in and withdrawals included); every figure of
//     the run's funds = the model; and
//     marketMovement = sum over the valuations in the range of (valuation net
//     assets - GET fund ?asOf=<day before> net assets) at the report's knownAt;
//   - the trial balance balances (in total and per currency), and per fund:
//     fund-cash less fees-payable = the fund's net assets valid on asOf (each
//     valuation posts its gain), fees-payable = fees, each member's
//     unit-liability = the member's money in the fund
//     (contributions + switches in - switches out - fees), at a late asOf and at
//     a date of the run with an earlier knownAt;
//   - GET statement of each member over the run's days: per fund, opening and
//     closing units and values, the sums by type and every movement = the
//     model; closing units = opening units + the movements' units.
//
// PENSIONS_PROPERTY_SEED, PENSIONS_PROPERTY_RUNS replay or widen it;
// PENSIONS_PROPERTY_PATH=<path fast-check printed> replays one counterexample,
// PENSIONS_PROPERTY_TRACE=1 lists a failing run's commands and answers.
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';

import { API_ERROR_CODES, type Answer, type Api, type InProcessServer, CommandIds, Rng, TOKENS, addDays, qs, removeDir, startInProcess, tempDir, writeTokensFile } from './support';

const SEED = Number(process.env.PENSIONS_PROPERTY_SEED ?? 4_040_404);
const RUNS = Number(process.env.PENSIONS_PROPERTY_RUNS ?? 25);
/** The run's dealings are dated on its first day and the DAYS - 1 days after. */
const DAYS = 10;
const MEMBERS = 4;

jest.setTimeout(Math.max(90_000, RUNS * 5_000));

// ---------------------------------------------------------------------------
// Fixed-point figures: money as cents, units / NAV / rates as micro-units (bigint)

function scaled(text: unknown, digits: number): bigint {
  const m = new RegExp(`^(-?)(\\d+)\\.(\\d{${digits}})$`).exec(String(text));
  if (!m) throw new Error(`not a decimal with ${digits} fraction digits: ${JSON.stringify(text)}`);
  const v = BigInt(m[2] + m[3]);
  return m[1] ? -v : v;
}

const cents = (text: unknown): bigint => scaled(text, 2);
const micros = (text: unknown): bigint => scaled(text, 6);

function fmt(v: bigint, digits: number): string {
  const abs = (v < 0n ? -v : v).toString().padStart(digits + 1, '0');
  return `${v < 0n ? '-' : ''}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

const fmt2 = (v: bigint): string => fmt(v, 2);
const fmt6 = (v: bigint): string => fmt(v, 6);

/** round half-up of a / b for a >= 0, b > 0. */
const divHalfUp = (a: bigint, b: bigint): bigint => (2n * a + b) / (2n * b);
const E6 = 1_000_000n;
/** The ledger stores money up to 18 integer digits: a command whose figures pass it is refused (422 amount_out_of_range). */
const storable = (centsValue: bigint): boolean => (centsValue < 0n ? -centsValue : centsValue) < 10n ** 20n;
/** Units and NAVs likewise: up to 18 integer digits. */
const storableUnits = (microUnits: bigint): boolean => microUnits < 10n ** 24n;
const E10 = 10_000_000_000n;
/** round6(money / nav): units from an amount, or a NAV from net assets / units. */
const perUnit = (money: bigint, per: bigint): bigint => divHalfUp(money * E10, per);
/** round2(units * nav). */
const valueOf = (units: bigint, nav: bigint): bigint => divHalfUp(units * nav, E10);

const sumOf = (xs: Iterable<bigint>): bigint => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

// ---------------------------------------------------------------------------
// The model: what the accepted commands said, dated and stamped

type Cause = 'contribution' | 'transfer-in' | 'switch-in' | 'switch-out' | 'fee' | 'withdrawal';
const WITHDRAWAL_KINDS = ['benefit', 'lump-sum', 'transfer-out'] as const;
type WithdrawalKind = (typeof WITHDRAWAL_KINDS)[number];

interface Move {
  fundId: string;
  memberId: string;
  date: string;
  units: bigint;
  money: bigint;
  cause: Cause;
  /** A withdrawal's kind. */
  wkind?: WithdrawalKind;
  nav: bigint;
  at: string;
}

interface FundModel {
  currency: string;
  launchNav: bigint;
  at: string;
  valuations: Map<string, { netAssets: bigint; nav: bigint; at: string }>;
}

type Kind = 'launch' | 'register' | 'value' | 'contribute' | 'switch' | 'fee' | 'withdraw';

/** `k` is a knownAt instant (undefined: everything); instants are fixed width, so string order is time order. */
const seen = (at: string, k: string | undefined): boolean => k === undefined || at <= k;

class Book {
  readonly funds = new Map<string, FundModel>();
  readonly members = new Map<string, string>();
  moves: Move[] = [];

  clone(): Book {
    const b = new Book();
    for (const [id, f] of this.funds) b.funds.set(id, { ...f, valuations: new Map(f.valuations) });
    for (const [id, at] of this.members) b.members.set(id, at);
    b.moves = [...this.moves];
    return b;
  }

  /** Folds a 201 body (a predicted one has recordedAt ''). */
  apply(kind: Kind, r: Record<string, any>): void {
    const at = String(r.recordedAt);
    const move = (fundId: string, units: bigint, money: bigint, cause: Cause, nav: bigint, memberId = String(r.memberId), wkind?: WithdrawalKind) =>
      this.moves.push({ fundId, memberId, date: String(r.effectiveDate), units, money, cause, nav, at, ...(wkind ? { wkind } : {}) });
    switch (kind) {
      case 'launch':
        this.funds.set(r.fundId, { currency: r.currency, launchNav: micros(r.launchNavPerUnit), at, valuations: new Map() });
        break;
      case 'register':
        this.members.set(r.memberId, at);
        break;
      case 'value':
        this.funds.get(r.fundId)!.valuations.set(r.valuationDate, { netAssets: cents(r.netAssets), nav: micros(r.navPerUnit), at });
        break;
      case 'contribute':
        move(r.fundId, micros(r.units), cents(r.amount), r.kind === 'transfer-in' ? 'transfer-in' : 'contribution', micros(r.navPerUnit));
        break;
      case 'switch':
        move(r.fromFundId, -micros(r.unitsSold), -cents(r.amount), 'switch-out', micros(r.fromNavPerUnit));
        move(r.toFundId, micros(r.unitsBought), cents(r.amount), 'switch-in', micros(r.toNavPerUnit));
        break;
      case 'fee':
        for (const h of r.holdings) move(r.fundId, -micros(h.unitsCancelled), -cents(h.fee), 'fee', micros(r.navPerUnit), h.memberId);
        break;
      case 'withdraw':
        move(r.fundId, -micros(r.units), -cents(r.amount), 'withdrawal', micros(r.navPerUnit), String(r.memberId), r.kind);
        break;
    }
  }

  movesOf(fundId: string, k: string | undefined, memberId?: string): Move[] {
    return this.moves.filter((m) => m.fundId === fundId && seen(m.at, k) && (memberId === undefined || m.memberId === memberId));
  }

  units(fundId: string, asOf: string, k?: string, memberId?: string): bigint {
    return sumOf(this.movesOf(fundId, k, memberId).filter((m) => m.date <= asOf).map((m) => m.units));
  }

  /** Units dated before `date` (what a valuation for `date` divides by). */
  unitsBefore(fundId: string, date: string): bigint {
    return sumOf(this.movesOf(fundId, undefined).filter((m) => m.date < date).map((m) => m.units));
  }

  private latestValuation(fundId: string, asOf: string, k: string | undefined): string | undefined {
    let latest: string | undefined;
    for (const [date, v] of this.funds.get(fundId)!.valuations) if (date <= asOf && seen(v.at, k) && (latest === undefined || date > latest)) latest = date;
    return latest;
  }

  nav(fundId: string, asOf: string, k?: string): { nav: bigint; valuationDate: string | null } {
    const date = this.latestValuation(fundId, asOf, k);
    const f = this.funds.get(fundId)!;
    return date === undefined ? { nav: f.launchNav, valuationDate: null } : { nav: f.valuations.get(date)!.nav, valuationDate: date };
  }

  netAssets(fundId: string, asOf: string, k?: string): bigint {
    const date = this.latestValuation(fundId, asOf, k);
    const base = date === undefined ? 0n : this.funds.get(fundId)!.valuations.get(date)!.netAssets;
    return base + sumOf(this.movesOf(fundId, k).filter((m) => m.date <= asOf && (date === undefined || m.date >= date)).map((m) => m.money));
  }

  /** The NAV a dealing on `date` uses, or null (none struck, or struck at 0). */
  dealingNav(fundId: string, date: string): bigint | null {
    const v = this.funds.get(fundId)!.valuations.get(date);
    return v && v.nav > 0n ? v.nav : null;
  }

  /** Forward pricing: `date`'s dealings closed when the fund had a NAV struck for a later date. */
  closed(fundId: string, date: string): boolean {
    return [...this.funds.get(fundId)!.valuations.keys()].some((d) => d > date);
  }

  /** The fund's latest valuation day (undefined before its first). */
  latestDay(fundId: string): string | undefined {
    return [...this.funds.get(fundId)!.valuations.keys()].sort().pop();
  }

  /** The lowest the holding is on `from` and at the end of every later date it moves (a date's movements netted). */
  floor(memberId: string, fundId: string, from: string): bigint {
    const mine = this.movesOf(fundId, undefined, memberId);
    let holding = sumOf(mine.filter((m) => m.date <= from).map((m) => m.units));
    let low = holding;
    for (const date of [...new Set(mine.filter((m) => m.date > from).map((m) => m.date))].sort()) {
      holding += sumOf(mine.filter((m) => m.date === date).map((m) => m.units));
      if (holding < low) low = holding;
    }
    return low;
  }

  /** Flows dated in (after, through], by cause; units issued and cancelled. */
  flows(fundId: string, after: string, through: string, k?: string) {
    const ms = this.movesOf(fundId, k).filter((m) => m.date > after && m.date <= through);
    const money = (cause: Cause) => sumOf(ms.filter((m) => m.cause === cause).map((m) => m.money));
    const withdrawn = (kind: WithdrawalKind) => -sumOf(ms.filter((m) => m.wkind === kind).map((m) => m.money));
    return {
      unitsIssued: sumOf(ms.filter((m) => m.units > 0n).map((m) => m.units)),
      unitsCancelled: -sumOf(ms.filter((m) => m.units < 0n).map((m) => m.units)),
      contributions: money('contribution'),
      transfersIn: money('transfer-in'),
      switchesIn: money('switch-in'),
      switchesOut: -money('switch-out'),
      fees: -money('fee'),
      withdrawals: -money('withdrawal'),
      withdrawalsByKind: { benefit: withdrawn('benefit'), lumpSum: withdrawn('lump-sum'), transferOut: withdrawn('transfer-out') },
    };
  }

  /** Money of the moves dated <= asOf: all causes, or the cash ones (fees move no cash). */
  money(fundId: string, asOf: string, k: string | undefined, which: 'cash' | 'fees' | 'all', memberId?: string): bigint {
    const ms = this.movesOf(fundId, k, memberId).filter((m) => m.date <= asOf && (which === 'all' || (which === 'fees') === (m.cause === 'fee')));
    return sumOf(ms.map((m) => m.money));
  }
}

// ---------------------------------------------------------------------------
// Scripts

/**
 * A dealing date: most often ('open') the day still open to its funds (a NAV
 * for it and none later: their latest valuation day, when they share it), else
 * ('valued') a day they all have a NAV for (closed unless it is the latest),
 * else any day of the run.
 */
interface DayPick {
  mode: 'open' | 'valued' | 'any';
  n: number;
}

type UnitsPick = { kind: 'part'; permille: number } | { kind: 'all' } | { kind: 'floor' } | { kind: 'more'; extra: number };

type Step =
  /** day 'next': the first fund behind the latest valuation day of all catches up to it; when none is, `fund` is valued on the day after. */
  | { kind: 'value'; fund: number; day: number | 'next'; ratio: number; absolute: number | null }
  | { kind: 'contribute'; member: number; fund: number; day: DayPick; amount: number; transfer: boolean }
  /** By units (picked like a switch's) or by the money `units` are worth at the dealing NAV. */
  | { kind: 'withdraw'; member: number; fund: number; day: DayPick; units: UnitsPick; byAmount: boolean; wkind: number }
  /**
   * Between EUR funds (`from`, and the one `shift` after it among them; shift 0: the same fund, a 400),
   * or, when `cross`, between the USD fund and an EUR one (currency_mismatch).
   */
  | { kind: 'switch'; member: number; from: number; shift: number; cross: 'no' | 'to-usd' | 'from-usd'; day: DayPick; units: UnitsPick }
  /** annual: an annualRate of rate * 10^-10 * 37 (up to ~7.4%) over `days` days instead of rate * 10^-6. */
  | { kind: 'fee'; fund: number; day: DayPick; rate: number; annual: { days: number } | null };

interface Script {
  /** Days after 2025-01-01 of the run's first day (the 10 days may straddle a month end). */
  start: number;
  eurFunds: number;
  launchNavs: number[];
  /** Per fund, the days valued before any dealing (net assets 0.00: nothing invested yet), among the first 4. */
  initialValuations: number[][];
  steps: Step[];
  /** Where the steps are cut into batches (fractions of the step count, per mille). */
  cuts: number[];
}

const dayPick: fc.Arbitrary<DayPick> = fc.record({ mode: fc.integer({ min: 0, max: 19 }).map((x) => (x < 15 ? 'open' : x < 18 ? 'valued' : 'any')), n: fc.nat(1000) });
const fundIx = fc.nat(3);
const memberIx = fc.nat(MEMBERS - 1);

const unitsPick: fc.Arbitrary<UnitsPick> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('part' as const), permille: fc.integer({ min: 1, max: 1000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('all' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('floor' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('more' as const), extra: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 50_000_000 })) }) },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('value' as const),
      fund: fundIx,
      day: fc.oneof({ weight: 4, arbitrary: fc.constant('next' as const) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: DAYS - 1 }) }),
      ratio: fc.integer({ min: 850, max: 1150 }),
      // Half the time an arbitrary figure (0.00, 0.01 and 1.00 among them: a NAV of 0 takes the fund's latest date out of dealing).
      absolute: fc.option(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 200_000_000 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 100) }), { freq: 2 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      member: memberIx,
      fund: fundIx,
      day: dayPick,
      amount: fc.oneof(fc.integer({ min: 1, max: 5_000_000 }), fc.constantFrom(1, 99, 100, 123_457)),
      transfer: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      member: memberIx,
      fund: fundIx,
      day: dayPick,
      units: unitsPick,
      byAmount: fc.boolean(),
      wkind: fc.nat(2),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('switch' as const),
      member: memberIx,
      from: fundIx,
      shift: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 15, arbitrary: fc.integer({ min: 1, max: 2 }) }),
      cross: fc.constantFrom('no', 'no', 'no', 'no', 'no', 'no', 'no', 'no', 'to-usd', 'from-usd'),
      day: dayPick,
      units: unitsPick,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fee' as const),
      fund: fundIx,
      day: dayPick,
      rate: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(1, 1_000, 5_000)),
      annual: fc.option(fc.record({ days: fc.oneof(fc.constantFrom(1, 30, 365), fc.integer({ min: 1, max: 366 })) }), { freq: 3 }),
    }),
  },
);

const scriptArb: fc.Arbitrary<Script> = fc.record({
  start: fc.integer({ min: 0, max: 700 }),
  eurFunds: fc.integer({ min: 2, max: 3 }),
  launchNavs: fc.array(fc.oneof(fc.constantFrom(1_000_000, 10_000_000, 1_262_500), fc.integer({ min: 1, max: 200_000_000 })), { minLength: 4, maxLength: 4 }),
  initialValuations: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 4 }),
  steps: fc.array(stepArb, { minLength: 30, maxLength: 120, size: 'max' }),
  cuts: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 2 }),
});

// ---------------------------------------------------------------------------
// Commands and their predicted outcome

type Expect = { ok: Record<string, unknown> } | { refused: string[] };

interface Cmd {
  kind: Kind;
  /** For the statistics: the kind, and for a switch how its units were picked. */
  label: string;
  path: string;
  body: Record<string, unknown>;
  expect: Expect;
}

interface Run {
  id: number;
  days: string[];
  fundIds: string[];
  memberIds: string[];
  ids: CommandIds;
}

/** What the contract says a command does to `book` (read only; the caller folds a 201). */
function predict(book: Book, kind: Kind, body: Record<string, any>, pathId: string): Expect {
  switch (kind) {
    case 'launch':
      return { ok: { fundId: body.fundId, currency: body.currency, launchNavPerUnit: body.launchNavPerUnit } };
    case 'register':
      return { ok: { memberId: body.memberId, name: body.name } };
    case 'value': {
      const f = book.funds.get(pathId)!;
      if (f.valuations.has(body.valuationDate)) return { refused: ['entity_exists'] };
      const units = book.unitsBefore(pathId, body.valuationDate);
      if (!storableUnits(units)) return { refused: ['amount_out_of_range'] };
      const nav = units === 0n ? f.launchNav : perUnit(cents(body.netAssets), units);
      // The gain posted takes the books (fund assets less fees payable, = the net assets valid on the date) to the struck net assets.
      const gain = fmt2(cents(body.netAssets) - book.netAssets(pathId, body.valuationDate));
      return { ok: { valuationDate: body.valuationDate, fundId: pathId, netAssets: body.netAssets, unitsOutstanding: fmt6(units), navPerUnit: fmt6(nav), gain } };
    }
    case 'contribute': {
      const nav = book.dealingNav(body.fundId, body.effectiveDate);
      if (nav === null) return { refused: ['nav_not_published'] };
      if (book.closed(body.fundId, body.effectiveDate)) return { refused: ['dealing_date_closed'] };
      const amount = cents(body.amount);
      if (perUnit(amount, nav) === 0n) return { refused: ['amount_too_small'] };
      if (!storableUnits(perUnit(amount, nav))) return { refused: ['amount_out_of_range'] };
      const transfer = body.kind === 'transfer-in' ? { kind: 'transfer-in', source: body.source } : {};
      return {
        ok: { memberId: pathId, fundId: body.fundId, effectiveDate: body.effectiveDate, currency: book.funds.get(body.fundId)!.currency, amount: fmt2(amount), units: fmt6(perUnit(amount, nav)), navPerUnit: fmt6(nav), ...transfer },
      };
    }
    case 'withdraw': {
      const given = body.units !== undefined ? micros(body.units) : cents(body.amount);
      // The API takes units and money with at most 18 integer digits.
      if (!(body.units !== undefined ? storableUnits(given) : storable(given))) return { refused: ['validation_failed'] };
      const nav = book.dealingNav(body.fundId, body.effectiveDate);
      if (nav === null) return { refused: ['nav_not_published'] };
      if (book.closed(body.fundId, body.effectiveDate)) return { refused: ['dealing_date_closed'] };
      const units = body.units !== undefined ? given : perUnit(given, nav);
      const amount = body.units !== undefined ? valueOf(given, nav) : given;
      if (units > book.floor(pathId, body.fundId, body.effectiveDate)) return { refused: ['insufficient_units'] };
      if (units === 0n || amount === 0n) return { refused: ['amount_too_small'] };
      if (!storable(amount) || !storableUnits(units)) return { refused: ['amount_out_of_range'] };
      return {
        ok: {
          memberId: pathId,
          fundId: body.fundId,
          effectiveDate: body.effectiveDate,
          currency: book.funds.get(body.fundId)!.currency,
          kind: body.kind,
          ...(body.destination !== undefined ? { destination: body.destination } : {}),
          units: fmt6(units),
          amount: fmt2(amount),
          navPerUnit: fmt6(nav),
        },
      };
    }
    case 'switch': {
      if (body.fromFundId === body.toFundId) return { refused: ['validation_failed'] };
      const [from, to] = [book.funds.get(body.fromFundId)!, book.funds.get(body.toFundId)!];
      const navFrom = book.dealingNav(body.fromFundId, body.effectiveDate);
      const navTo = book.dealingNav(body.toFundId, body.effectiveDate);
      const units = micros(body.units);
      // The API takes units with at most 18 integer digits (a holding may have grown past that: it is sold in parts).
      if (!storableUnits(units)) return { refused: ['validation_failed'] };
      const refused: string[] = [];
      if (from.currency !== to.currency) refused.push('currency_mismatch');
      if (navFrom === null || navTo === null) refused.push('nav_not_published');
      if (book.closed(body.fromFundId, body.effectiveDate) || book.closed(body.toFundId, body.effectiveDate)) refused.push('dealing_date_closed');
      if (units > book.floor(pathId, body.fromFundId, body.effectiveDate)) refused.push('insufficient_units');
      if (refused.length > 0 || navFrom === null || navTo === null) return { refused };
      const amount = valueOf(units, navFrom);
      if (amount === 0n || perUnit(amount, navTo) === 0n) return { refused: ['amount_too_small'] };
      if (!storable(amount) || !storableUnits(perUnit(amount, navTo))) return { refused: ['amount_out_of_range'] };
      return {
        ok: {
          effectiveDate: body.effectiveDate,
          currency: from.currency,
          memberId: pathId,
          fromFundId: body.fromFundId,
          toFundId: body.toFundId,
          unitsSold: fmt6(units),
          amount: fmt2(amount),
          unitsBought: fmt6(perUnit(amount, navTo)),
          fromNavPerUnit: fmt6(navFrom),
          toNavPerUnit: fmt6(navTo),
        },
      };
    }
    case 'fee': {
      const nav = book.dealingNav(pathId, body.effectiveDate);
      if (nav === null) return { refused: ['nav_not_published'] };
      if (book.closed(pathId, body.effectiveDate)) return { refused: ['dealing_date_closed'] };
      // round2(value * rate) with rate in 10^-6, or round2(value * annualRate * days / 365) with annualRate in 10^-10.
      const feeOf = body.rate !== undefined ? (value: bigint) => divHalfUp(value * micros(body.rate), E6) : (value: bigint) => divHalfUp(value * scaled(body.annualRate, 10) * BigInt(body.days), E10 * 365n);
      const holdings: Record<string, string>[] = [];
      let [totalFee, totalCancelled, short] = [0n, 0n, false];
      for (const memberId of [...new Set(book.moves.filter((m) => m.fundId === pathId).map((m) => m.memberId))].sort()) {
        const units = book.units(pathId, body.effectiveDate, undefined, memberId);
        if (units <= 0n) continue;
        const value = valueOf(units, nav);
        const fee = feeOf(value);
        if (fee === 0n) continue;
        const unitsCancelled = perUnit(fee, nav);
        if (unitsCancelled > book.floor(memberId, pathId, body.effectiveDate)) short = true;
        holdings.push({ memberId, units: fmt6(units), value: fmt2(value), fee: fmt2(fee), unitsCancelled: fmt6(unitsCancelled) });
        totalFee += fee;
        totalCancelled += unitsCancelled;
      }
      if (short) return { refused: ['insufficient_units'] };
      if (!storable(totalFee) || !storableUnits(totalCancelled) || holdings.some((h) => !storable(cents(h.value)) || !storableUnits(micros(h.units)))) {
        return { refused: ['amount_out_of_range'] };
      }
      const basis = body.rate !== undefined ? { rate: body.rate } : { annualRate: body.annualRate, days: body.days, dayCount: 'ACT/365' };
      return { ok: { effectiveDate: body.effectiveDate, fundId: pathId, ...basis, navPerUnit: fmt6(nav), holdings, totalFee: fmt2(totalFee), totalUnitsCancelled: fmt6(totalCancelled) } };
    }
  }
}

function command(book: Book, run: Run, kind: Kind, path: string, body: Record<string, unknown>, pathId = '', label: string = kind): Cmd {
  const full = { commandId: run.ids.next(), ...body };
  return { kind, label, path, body: full, expect: predict(book, kind, full, pathId) };
}

/** `held`: for a switch, days the member holds units (preferred among the valued ones when there are any). */
function pickDay(book: Book, run: Run, pick: DayPick, fundIds: string[], held?: (day: string) => boolean): string {
  const valued = run.days.filter((d) => fundIds.every((f) => book.funds.get(f)!.valuations.has(d)));
  if (pick.mode === 'open') {
    const open = valued.filter((d) => fundIds.every((f) => !book.closed(f, d)));
    if (open.length > 0) return open[0];
  }
  if (pick.mode !== 'any') {
    const holding = held ? valued.filter(held) : [];
    const days = holding.length > 0 ? holding : valued;
    if (days.length > 0) return days[pick.n % days.length];
  }
  return run.days[pick.n % DAYS];
}

/** The step as a command, decided against `book` (the model with every earlier command of the run folded in). */
function stepCommand(book: Book, run: Run, step: Step): Cmd {
  const fund = (i: number) => run.fundIds[i % run.fundIds.length];
  switch (step.kind) {
    case 'value': {
      let [fundId, date] = [fund(step.fund), step.day === 'next' ? '' : run.days[step.day]];
      if (step.day === 'next') {
        const latest = (f: string) => book.latestDay(f) ?? '';
        const front = run.fundIds.map(latest).sort()[run.fundIds.length - 1];
        const behind = run.fundIds.find((f) => latest(f) < front);
        [fundId, date] = behind ? [behind, front] : [fundId, front < run.days[DAYS - 1] ? addDays(front, 1) : front];
      }
      const before = book.netAssets(fundId, addDays(date, -1));
      // A move of the net assets the day before; from none (or after a NAV of 0 stalled the fund), 850.00 to 1150.00.
      const netAssets = step.absolute !== null ? BigInt(step.absolute) : before <= 0n ? BigInt(step.ratio) * 100n : (before * BigInt(step.ratio)) / 1000n;
      return command(book, run, 'value', `/v1/funds/${fundId}/valuations`, { valuationDate: date, netAssets: fmt2(netAssets) }, fundId);
    }
    case 'contribute': {
      const [memberId, fundId] = [run.memberIds[step.member], fund(step.fund)];
      const transfer = step.transfer ? { kind: 'transfer-in', source: `Scheme ${step.amount % 7}` } : {};
      return command(
        book,
        run,
        'contribute',
        `/v1/members/${memberId}/contributions`,
        { fundId, amount: fmt2(BigInt(step.amount)), effectiveDate: pickDay(book, run, step.day, [fundId]), ...transfer },
        memberId,
        step.transfer ? 'transfer-in' : 'contribute',
      );
    }
    case 'withdraw': {
      // Mostly a member who holds units of some fund of the run.
      const late = run.days[DAYS - 1];
      const holders = run.memberIds.flatMap((m) => run.fundIds.filter((f) => book.units(f, late, undefined, m) > 0n).map((f) => [m, f] as const));
      const [memberId, fundId] = holders.length > 0 && step.units.kind !== 'more' ? holders[(step.member * 4 + step.fund) % holders.length] : [run.memberIds[step.member], fund(step.fund)];
      const date = pickDay(book, run, step.day, [fundId], (d) => book.units(fundId, d, undefined, memberId) > 0n);
      const held = book.units(fundId, date, undefined, memberId);
      const u = step.units;
      let units = u.kind === 'part' ? (held * BigInt(u.permille)) / 1000n : u.kind === 'all' ? held : u.kind === 'floor' ? book.floor(memberId, fundId, date) : held + BigInt(u.extra);
      if (units <= 0n) units = 1n;
      const wkind = WITHDRAWAL_KINDS[step.wkind];
      const nav = book.dealingNav(fundId, date);
      // By amount: what the units are worth at the dealing NAV (at least 0.01), else 1.00.
      const amount = nav === null ? 100n : valueOf(units, nav) > 0n ? valueOf(units, nav) : 1n;
      const body = {
        fundId,
        ...(step.byAmount ? { amount: fmt2(amount) } : { units: fmt6(units) }),
        effectiveDate: date,
        kind: wkind,
        ...(wkind === 'transfer-out' ? { destination: `Scheme ${step.member}` } : {}),
      };
      return command(book, run, 'withdraw', `/v1/members/${memberId}/withdrawals`, body, memberId, `withdraw-${step.byAmount ? 'amount' : 'units'}-${u.kind}`);
    }
    case 'switch': {
      const eur = run.fundIds.slice(0, -1);
      const usd = run.fundIds[run.fundIds.length - 1];
      // Mostly a member who holds units of an EUR fund (on some day of the run) switching out of it.
      const late = run.days[DAYS - 1];
      const holders = run.memberIds.flatMap((m) => eur.filter((f) => book.units(f, late, undefined, m) > 0n).map((f) => [m, eur.indexOf(f)] as const));
      const [memberId, fromIx] = holders.length > 0 && step.units.kind !== 'more' ? holders[(step.member * 4 + step.from) % holders.length] : [run.memberIds[step.member], step.from];
      const other = step.shift === 0 ? 0 : 1 + ((step.shift - 1) % (eur.length - 1));
      const pair = { no: [eur[fromIx % eur.length], eur[(fromIx + other) % eur.length]], 'to-usd': [eur[fromIx % eur.length], usd], 'from-usd': [usd, eur[fromIx % eur.length]] };
      const [from, to] = pair[step.cross];
      const date = pickDay(book, run, step.day, from === to ? [from] : [from, to], (d) => book.units(from, d, undefined, memberId) > 0n);
      const held = book.units(from, date, undefined, memberId);
      const u = step.units;
      let units = u.kind === 'part' ? (held * BigInt(u.permille)) / 1000n : u.kind === 'all' ? held : u.kind === 'floor' ? book.floor(memberId, from, date) : held + BigInt(u.extra);
      if (units <= 0n) units = 1n;
      return command(book, run, 'switch', `/v1/members/${memberId}/switches`, { fromFundId: from, toFundId: to, units: fmt6(units), effectiveDate: date }, memberId, `switch-${u.kind}`);
    }
    case 'fee': {
      const fundId = fund(step.fund);
      const basis = step.annual ? { annualRate: fmt(BigInt(step.rate) * 37n, 10), days: step.annual.days, dayCount: 'ACT/365' } : { rate: fmt6(BigInt(step.rate)) };
      return command(book, run, 'fee', `/v1/funds/${fundId}/fees`, { effectiveDate: pickDay(book, run, step.day, [fundId]), ...basis }, fundId, step.annual ? 'fee-annual' : 'fee');
    }
  }
}

// ---------------------------------------------------------------------------
// Sending a batch and comparing with the prediction

interface Outcome {
  cmd: Cmd;
  status: number;
  body: Record<string, any>;
}

/** The 422 codes of ours this suite meets besides api.md's. */
const OUR_CODES: ReadonlySet<string> = new Set(['amount_out_of_range', 'dealing_date_closed']);

async function sendBatch(api: Api, cmds: Cmd[], fails: string[]): Promise<Outcome[]> {
  if (cmds.length === 0) return [];
  const a = await api.post('/v1/batch', { commands: cmds.map((c) => ({ path: c.path, body: c.body })) }, TOKENS.admin);
  if (a.status !== 200 || !Array.isArray(a.body?.results) || a.body.results.length !== cmds.length) {
    fails.push(`batch of ${cmds.length} -> ${a.status} ${a.text.slice(0, 300)}`);
    return [];
  }
  return cmds.map((cmd, i) => {
    const { status, body } = a.body.results[i] as { status: number; body: Record<string, any> };
    const where = `${cmd.kind} ${cmd.path} ${JSON.stringify(cmd.body)}`;
    if (status >= 500) fails.push(`${where} -> ${status} ${JSON.stringify(body).slice(0, 300)}`);
    else if (status >= 400 && (typeof body?.code !== 'string' || !(API_ERROR_CODES.has(body.code) || OUR_CODES.has(body.code)) || body.status !== status)) fails.push(`${where} -> ${status} without an api.md problem: ${JSON.stringify(body).slice(0, 300)}`);
    else if (status !== 201 && status < 400) fails.push(`${where} -> unexpected ${status}`);
    if ('ok' in cmd.expect) {
      const got = status === 201 ? Object.fromEntries(Object.keys(cmd.expect.ok).map((k) => [k, body[k]])) : { status, code: body?.code, detail: body?.detail };
      if (!isDeepStrictEqual(got, cmd.expect.ok)) fails.push(`${where}: expected 201 ${JSON.stringify(cmd.expect.ok)}, got ${JSON.stringify(got)}`);
      if (status === 201 && (!/^[0-9a-f]{32}$/.test(String(body.commandId)) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(String(body.recordedAt)))) fails.push(`${where}: bad commandId/recordedAt ${JSON.stringify(body)}`);
    } else if (status === 201 || !cmd.expect.refused.includes(body?.code)) {
      fails.push(`${where}: expected one of ${cmd.expect.refused.join('|')}, got ${status} ${JSON.stringify(body).slice(0, 400)}`);
    }
    return { cmd, status, body };
  });
}

// ---------------------------------------------------------------------------
// Checks against the GET endpoints

class Checks {
  readonly fails: string[] = [];
  requests = 0;
  comparisons = 0;

  constructor(private readonly api: Api) {}

  async get(path: string, token = TOKENS.finance): Promise<Answer> {
    this.requests++;
    const a = await this.api.get(path, token);
    if (a.status >= 500) this.fails.push(`GET ${path} -> ${a.status} ${a.text.slice(0, 300)}`);
    return a;
  }

  same(where: string, got: unknown, expected: unknown): void {
    this.comparisons++;
    if (!isDeepStrictEqual(got, expected)) this.fails.push(`${where}: got ${JSON.stringify(got)}, model ${JSON.stringify(expected)}`);
  }
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** GET fund and GET member vs the model, and the members' units vs the fund's, at (asOf, knownAt). */
async function checkFiguresAt(ch: Checks, book: Book, run: Run, asOf: string, k: string | undefined): Promise<void> {
  const q = qs({ asOf, knownAt: k });
  const fundUnits = new Map<string, bigint>();
  const memberUnits = new Map<string, bigint>(run.fundIds.map((f) => [f, 0n]));
  await Promise.all([
    ...run.fundIds.map(async (fundId) => {
      const where = `GET fund ${fundId}${q}`;
      const a = await ch.get(`/v1/funds/${fundId}${q}`, TOKENS['fund-admin']);
      const f = book.funds.get(fundId)!;
      if (!seen(f.at, k)) return ch.same(`${where} (launched after knownAt)`, a.status, 404);
      if (a.status !== 200) return ch.same(where, a.status, 200);
      const { nav, valuationDate } = book.nav(fundId, asOf, k);
      const units = book.units(fundId, asOf, k);
      const b = a.body;
      ch.same(where, { fundId: b.fundId, currency: b.currency, navPerUnit: b.navPerUnit, valuationDate: b.valuationDate, unitsOutstanding: b.unitsOutstanding, netAssets: b.netAssets, asOf: b.asOf }, {
        fundId,
        currency: f.currency,
        navPerUnit: fmt6(nav),
        valuationDate,
        unitsOutstanding: fmt6(units),
        netAssets: fmt2(book.netAssets(fundId, asOf, k)),
        asOf,
      });
      if (micros(b.unitsOutstanding) < 0n) ch.fails.push(`${where}: negative unitsOutstanding ${b.unitsOutstanding}`);
      fundUnits.set(fundId, micros(b.unitsOutstanding));
    }),
    ...run.memberIds.map(async (memberId) => {
      const where = `GET member ${memberId}${q}`;
      const a = await ch.get(`/v1/members/${memberId}${q}`, TOKENS.pensions);
      if (!seen(book.members.get(memberId)!, k)) return ch.same(`${where} (registered after knownAt)`, a.status, 404);
      if (a.status !== 200) return ch.same(where, a.status, 200);
      const expected = run.fundIds
        .filter((f) => seen(book.funds.get(f)!.at, k))
        .sort()
        .map((fundId) => ({ fundId, units: book.units(fundId, asOf, k, memberId) }))
        .filter((h) => h.units !== 0n)
        .map(({ fundId, units }) => {
          const { nav } = book.nav(fundId, asOf, k);
          return { fundId, currency: book.funds.get(fundId)!.currency, units: fmt6(units), navPerUnit: fmt6(nav), value: fmt2(valueOf(units, nav)) };
        });
      const holdings = (a.body.holdings ?? []) as Record<string, string>[];
      ch.same(where, { holdings: holdings.map((h) => ({ fundId: h.fundId, currency: h.currency, units: h.units, navPerUnit: h.navPerUnit, value: h.value })), totalValue: a.body.totalValue }, { holdings: expected, totalValue: fmt2(sumOf(expected.map((h) => cents(h.value)))) });
      for (const h of holdings) {
        if (micros(h.units) <= 0n) ch.fails.push(`${where}: holding of ${h.fundId} is ${h.units}`);
        memberUnits.set(h.fundId, (memberUnits.get(h.fundId) ?? 0n) + micros(h.units));
      }
    }),
  ]);
  for (const [fundId, units] of fundUnits) {
    ch.comparisons++;
    if (memberUnits.get(fundId) !== units) ch.fails.push(`${fundId}${q}: members hold ${fmt6(memberUnits.get(fundId) ?? 0n)} units, the fund has ${fmt6(units)} outstanding`);
  }
}

const monthOf = (date: string): string => date.slice(0, 7);

function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** The fund report for from..to at knownAt: identities on every line, the run's funds = the model, market movement re-derived. */
async function checkReport(ch: Checks, book: Book, run: Run, from: string, to: string, k: string | undefined): Promise<void> {
  const where = `fund report ${from}..${to}${k ? ` @${k}` : ''}`;
  const a = await ch.get(`/v1/reports/funds${qs({ from, to, knownAt: k })}`);
  if (a.status !== 200) return ch.same(where, a.status, 200);
  const knownAt = String(a.body.knownAt);
  const opening = addDays(`${from}-01`, -1);
  const closing = lastDayOf(to);
  for (const l of a.body.funds as Record<string, string>[]) {
    ch.comparisons++;
    if (micros(l.closingUnits) !== micros(l.openingUnits) + micros(l.unitsIssued) - micros(l.unitsCancelled)) ch.fails.push(`${where}: units do not roll forward: ${JSON.stringify(l)}`);
    const beforeMarket = cents(l.openingNetAssets) + cents(l.contributions) + cents(l.transfersIn) + cents(l.switchesIn) - cents(l.switchesOut) - cents(l.fees) - cents(l.withdrawals);
    const byKind = l.withdrawalsByKind as unknown as Record<string, string>;
    if (cents(l.withdrawals) !== cents(byKind.benefit) + cents(byKind.lumpSum) + cents(byKind.transferOut)) ch.fails.push(`${where}: withdrawals are not their kinds' sum: ${JSON.stringify(l)}`);
    if (beforeMarket !== cents(l.netAssets) - cents(l.marketMovement)) ch.fails.push(`${where}: money does not roll forward: ${JSON.stringify(l)}`);
  }
  const lines = new Map((a.body.funds as Record<string, string>[]).map((l) => [l.fundId, l]));
  for (const fundId of run.fundIds) {
    const line = lines.get(fundId);
    const f = book.funds.get(fundId)!;
    if (!seen(f.at, k)) {
      if (line) ch.fails.push(`${where}: ${fundId} reported before its launch was known`);
      continue;
    }
    if (!line) {
      ch.fails.push(`${where}: no line for ${fundId}`);
      continue;
    }
    // marketMovement, independently: each valuation in the range less GET fund net assets the day before.
    let market = 0n;
    for (const [date, v] of f.valuations) {
      if (date <= opening || date > closing || !seen(v.at, k)) continue;
      const before = await ch.get(`/v1/funds/${fundId}${qs({ asOf: addDays(date, -1), knownAt })}`);
      if (before.status !== 200) ch.same(`GET ${fundId} the day before ${date}`, before.status, 200);
      else market += v.netAssets - cents(before.body.netAssets);
    }
    const flows = book.flows(fundId, opening, closing, k);
    const { nav, valuationDate } = book.nav(fundId, closing, k);
    const expected: Record<string, unknown> = {
      fundId,
      currency: f.currency,
      openingUnits: fmt6(book.units(fundId, opening, k)),
      unitsIssued: fmt6(flows.unitsIssued),
      unitsCancelled: fmt6(flows.unitsCancelled),
      closingUnits: fmt6(book.units(fundId, closing, k)),
      navPerUnit: fmt6(nav),
      valuationDate,
      openingNetAssets: fmt2(book.netAssets(fundId, opening, k)),
      contributions: fmt2(flows.contributions),
      transfersIn: fmt2(flows.transfersIn),
      switchesIn: fmt2(flows.switchesIn),
      switchesOut: fmt2(flows.switchesOut),
      fees: fmt2(flows.fees),
      withdrawals: fmt2(flows.withdrawals),
      withdrawalsByKind: { benefit: fmt2(flows.withdrawalsByKind.benefit), lumpSum: fmt2(flows.withdrawalsByKind.lumpSum), transferOut: fmt2(flows.withdrawalsByKind.transferOut) },
      marketMovement: fmt2(market),
      netAssets: fmt2(book.netAssets(fundId, closing, k)),
    };
    ch.same(`${where} ${fundId}`, Object.fromEntries(Object.keys(expected).map((key) => [key, line[key]])), expected);
  }
}

/** The trial balance balances; the run's fund-cash, fees-payable and unit-liability accounts = the model. */
async function checkTrialBalance(ch: Checks, book: Book, run: Run, asOf: string, k: string | undefined): Promise<void> {
  const where = `trial balance ${asOf}${k ? ` @${k}` : ''}`;
  const a = await ch.get(`/v1/reports/trial-balance${qs({ asOf, knownAt: k })}`);
  if (a.status !== 200) return ch.same(where, a.status, 200);
  const net = new Map<string, bigint>();
  const perCurrency = new Map<string, bigint>();
  // Control accounts balance per currency; entity accounts (the subledger) carry the per-fund, per-member figures.
  for (const l of a.body.accounts as { account: string; debit: string; credit: string }[]) {
    const v = cents(l.debit) - cents(l.credit);
    net.set(l.account, v);
    const currency = l.account.split(':')[1];
    perCurrency.set(currency, (perCurrency.get(currency) ?? 0n) + v);
  }
  for (const l of a.body.subledger as { account: string; debit: string; credit: string }[]) net.set(l.account, cents(l.debit) - cents(l.credit));
  ch.comparisons++;
  if (cents(a.body.totals.debit) !== cents(a.body.totals.credit)) ch.fails.push(`${where}: totals ${JSON.stringify(a.body.totals)}`);
  for (const [currency, v] of perCurrency) if (v !== 0n) ch.fails.push(`${where}: ${currency} is off by ${fmt2(v)}`);
  const balance = (account: string) => net.get(account) ?? 0n;
  for (const fundId of run.fundIds) {
    const cur = book.funds.get(fundId)!.currency;
    const got: Record<string, string> = { cash: fmt2(balance(`fund-cash:${cur}:fund/${fundId}`)), feesPayable: fmt2(-balance(`fees-payable:${cur}:fund/${fundId}`)) };
    // Fund assets less fees payable = the net assets valid on asOf (valuations post their gains).
    const want: Record<string, string> = { cash: fmt2(book.netAssets(fundId, asOf, k) - book.money(fundId, asOf, k, 'fees')), feesPayable: fmt2(-book.money(fundId, asOf, k, 'fees')) };
    let liabilities = 0n;
    for (const memberId of run.memberIds) {
      liabilities += -balance(`unit-liability:${cur}:fund/${fundId}/member/${memberId}`);
      got[memberId] = fmt2(-balance(`unit-liability:${cur}:fund/${fundId}/member/${memberId}`));
      want[memberId] = fmt2(book.money(fundId, asOf, k, 'all', memberId));
    }
    got.liabilities = fmt2(liabilities);
    want.liabilities = fmt2(book.money(fundId, asOf, k, 'all'));
    ch.same(`${where} ${fundId} (cash - fees payable = net assets; members' liabilities = contributions + transfers in + switches in - out - withdrawals - fees)`, got, want);
  }
}

/** GET statement over [from, to] (knownAt now) vs the model: per fund every figure and movement; closing units = opening + the movements'. */
async function checkStatement(ch: Checks, book: Book, run: Run, memberId: string, from: string, to: string): Promise<void> {
  const where = `statement ${memberId} ${from}..${to}`;
  const a = await ch.get(`/v1/members/${memberId}/statement${qs({ from, to })}`, TOKENS.pensions);
  if (a.status !== 200) return ch.same(where, a.status, 200);
  const opening = addDays(from, -1);
  const expected = [];
  for (const fundId of [...run.fundIds].sort()) {
    const moves = book.movesOf(fundId, undefined, memberId).filter((m) => m.date <= to);
    const openingUnits = sumOf(moves.filter((m) => m.date <= opening).map((m) => m.units));
    const inRange = moves.filter((m) => m.date > opening);
    if (moves.length === 0 || (openingUnits === 0n && inRange.length === 0)) continue;
    // By date, then record order (the model holds moves in record order).
    const ordered = inRange.map((m, i) => ({ m, i })).sort((x, y) => (x.m.date < y.m.date ? -1 : x.m.date > y.m.date ? 1 : x.i - y.i)).map((x) => x.m);
    /** The statement's figures are positive: the moves' money, unsigned. */
    const sum = (pred: (m: Move) => boolean) => sumOf(ordered.filter(pred).map((m) => (m.money < 0n ? -m.money : m.money)));
    const closingUnits = openingUnits + sumOf(ordered.map((m) => m.units));
    const [openNav, closeNav] = [book.nav(fundId, opening).nav, book.nav(fundId, to).nav];
    const w = { benefit: sum((m) => m.wkind === 'benefit'), lumpSum: sum((m) => m.wkind === 'lump-sum'), transferOut: sum((m) => m.wkind === 'transfer-out') };
    const total = w.benefit + w.lumpSum + w.transferOut;
    const [contributions, transfersIn, switchesIn, switchesOut, fees] = (['contribution', 'transfer-in', 'switch-in', 'switch-out', 'fee'] as const).map((c) => sum((m) => m.cause === c));
    const [openingValue, closingValue] = [valueOf(openingUnits, openNav), valueOf(closingUnits, closeNav)];
    expected.push({
      fundId,
      openingUnits: fmt6(openingUnits),
      openingValue: fmt2(openingValue),
      contributions: fmt2(contributions),
      transfersIn: fmt2(transfersIn),
      switchesIn: fmt2(switchesIn),
      switchesOut: fmt2(switchesOut),
      fees: fmt2(fees),
      withdrawals: { benefit: fmt2(w.benefit), lumpSum: fmt2(w.lumpSum), transferOut: fmt2(w.transferOut), total: fmt2(total) },
      investmentReturn: fmt2(closingValue - openingValue - contributions - transfersIn - switchesIn + switchesOut + fees + total),
      closingUnits: fmt6(closingUnits),
      closingValue: fmt2(closingValue),
      movements: ordered.map((m) => [m.date, m.cause, m.wkind ?? null, fmt6(m.units), fmt6(m.nav), fmt2(m.money)]),
    });
  }
  const got = (a.body.funds as Record<string, any>[]).map((f) => ({
    fundId: f.fundId,
    openingUnits: f.openingUnits,
    openingValue: f.openingValue,
    contributions: f.contributions,
    transfersIn: f.transfersIn,
    switchesIn: f.switchesIn,
    switchesOut: f.switchesOut,
    fees: f.fees,
    withdrawals: f.withdrawals,
    investmentReturn: f.investmentReturn,
    closingUnits: f.closingUnits,
    closingValue: f.closingValue,
    movements: (f.movements as Record<string, string>[]).map((m) => [m.effectiveDate, m.type, m.kind ?? null, m.units, m.navPerUnit, m.amount]),
  }));
  ch.same(where, got, expected);
  for (const f of a.body.funds as Record<string, any>[]) {
    ch.comparisons++;
    const moved = sumOf((f.movements as Record<string, string>[]).map((m) => micros(m.units)));
    if (micros(f.closingUnits) !== micros(f.openingUnits) + moved) ch.fails.push(`${where} ${f.fundId}: closing units are not opening + movements`);
  }
}

async function checkRun(api: Api, book: Book, run: Run, stamps: string[], rng: Rng): Promise<Checks> {
  const ch = new Checks(api);
  const sorted = [...stamps].sort();
  // now, the first instant of the run (one fund known), and two at random.
  const instants = [undefined, sorted[0], sorted[rng.int(0, sorted.length - 1)], sorted[rng.int(0, sorted.length - 1)]];
  const dates = [addDays(run.days[0], -1), ...run.days, addDays(run.days[0], 45)];
  const pairs = instants.flatMap((k) => dates.map((asOf) => ({ asOf, k })));
  await inParallel(pairs, 4, ({ asOf, k }) => checkFiguresAt(ch, book, run, asOf, k));

  const months = [...new Set(run.days.map(monthOf))];
  const ranges = months.length > 1 ? [[months[0], months[months.length - 1]], ...months.map((m) => [m, m])] : [[months[0], months[0]]];
  for (const [from, to] of ranges) for (const k of [undefined, instants[2]]) await checkReport(ch, book, run, from, to, k);

  for (const memberId of run.memberIds) await checkStatement(ch, book, run, memberId, run.days[rng.int(0, DAYS - 1)], run.days[DAYS - 1]);

  await checkTrialBalance(ch, book, run, dates[dates.length - 1], undefined);
  await checkTrialBalance(ch, book, run, run.days[rng.int(0, DAYS - 1)], instants[3]);
  return ch;
}

// ---------------------------------------------------------------------------

describe('pension properties through the API (fast-check)', () => {
  let root: string;
  let server: InProcessServer;

  beforeAll(async () => {
    root = tempDir('pensions-property-');
    server = await startInProcess({ dataDir: path.join(root, 'data'), tokensFile: writeTokensFile(root) });
  });

  afterAll(async () => {
    await server?.close();
    removeDir(root);
  });

  test(`${RUNS} random dealing sequences: holdings add up to the fund, none negative, money rolls forward, net assets and accounts = the responses`, async () => {
    const started = Date.now();
    let runId = 0;
    const totals = { commands: 0, accepted: 0, requests: 0, comparisons: 0 };
    const outcomes = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(scriptArb, async (script) => {
        const id = ++runId;
        const first = addDays('2025-01-01', script.start);
        const run: Run = {
          id,
          days: Array.from({ length: DAYS }, (_, i) => addDays(first, i)),
          fundIds: Array.from({ length: script.eurFunds + 1 }, (_, i) => `R${id}-F${i + 1}`),
          memberIds: Array.from({ length: MEMBERS }, (_, i) => `R${id}-M${i + 1}`),
          ids: new CommandIds((SEED ^ 0x2b0d1e5) + id),
        };
        const book = new Book();
        const fails: string[] = [];
        const stamps: string[] = [];

        // Setup, then the steps, each batch predicted against the model of everything before it.
        const setup = new Book();
        const cmds: Cmd[] = [];
        const fold = (b: Book, c: Cmd) => {
          if ('ok' in c.expect) b.apply(c.kind, { ...c.expect.ok, recordedAt: '' });
        };
        run.fundIds.forEach((fundId, i) => {
          const currency = i === script.eurFunds ? 'USD' : 'EUR';
          cmds.push(command(setup, run, 'launch', '/v1/funds', { fundId, currency, launchNavPerUnit: fmt6(BigInt(script.launchNavs[i])) }));
          fold(setup, cmds[cmds.length - 1]);
          for (const day of script.initialValuations[i]) {
            cmds.push(command(setup, run, 'value', `/v1/funds/${fundId}/valuations`, { valuationDate: run.days[day], netAssets: '0.00' }, fundId));
            fold(setup, cmds[cmds.length - 1]);
          }
        });
        for (const memberId of run.memberIds) cmds.push(command(setup, run, 'register', '/v1/members', { memberId, name: `Member ${memberId}` }));
        const cuts = [...new Set(script.cuts.map((c) => Math.floor((c * script.steps.length) / 1000)))].sort((x, y) => x - y);
        const batches = [0, ...cuts, script.steps.length].slice(1).map((end, i, ends) => script.steps.slice(i === 0 ? 0 : ends[i - 1], end));

        const trace: string[] = [];
        const record = (outs: Outcome[]) => {
          for (const o of outs) {
            trace.push(`${o.cmd.label} ${o.cmd.path} ${JSON.stringify({ ...o.cmd.body, commandId: undefined })} -> ${o.status} ${o.status === 201 ? JSON.stringify({ ...o.body, commandId: undefined, recordedAt: undefined }) : o.body?.code}`);
            totals.commands++;
            const key = `${o.cmd.label}:${o.status}${o.status >= 400 ? `:${o.body?.code}` : ''}`;
            outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
            if (o.status !== 201) continue;
            totals.accepted++;
            stamps.push(String(o.body.recordedAt));
            book.apply(o.cmd.kind, o.body);
          }
        };
        record(await sendBatch(server.api, cmds, fails));
        for (const steps of batches) {
          const predicted = book.clone();
          const batch: Cmd[] = [];
          for (const step of steps) {
            const c = stepCommand(predicted, run, step);
            fold(predicted, c);
            batch.push(c);
          }
          record(await sendBatch(server.api, batch, fails));
        }

        const ch = await checkRun(server.api, book, run, stamps, new Rng(SEED + id));
        totals.requests += ch.requests;
        totals.comparisons += ch.comparisons;
        const problems = [...fails, ...ch.fails];
        if (problems.length > 0) {
          const commands = process.env.PENSIONS_PROPERTY_TRACE ? `\n commands:\n  ${trace.join('\n  ')}` : '';
          throw new Error(`run ${id} (first day ${first}): ${problems.length} failure(s):\n  ${problems.slice(0, 8).map((p) => p.slice(0, 900)).join('\n  ')}${commands}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, path: process.env.PENSIONS_PROPERTY_PATH, endOnFailure: !!process.env.PENSIONS_PROPERTY_PATH, interruptAfterTimeLimit: 50_000 + RUNS * 2_000, markInterruptAsFailure: true },
    );

    console.log(
      `pensions.property (seed ${SEED}): ${runId} runs, ${totals.commands} commands (${totals.accepted} accepted), ${totals.requests} queries, ${totals.comparisons} comparisons, ${Date.now() - started} ms\n  ` +
        [...outcomes.entries()].sort().map(([k, n]) => `${k}=${n}`).join(' '),
    );
    // Mostly real dealings, and every kind of refusal the generator aims at happened.
    expect(totals.accepted / totals.commands).toBeGreaterThan(0.5);
    for (const code of ['nav_not_published', 'dealing_date_closed', 'insufficient_units', 'currency_mismatch']) expect({ code, seen: [...outcomes.keys()].some((k) => k.endsWith(`:${code}`)) }).toEqual({ code, seen: true });
    // Plenty of accepted dealings of each kind (a few per run at least).
    const accepted = (label: string) => [...outcomes].filter(([k]) => k.startsWith(`${label}`) && k.endsWith(':201')).reduce((n, [, c]) => n + c, 0);
    for (const label of ['contribute', 'switch', 'fee', 'withdraw']) expect({ label, plenty: accepted(label) >= 2 * runId }).toEqual({ label, plenty: true });
    for (const label of ['transfer-in', 'fee-annual', 'withdraw-units', 'withdraw-amount']) expect({ label, some: accepted(label) >= runId / 2 }).toEqual({ label, some: true });
  });
});
