/**
 * The API benchmark's workload: the book seeded before any timed case (policies,
 * claims with large reserves, funds with a NAV, members), and the command and
 * query bodies the cases send. Every command carries a fresh commandId.
 */

export const TERM = { start: '2026-01-01', end: '2027-01-01' };
/** Every contribution deals on this date, the date of the NAV struck in setup. */
export const NAV_DATE = '2026-03-31';

export interface BookSize {
  policies: number;
  /** Claims open on policies 0..claims-1, each with a reserve no payment run can exhaust. */
  claims: number;
  funds: number;
  members: number;
}

export const DEFAULT_BOOK: BookSize = { policies: 20_000, claims: 10_000, funds: 64, members: 20_000 };
export const QUICK_BOOK: BookSize = { policies: 2_000, claims: 1_000, funds: 16, members: 2_000 };

/** A command as /v1/batch carries it, and as it is POSTed alone. */
export interface CommandItem {
  path: string;
  body: Record<string, unknown>;
}

export const policyId = (i: number): string => `P-${i}`;
export const claimId = (i: number): string => `C-${i}`;
export const fundId = (i: number): string => `F-${i}`;
export const memberId = (i: number): string => `M-${i}`;

/** 32 lowercase hex digits: a per-run prefix and a counter, never repeated within a run. */
export class CommandIds {
  private n = 0;
  private readonly prefix: string;

  constructor(seed: number) {
    this.prefix = (0x10000000 + ((seed >>> 0) % 0xe0000000)).toString(16).padStart(8, '0');
  }

  next(): string {
    this.n++;
    return this.prefix + this.n.toString(16).padStart(24, '0');
  }
}

/** mulberry32: seeded, so two runs send the same mix. */
export class Rng {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** A day of 2026 within [fromMonth, toMonth] (days 1-28, so every month has it). */
function day2026(rng: Rng, fromMonth: number, toMonth: number): string {
  return `2026-${pad2(fromMonth + rng.int(toMonth - fromMonth + 1))}-${pad2(1 + rng.int(28))}`;
}

export type MixKind = 'bind' | 'endorse' | 'pay_claim' | 'contribute';
export const MIX: readonly MixKind[] = ['bind', 'endorse', 'pay_claim', 'contribute'];

/**
 * Generates the commands of the timed cases. `slot`/`slots` confine a stream to
 * every slots-th existing entity (batches of different connections then lock
 * disjoint entities, as imports from different sources would).
 */
export class Workload {
  private readonly ids: CommandIds;
  private readonly rng: Rng;
  private bound = 0;

  constructor(
    readonly book: BookSize,
    readonly runTag: string,
    seed: number,
  ) {
    this.ids = new CommandIds(seed);
    this.rng = new Rng(seed ^ 0x9e3779b9);
  }

  private pick(n: number, slot: number, slots: number): number {
    const per = Math.floor(n / slots);
    return slot + slots * this.rng.int(Math.max(1, per));
  }

  command(kind: MixKind, slot = 0, slots = 1): CommandItem {
    const commandId = this.ids.next();
    switch (kind) {
      case 'bind':
        return {
          path: '/v1/policies',
          body: {
            commandId,
            policyId: `N-${this.runTag}-${++this.bound}`,
            currency: 'EUR',
            holder: { name: 'Bench Holder' },
            term: TERM,
            premium: `${1000 + this.rng.int(4000)}.00`,
          },
        };
      case 'endorse':
        return {
          path: `/v1/policies/${policyId(this.pick(this.book.policies, slot, slots))}/endorsements`,
          body: { commandId, effectiveDate: day2026(this.rng, 2, 12), annualPremiumChange: `${1 + this.rng.int(50)}.00` },
        };
      case 'pay_claim':
        return {
          path: `/v1/claims/${claimId(this.pick(this.book.claims, slot, slots))}/payments`,
          body: { commandId, effectiveDate: day2026(this.rng, 3, 12), amount: `${1 + this.rng.int(20)}.${pad2(this.rng.int(100))}` },
        };
      case 'contribute':
        return {
          path: `/v1/members/${memberId(this.pick(this.book.members, slot, slots))}/contributions`,
          body: { commandId, fundId: fundId(this.pick(this.book.funds, slot, slots)), amount: `${10 + this.rng.int(500)}.00`, effectiveDate: NAV_DATE },
        };
    }
  }

  /** One command of the realistic mix (equal shares of binds, endorsements, claim payments, contributions). */
  mixed(slot = 0, slots = 1): CommandItem {
    return this.command(MIX[this.rng.int(MIX.length)], slot, slots);
  }

  batch(size: number, slot: number, slots: number): CommandItem[] {
    const items = new Array<CommandItem>(size);
    for (let i = 0; i < size; i++) items[i] = this.mixed(slot, slots);
    return items;
  }

  /** GET of an existing policy as of a day of 2026, as known at one of `knownAts`. */
  policyQuery(knownAts: readonly string[]): string {
    const id = policyId(this.rng.int(this.book.policies));
    const knownAt = knownAts[this.rng.int(knownAts.length)];
    return `/v1/policies/${id}?asOf=${day2026(this.rng, 1, 12)}&knownAt=${knownAt}`;
  }

  // -------------------------------------------------------------------------
  // Setup (untimed): the book the timed cases act on.

  setupPolicies(): CommandItem[] {
    return Array.from({ length: this.book.policies }, (_, i) => ({
      path: '/v1/policies',
      body: { commandId: this.ids.next(), policyId: policyId(i), currency: 'EUR', holder: { name: `Holder ${i}` }, term: TERM, premium: '1200.00' },
    }));
  }

  /** One endorsement per policy, so as-of queries fold layers recorded at different instants. */
  setupEndorsements(): CommandItem[] {
    return Array.from({ length: this.book.policies }, (_, i) => ({
      path: `/v1/policies/${policyId(i)}/endorsements`,
      body: { commandId: this.ids.next(), effectiveDate: '2026-07-01', annualPremiumChange: '240.00' },
    }));
  }

  setupClaims(): CommandItem[] {
    return Array.from({ length: this.book.claims }, (_, i) => ({
      path: '/v1/claims',
      body: {
        commandId: this.ids.next(),
        claimId: claimId(i),
        policyId: policyId(i),
        lossDate: '2026-02-01',
        reportedDate: '2026-02-02',
        initialReserve: '1000000000.00',
      },
    }));
  }

  setupFunds(): CommandItem[] {
    const out: CommandItem[] = [];
    for (let i = 0; i < this.book.funds; i++) {
      out.push({ path: '/v1/funds', body: { commandId: this.ids.next(), fundId: fundId(i), currency: 'EUR', launchNavPerUnit: '1.000000' } });
    }
    for (let i = 0; i < this.book.funds; i++) {
      out.push({ path: `/v1/funds/${fundId(i)}/valuations`, body: { commandId: this.ids.next(), valuationDate: NAV_DATE, netAssets: '0.00' } });
    }
    return out;
  }

  setupMembers(): CommandItem[] {
    return Array.from({ length: this.book.members }, (_, i) => ({
      path: '/v1/members',
      body: { commandId: this.ids.next(), memberId: memberId(i), name: `Member ${i}` },
    }));
  }
}
