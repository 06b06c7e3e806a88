// What the OpenAPI document says about each route beyond what the code
// declares. The routes themselves (method, path, access) are read from the
// mounted controllers; a command's body schema, summary and example from its
// CommandRoute (COMMAND_ROUTES); everything else from the tables below,
// keyed by "METHOD /path" as the controller declares it. A mounted route
// missing here is still documented, marked `x-undocumented` (a test fails on it).
import type { z } from 'zod';

import { SignInBodySchema } from '../session/sign-in/sign-in.controller';
import { QUERY_AREAS } from '../auth/roles';
import { AUDIT_KINDS } from '../audit/get-audit-trail/get-audit-trail.query';
import { ReplayAuditBodySchema } from '../audit/replay-audit/replay-audit.command';
import { AUDITS_KEPT, AUDIT_ID_PATTERN } from '../audit/replay-audit/replay-audits';
import { BatchBodySchema, MAX_BATCH_COMMANDS } from '../batch/run-batch/run-batch.command';
import { CLAIM_COMMAND_ROUTES } from '../claims/routes';
import { FUND_COMMAND_ROUTES } from '../funds/routes';
import type { Access } from '../auth/roles';
import { AS_OF_QUERY, PAGE_QUERY, PERIOD_RANGE_QUERY, REPORT_QUERY, STATEMENT_QUERY, TRIAL_BALANCE_QUERY, type QuerySpec } from '../http/validation';
import type { CommandRoute } from '../ledger/command-route';
import { MEMBER_COMMAND_ROUTES } from '../members/routes';
import { ClosePeriodRoute } from '../periods/close-period/close-period.command';
import { METRICS_ACCESS } from '../ops/metrics.controller';
import { POLICY_COMMAND_ROUTES } from '../policies/routes';
import { ReverseCommandRoute } from '../reversals/reverse-command/reverse-command.command';
import { OUT, PATTERNS, arrayOf, object, type JsonSchema } from './json-schema';

/** Every command route of the API: the route tables of each area and the period close. */
export function commandRoutes(): readonly CommandRoute<unknown>[] {
  return [...POLICY_COMMAND_ROUTES, ...CLAIM_COMMAND_ROUTES, ...FUND_COMMAND_ROUTES, ...MEMBER_COMMAND_ROUTES, new ClosePeriodRoute() as CommandRoute<unknown>, new ReverseCommandRoute(() => undefined) as CommandRoute<unknown>];
}

export const TAGS = [
  { name: 'policies', description: 'Non-life policies: bind, endorse, cancel, premium payments (role underwriter).' },
  { name: 'claims', description: 'Claims: open, reserve, pay, recover, close, reopen (role claims).' },
  { name: 'funds', description: 'Pension funds: launch, NAV valuations, fees by unit cancellation (role fund-admin).' },
  { name: 'members', description: 'Pension scheme members: register, contributions and transfers in, switches, withdrawals, statements (role pensions).' },
  { name: 'reversals', description: 'Reversals of payments, refunds, claim payments and recoveries, contributions and withdrawals (role of the original command).' },
  { name: 'periods', description: 'Accounting months: close, status (role finance).' },
  { name: 'reports', description: 'Premium, claims and fund reports; the trial balance (role finance).' },
  { name: 'audit', description: 'Audit trail and replay audit (role auditor).' },
  { name: 'batch', description: 'Many commands in one request, each checked as if sent alone.' },
  { name: 'operations', description: 'Health and metrics for operators.' },
  { name: 'docs', description: 'This document and its UI.' },
  { name: 'console', description: 'The web console: its page and files, and its sessions (a bearer token exchanged for a session cookie).' },
] as const;
export type Tag = (typeof TAGS)[number]['name'];

/** The tag of a path: its area. */
export function tagOf(path: string): Tag {
  const [first, second] = path.split('/').filter(Boolean);
  const area = first === 'v1' ? second : first;
  switch (area) {
    case 'policies':
    case 'claims':
    case 'funds':
    case 'members':
    case 'periods':
    case 'reports':
    case 'audit':
    case 'batch':
    case 'docs':
    case 'reversals':
      return area;
    case 'audits':
      return 'audit';
    case 'session':
    case 'console':
      return 'console';
    default:
      return 'operations';
  }
}

// ---------------------------------------------------------------------------
// Parameters

export interface ParamDoc {
  description: string;
  schema: JsonSchema;
  /** A value that is valid (and names the entity the examples create). */
  example: string;
}

const entityId = (what: string, example: string): ParamDoc => ({ description: `The ${what}'s id.`, schema: { type: 'string', pattern: PATTERNS.entityId }, example });

/** Path parameters, by the name the controllers give them. */
export const PATH_PARAMS: Readonly<Record<string, ParamDoc>> = {
  policyId: entityId('policy', 'P-1'),
  claimId: entityId('claim', 'C-1'),
  fundId: entityId('fund', 'F-1'),
  memberId: entityId('member', 'M-1'),
  id: entityId('entity', 'P-1'),
  kind: { description: 'The kind of entity.', schema: { type: 'string', enum: [...AUDIT_KINDS] }, example: 'policy' },
  date: { description: 'A valuation date, YYYY-MM-DD.', schema: { type: 'string', pattern: PATTERNS.date }, example: '2026-03-31' },
  period: { description: 'A calendar month, YYYY-MM.', schema: { type: 'string', pattern: PATTERNS.period }, example: '2026-03' },
  file: { description: 'A file of the docs UI.', schema: { type: 'string' }, example: 'swagger-ui.css' },
  consoleFile: { description: 'A file of the console.', schema: { type: 'string', enum: ['index.html', 'app.js', 'app.css'] }, example: 'app.css' },
  commandId: {
    description: "The commandId of an accepted command (a fee's), as a UUID or 32 hex digits.",
    schema: { type: 'string', pattern: PATTERNS.commandId },
    example: '5162738495a6b7c8d9eaf10c1d2e3f40',
  },
  auditId: {
    description: 'A replay audit, as POST /v1/audits/replay answered it: 32 lowercase hex digits (128 random bits).',
    schema: { type: 'string', pattern: AUDIT_ID_PATTERN },
    example: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  },
};

/**
 * Query parameters, by name, as http/validation.ts's parsers take them. An
 * operation lists its parameters as the very QuerySpec its controller parses
 * with; whether one is required is asked of its parser (undefined in: a
 * ParamError out means required).
 */
export const QUERY_PARAMS: Readonly<Record<string, ParamDoc>> = {
  asOf: {
    description: 'Valid time: the state as it was valid on this date. Default: today (UTC).',
    schema: { type: 'string', format: 'date', pattern: PATTERNS.date },
    example: '2026-12-31',
  },
  knownAt: {
    description: 'System time: the state as the ledger knew it at this instant (ISO-8601 UTC, up to 9 fraction digits). Default: now.',
    schema: { type: 'string', pattern: PATTERNS.instant },
    example: '2030-01-01T00:00:00Z',
  },
  from: { description: 'First month of the report, YYYY-MM.', schema: { type: 'string', pattern: PATTERNS.period }, example: '2026-01' },
  to: { description: 'Last month of the report, YYYY-MM (not before from).', schema: { type: 'string', pattern: PATTERNS.period }, example: '2026-12' },
  basis: {
    description: "booked: a closed month's figures as known when it was closed (late changes land in the first open month); restated: by valid time, as known at knownAt.",
    schema: { type: 'string', enum: ['booked', 'restated'], default: 'booked' },
    example: 'restated',
  },
  limit: {
    description: 'Lines per page (1-10000, default 1000). Totals always cover every line.',
    schema: { type: 'string', pattern: '^[0-9]{1,5}$', default: '1000' },
    example: '1000',
  },
  cursor: {
    description: 'The nextCursor of the previous page (absent: the first page). With Accept: text/csv, every line from there on is streamed.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
    example: 'UC0xMDAw',
  },
};

// ---------------------------------------------------------------------------
// Operations

const SESSION_VIEW = object(
  {
    signedIn: { type: 'boolean', const: true },
    actor: { type: 'string', description: 'The actor of the token signed in with.' },
    roles: arrayOf({ type: 'string' }, 'Its roles, sorted.'),
    csrfToken: { type: 'string', description: 'Send as X-CSRF-Token on every request that changes something (absent when the caller used a bearer token).' },
    expiresAt: { type: 'string', format: 'date-time', description: 'When the session ends at the latest (it also ends after 30 minutes without a request).' },
    can: object({
      read: arrayOf({ type: 'string', enum: [...QUERY_AREAS] }, 'The query areas its roles read.'),
      closePeriods: { type: 'boolean' },
      replayAudits: { type: 'boolean' },
    }),
  },
  ['csrfToken', 'expiresAt'],
);

export interface SuccessDoc {
  status: number;
  description: string;
  schema?: JsonSchema;
  /** Default application/json. */
  contentType?: string;
  /** Response headers, by name: their OpenAPI header objects. */
  headers?: Record<string, JsonSchema>;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  /** The query string: the QuerySpec of http/validation.ts the controller parses with (unknown parameters are a 400). */
  query?: QuerySpec;
  /** This operation's own words for a query parameter whose name QUERY_PARAMS describes otherwise (a statement's from is a date, a report's a month). */
  queryParams?: Readonly<Record<string, ParamDoc>>;
  /** The request body: the zod schema the controller parses with (commands: from their CommandRoute instead). */
  body?: z.ZodType;
  bodyRequired?: boolean;
  example?: unknown;
  ok: SuccessDoc;
  /** Error statuses besides 401/403, which follow from the route's access. */
  errors: number[];
  /** Who may call it, where the controller checks that itself (a route declared @Public that is not). */
  access?: Access;
}

/** Extra for a command (its body, summary and example come from its CommandRoute): the 201 answer's result fields. */
export interface CommandResultDoc {
  result: Record<string, JsonSchema>;
  optional?: string[];
  /** 409 besides exists_with_different_fields (period close). */
  description?: string;
}

/** Errors of every command: bad input, unknown entity, idempotency conflict, domain rule, log down. */
export const COMMAND_ERRORS = [400, 404, 409, 422, 503];

const claimFigures = {
  status: { type: 'string', enum: ['open', 'closed'] },
  reserve: OUT.money,
  paid: OUT.money,
  recoveries: { ...OUT.money, description: 'Recoveries (subrogation, salvage) received.' },
  incurred: { ...OUT.money, description: 'paid + reserve - recoveries' },
};

/** A fee's rate as charged: rate, or annualRate with days and dayCount (each present or absent as the fee was given). */
const feeBasis = {
  rate: { ...OUT.units, description: 'The rate per charge, when the fee was given one.' },
  annualRate: { type: 'string', pattern: '^0\\.[0-9]{10}$', description: 'The annual rate (10 fraction digits), when the fee was given one.' },
  days: { type: 'integer', minimum: 1, maximum: 366 },
  dayCount: { type: 'string', const: 'ACT/365' },
};

/** One holding's share of a fee. */
const feeHolding = object({ memberId: OUT.entityId, units: OUT.units, value: OUT.money, fee: OUT.money, unitsCancelled: OUT.units });

/** Result fields of each command's 201 answer (beyond commandId and recordedAt), keyed like the routes. */

export const COMMAND_RESULTS: Readonly<Record<string, CommandResultDoc>> = {
  'POST /v1/policies': {
    result: {
      policyId: OUT.entityId,
      status: { type: 'string', const: 'active' },
      currency: OUT.currency,
      term: object({ start: OUT.date, end: OUT.date }),
      premium: OUT.money,
      writtenPremium: OUT.money,
    },
  },
  'POST /v1/policies/:policyId/endorsements': {
    result: {
      policyId: OUT.entityId,
      effectiveDate: OUT.date,
      annualPremiumChange: OUT.money,
      fullTermPremium: OUT.money,
      writtenPremium: OUT.money,
      writtenPremiumChange: OUT.money,
      totalWrittenPremium: OUT.money,
    },
  },
  'POST /v1/policies/:policyId/cancellation': {
    result: {
      policyId: OUT.entityId,
      status: { type: 'string', const: 'cancelled' },
      effectiveDate: OUT.date,
      method: { type: 'string', enum: ['pro-rata', 'short-rate'] },
      shortRateFactor: OUT.units,
      returnPremium: OUT.money,
      writtenPremium: OUT.money,
      earnedPremium: OUT.money,
    },
    optional: ['shortRateFactor'],
  },
  'POST /v1/policies/:policyId/payments': { result: { policyId: OUT.entityId, amount: OUT.money, receivedDate: OUT.date, totalReceived: OUT.money } },
  'POST /v1/policies/:policyId/refunds': {
    result: { policyId: OUT.entityId, amount: OUT.money, paidDate: OUT.date, totalRefunded: OUT.money, balance: { ...OUT.money, description: 'The premium balance after the refund (0.00 when the whole credit was paid back).' } },
  },
  'POST /v1/reversals': {
    result: {
      reversesCommandId: OUT.commandId,
      reversed: { type: 'string', description: 'The type of the event reversed (PremiumPaymentReceived, PremiumRefundPaid, ClaimPaid, ...).' },
      effectiveDate: { ...OUT.date, description: "The original's effective date: the reversal's valid time." },
      amount: OUT.money,
      policyId: OUT.entityId,
      balance: { ...OUT.money, description: 'A premium payment or refund reversed: the premium balance after it.' },
      claimId: OUT.entityId,
      ...claimFigures,
      memberId: OUT.entityId,
      fundId: OUT.entityId,
      currency: OUT.currency,
      units: { ...OUT.units, description: 'A contribution reversed: the units it issued, cancelled.' },
      navPerUnit: { ...OUT.units, description: "A contribution reversed: its own NAV, the reversal's." },
    },
    optional: ['policyId', 'balance', 'claimId', 'status', 'reserve', 'paid', 'recoveries', 'incurred', 'memberId', 'fundId', 'currency', 'units', 'navPerUnit'],
    description: 'Besides these, the figures of the entity reversed, as the original command answered them.',
  },
  'POST /v1/claims': {
    result: { claimId: OUT.entityId, policyId: OUT.entityId, currency: OUT.currency, lossDate: OUT.date, reportedDate: OUT.date, initialReserve: OUT.money, ...claimFigures },
  },
  'POST /v1/claims/:claimId/reserve': { result: { claimId: OUT.entityId, effectiveDate: OUT.date, change: OUT.money, ...claimFigures } },
  'POST /v1/claims/:claimId/payments': { result: { claimId: OUT.entityId, effectiveDate: OUT.date, amount: OUT.money, ...claimFigures } },
  'POST /v1/claims/:claimId/close': { result: { claimId: OUT.entityId, effectiveDate: OUT.date, release: OUT.money, ...claimFigures } },
  'POST /v1/claims/:claimId/recoveries': {
    result: { claimId: OUT.entityId, effectiveDate: OUT.date, amount: OUT.money, kind: { type: 'string', enum: ['subrogation', 'salvage'] }, ...claimFigures },
  },
  'POST /v1/claims/:claimId/reopen': { result: { claimId: OUT.entityId, effectiveDate: OUT.date, ...claimFigures } },
  'POST /v1/funds': { result: { fundId: OUT.entityId, currency: OUT.currency, launchNavPerUnit: OUT.units } },
  'POST /v1/funds/:fundId/valuations': {
    result: {
      fundId: OUT.entityId,
      valuationDate: OUT.date,
      netAssets: OUT.money,
      unitsOutstanding: OUT.units,
      navPerUnit: OUT.units,
      gain: { ...OUT.money, description: 'Posted fund assets Dr / investment gains Cr (negative: a loss): the struck net assets less fund assets less fees payable before it.' },
      revaluation: { ...OUT.money, description: 'Posted member allocation Dr / unit liability revaluation Cr: the holdings at the NAV (each rounded) less the unit liability before it.' },
      rounding: { ...OUT.money, description: 'Posted member allocation Dr / unit rounding Cr: gain less revaluation.' },
      handBackDate: { ...OUT.date, description: 'A valuation back-dated before a later one: the later date, on which these postings are reversed.' },
    },
    optional: ['handBackDate'],
  },
  'POST /v1/funds/:fundId/valuations/:date/corrections': {
    result: {
      fundId: OUT.entityId,
      valuationDate: OUT.date,
      previousNavPerUnit: OUT.units,
      navPerUnit: OUT.units,
      previousNetAssets: OUT.money,
      netAssets: OUT.money,
      errorRatio: { ...OUT.units, description: '|new NAV - old NAV| / new NAV, rounded to 6 places.' },
      material: { type: 'boolean', description: 'errorRatio at least 0.003 (the APRA/ASIC unit-pricing threshold).' },
      gain: { ...OUT.money, description: "The correction of the valuation's gain posting (signed)." },
      revaluation: { ...OUT.money, description: "The correction of the valuation's unit liability revaluation (signed)." },
      rounding: { ...OUT.money, description: "The correction of the valuation's rounding posting (signed)." },
      holdings: arrayOf(
        object({ memberId: OUT.entityId, correctionUnits: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{6}$' }, value: OUT.money, owed: { ...OUT.money, description: 'Cash owed to the member (negative: by the member) for deals paid out at the wrong NAV.' } }),
        'Per member re-priced, by memberId: its correction units (signed), their value at the new NAV and the cash owed; the first 1000.',
      ),
      holders: { type: 'integer', description: 'Members re-priced.' },
      totalCorrectionUnits: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{6}$' },
      totalOwed: { ...OUT.money, description: 'Cash owed to members (negative: by them) for withdrawals and switches out paid at the wrong NAV.' },
    },
  },
  'POST /v1/funds/:fundId/fee-settlements': {
    result: { fundId: OUT.entityId, effectiveDate: OUT.date, currency: OUT.currency, amount: OUT.money, feesPayable: { ...OUT.money, description: 'Fees payable on effectiveDate after the settlement.' } },
  },
  'POST /v1/funds/:fundId/fees': {
    result: {
      fundId: OUT.entityId,
      effectiveDate: OUT.date,
      ...feeBasis,
      navPerUnit: OUT.units,
      holdings: arrayOf(feeHolding, 'The holdings charged, by memberId: the first 1000.'),
      nextCursor: { type: 'string', description: 'Present when the fee charged more holdings than listed: the cursor of GET /v1/funds/{fundId}/fees/{commandId}/holdings.' },
      totalFee: OUT.money,
      totalUnitsCancelled: OUT.units,
    },
    optional: ['nextCursor', 'rate', 'annualRate', 'days', 'dayCount'],
  },
  'POST /v1/members': { result: { memberId: OUT.entityId, name: { type: 'string' } } },
  'POST /v1/members/:memberId/contributions': {
    result: {
      memberId: OUT.entityId,
      fundId: OUT.entityId,
      effectiveDate: OUT.date,
      currency: OUT.currency,
      amount: OUT.money,
      units: OUT.units,
      navPerUnit: OUT.units,
      kind: { type: 'string', const: 'transfer-in', description: 'Present on a transfer in only.' },
      source: { type: 'string', description: "A transfer in's source, when given." },
    },
    optional: ['kind', 'source'],
  },
  'POST /v1/members/:memberId/withdrawals': {
    result: {
      memberId: OUT.entityId,
      fundId: OUT.entityId,
      effectiveDate: OUT.date,
      currency: OUT.currency,
      kind: { type: 'string', enum: ['benefit', 'lump-sum', 'transfer-out'] },
      destination: { type: 'string', description: 'Where the money goes, when given.' },
      units: { ...OUT.units, description: 'Units cancelled: as given, or round6(amount / navPerUnit).' },
      amount: { ...OUT.money, description: 'Money paid out: as given, or round2(units * navPerUnit).' },
      navPerUnit: OUT.units,
    },
    optional: ['destination'],
  },
  'POST /v1/members/:memberId/switches': {
    result: {
      memberId: OUT.entityId,
      fromFundId: OUT.entityId,
      toFundId: OUT.entityId,
      effectiveDate: OUT.date,
      currency: OUT.currency,
      amount: OUT.money,
      unitsSold: OUT.units,
      unitsBought: OUT.units,
      fromNavPerUnit: OUT.units,
      toNavPerUnit: OUT.units,
    },
  },
  'POST /v1/periods/:period/close': {
    result: {
      period: OUT.period,
      status: { type: 'string', const: 'closed' },
      closedAt: OUT.instant,
      previousThrough: { anyOf: [OUT.period, { type: 'null' }] },
      periods: arrayOf(OUT.period, 'The months this close sealed, oldest first.'),
      trueUps: arrayOf(object({ currency: OUT.currency, policies: { type: 'integer', minimum: 0 }, amount: OUT.money }), 'Earned-premium true-up posted per currency.'),
    },
    description: 'Closing a month already closed is 409 period_already_closed.',
  },
};

const asOfKnownAt = { asOf: OUT.date, knownAt: OUT.instant };
const entityErrors = [400, 404];

const premiumTotals = { written: OUT.money, earned: OUT.money, openingUnearned: OUT.money, closingUnearned: OUT.money };
const claimTotals = {
  openingReserve: OUT.money,
  newReserves: OUT.money,
  reserveChanges: OUT.money,
  paid: OUT.money,
  recoveries: { ...OUT.money, description: 'Recoveries (subrogation, salvage) received in the period.' },
  closingReserve: OUT.money,
  incurred: { ...OUT.money, description: 'paid + closingReserve - openingReserve - recoveries' },
};
const reportHead = { from: OUT.period, to: OUT.period, basis: { type: 'string', enum: ['booked', 'restated'] }, knownAt: OUT.instant };

const count = { type: 'integer', minimum: 0 };
const stateHash = { type: 'string', pattern: '^[0-9a-f]{64}$' };

/** The replay audit's result (libs/read-model replay-audit.ts ReplayAuditResult). */
const replayAuditResult = object(
  {
    eventsReplayed: count,
    recordsReplayed: { ...count, description: 'Log records read: every record through the read model checkpoint the audit started from.' },
    partitions: count,
    through: { type: 'string', pattern: `^(${PATTERNS.instant.slice(1, -1)})?$`, description: 'The checkpoint horizon the audit read through ("" for an empty ledger).' },
    stateHash: { ...stateHash, description: 'The state hash the log implies.' },
    liveStateHash: { ...stateHash, description: 'The state hash the read model kept while writing, at the same cut.' },
    storedStateHash: { ...stateHash, description: 'The state hash of what the read model stores (scanned).' },
    match: { type: 'boolean' },
    durationMs: { type: 'number', minimum: 0 },
    firstDivergence: object(
      {
        entity: { type: 'string', description: '"kind/id", or store when every entity agrees.' },
        reason: { type: 'string', enum: ['events', 'missing', 'store'] },
        eventIndex: count,
        commandId: { type: 'string' },
        type: { type: 'string' },
        recordedAt: OUT.instant,
        liveHash: { type: 'string' },
        replayedHash: { type: 'string' },
      },
      ['eventIndex', 'commandId', 'type', 'recordedAt', 'liveHash', 'replayedHash'],
      'When match is false: the earliest difference.',
    ),
  },
  ['firstDivergence'],
);

/** A replay audit as POST /v1/audits/replay and GET /v1/audits/{auditId} answer it. */
const replayAuditView = object(
  {
    auditId: { type: 'string', pattern: AUDIT_ID_PATTERN, examples: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0'] },
    status: { type: 'string', enum: ['running', 'done', 'failed'] },
    startedAt: { ...OUT.instant, description: 'When it started (UTC, milliseconds).' },
    finishedAt: { ...OUT.instant, description: 'When it finished (done or failed).' },
    progress: object(
      {
        phase: { type: 'string', enum: ['log', 'read-model', 'divergence'], description: 'log: reading the log; read-model: scanning the stored read model; divergence: naming the first divergence (only when they differ).' },
        done: { ...count, description: 'Records read (log, divergence) or stored items scanned (read-model) so far.' },
        total: { ...count, description: 'Records through the checkpoint.' },
      },
      [],
      'The last report of the audit (at the start of each phase and every 10,000 records or items).',
    ),
    result: replayAuditResult,
    error: object(
      {
        code: { type: 'string', enum: ['log_corrupt', 'audit_failed', 'audit_terminated'], description: 'log_corrupt: a record failed its checksum or chain; audit_terminated: the server shut down; audit_failed: anything else.' },
        detail: { type: 'string' },
      },
      [],
      'status failed: why there is no result.',
    ),
  },
  ['finishedAt', 'result', 'error'],
);

/** Every route that is not a command, keyed "METHOD /path" as its controller declares it. */
export const OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'GET /v1/policies/:policyId': {
    summary: 'A policy valid on asOf, as known at knownAt.',
    query: AS_OF_QUERY,
    ok: {
      status: 200,
      description: 'The policy: premium written, earned and unearned through asOf, cash received and refunds paid through asOf, and the premium balance.',
      schema: object({
        policyId: OUT.entityId,
        status: { type: 'string' },
        currency: OUT.currency,
        term: object({ start: OUT.date, end: OUT.date }),
        written: OUT.money,
        earned: OUT.money,
        unearned: OUT.money,
        received: OUT.money,
        refunded: OUT.money,
        balance: { ...OUT.money, description: 'Premium owed (written, less return premium) less cash received plus refunds paid: positive owed by the holder, negative owed to the holder.' },
        ...asOfKnownAt,
      }),
    },
    errors: entityErrors,
  },
  'GET /v1/claims/:claimId': {
    summary: 'A claim valid on asOf, as known at knownAt.',
    query: AS_OF_QUERY,
    ok: {
      status: 200,
      description: 'The claim: reserve, paid, recoveries and incurred (paid + reserve - recoveries) through asOf.',
      schema: object({ claimId: OUT.entityId, policyId: OUT.entityId, ...claimFigures, ...asOfKnownAt }),
    },
    errors: entityErrors,
  },
  'GET /v1/funds/:fundId/fees/:commandId/holdings': {
    summary: 'Every holding a fee charged, in pages by memberId.',
    description: "A fee's record holds its rate, NAV and totals; each holding's figures follow from the fund's holdings before it, by the fee's rule.",
    query: PAGE_QUERY,
    ok: {
      status: 200,
      description: "The fee's parameters and totals, and one page of its holdings.",
      schema: object(
        {
          fundId: OUT.entityId,
          commandId: OUT.commandId,
          effectiveDate: OUT.date,
          ...feeBasis,
          navPerUnit: OUT.units,
          totalFee: OUT.money,
          totalUnitsCancelled: OUT.units,
          holdings: arrayOf(feeHolding),
          nextCursor: { type: 'string', description: 'Present when more holdings follow: the cursor of the next page.' },
        },
        ['nextCursor', 'rate', 'annualRate', 'days', 'dayCount'],
      ),
    },
    errors: entityErrors,
  },
  'GET /v1/funds/:fundId': {
    summary: 'A fund valid on asOf, as known at knownAt.',
    query: AS_OF_QUERY,
    ok: {
      status: 200,
      description: 'The fund: NAV of the latest valuation on or before asOf (else the launch NAV), units outstanding, net assets.',
      schema: object({
        fundId: OUT.entityId,
        currency: OUT.currency,
        navPerUnit: OUT.units,
        valuationDate: { anyOf: [OUT.date, { type: 'null' }] },
        unitsOutstanding: OUT.units,
        netAssets: OUT.money,
        ...asOfKnownAt,
      }),
    },
    errors: entityErrors,
  },
  'GET /v1/members/:memberId': {
    summary: "A member's holdings valid on asOf, as known at knownAt.",
    query: AS_OF_QUERY,
    ok: {
      status: 200,
      description: 'Holdings by fund, valued at the NAV valid on asOf.',
      schema: object({
        memberId: OUT.entityId,
        name: { type: 'string' },
        holdings: arrayOf(object({ fundId: OUT.entityId, currency: OUT.currency, units: OUT.units, navPerUnit: OUT.units, value: OUT.money })),
        totalValue: OUT.money,
        totalValueByCurrency: arrayOf(object({ currency: OUT.currency, value: OUT.money })),
        ...asOfKnownAt,
      }),
    },
    errors: entityErrors,
  },
  'GET /v1/members/:memberId/statement': {
    summary: "A member's statement over the dates [from, to], as known at knownAt.",
    description:
      'Per fund: the opening holding on the day before from and the closing one on to, each valued at the NAV valid that day (value = round2(units * navPerUnit)); contributions, transfers in, switches in and out, fees and withdrawals by kind dated in [from, to]; every movement, by date then record order. closingUnits = openingUnits + the movements\' units and closingValue = openingValue + contributions + transfersIn + switchesIn - switchesOut - fees - withdrawals.total + investmentReturn, exactly.',
    query: STATEMENT_QUERY,
    queryParams: {
      from: { description: 'First day of the statement, YYYY-MM-DD (the opening is the day before).', schema: { type: 'string', format: 'date', pattern: PATTERNS.date }, example: '2026-01-01' },
      to: { description: 'Last day of the statement, YYYY-MM-DD (not before from).', schema: { type: 'string', format: 'date', pattern: PATTERNS.date }, example: '2026-12-31' },
    },
    ok: {
      status: 200,
      description: 'The statement, one entry per fund held on the opening date or dealt in during [from, to], by fundId.',
      schema: object({
        memberId: OUT.entityId,
        name: { type: 'string' },
        from: OUT.date,
        to: OUT.date,
        openingDate: OUT.date,
        knownAt: OUT.instant,
        funds: arrayOf(
          object({
            fundId: OUT.entityId,
            currency: OUT.currency,
            openingUnits: OUT.units,
            openingNavPerUnit: OUT.units,
            openingValue: OUT.money,
            contributions: OUT.money,
            transfersIn: OUT.money,
            switchesIn: OUT.money,
            switchesOut: OUT.money,
            fees: OUT.money,
            withdrawals: object({ benefit: OUT.money, lumpSum: OUT.money, transferOut: OUT.money, total: OUT.money }),
            investmentReturn: { ...OUT.money, description: 'What the flows leave unexplained: the change in NAV (may be negative).' },
            closingUnits: OUT.units,
            closingNavPerUnit: OUT.units,
            closingValue: OUT.money,
            movements: arrayOf(
              object(
                {
                  effectiveDate: OUT.date,
                  type: { type: 'string', enum: ['contribution', 'transfer-in', 'switch-in', 'switch-out', 'fee', 'withdrawal'] },
                  kind: { type: 'string', enum: ['benefit', 'lump-sum', 'transfer-out'], description: "A withdrawal's kind." },
                  units: { ...OUT.units, description: 'Signed: units cancelled are negative.' },
                  navPerUnit: OUT.units,
                  amount: { ...OUT.money, description: 'Signed like the units.' },
                  source: { type: 'string' },
                  destination: { type: 'string' },
                },
                ['kind', 'source', 'destination'],
              ),
            ),
          }),
        ),
      }),
    },
    errors: entityErrors,
  },
  'GET /v1/periods/:period': {
    summary: "A month's status (open or closed) as known at knownAt.",
    description: 'asOf is accepted like on every query and changes nothing: a month is closed in system time.',
    query: AS_OF_QUERY,
    ok: {
      status: 200,
      description: 'The month and, when closed, when and by whom.',
      schema: object(
        { period: OUT.period, status: { type: 'string', enum: ['open', 'closed'] }, closedAt: OUT.instant, closedBy: { type: 'string' }, knownAt: OUT.instant },
        ['closedAt', 'closedBy'],
      ),
    },
    errors: [400],
  },
  'GET /v1/reports/premiums': {
    summary: 'Premium written and earned over the months [from, to], booked or restated.',
    description: 'earned = written + openingUnearned - closingUnearned, exactly, in the totals and on every line.',
    query: REPORT_QUERY,
    ok: {
      status: 200,
      description: 'Totals, totals per currency and one line per policy.',
      schema: object({
        ...reportHead,
        totals: object(premiumTotals),
        totalsByCurrency: arrayOf(object({ currency: OUT.currency, ...premiumTotals })),
        policies: arrayOf(object({ policyId: OUT.entityId, currency: OUT.currency, ...premiumTotals })),
        nextCursor: { type: 'string', description: 'Present when more lines follow: the cursor of the next page.' },
      }, ['nextCursor']),
    },
    errors: [400],
  },
  'GET /v1/reports/claims': {
    summary: 'Claims reserve movement over the months [from, to], booked or restated.',
    description: 'closingReserve = openingReserve + newReserves + reserveChanges - paid and incurred = paid + closingReserve - openingReserve, exactly.',
    query: REPORT_QUERY,
    ok: {
      status: 200,
      description: 'Totals, totals per currency and one line per claim.',
      schema: object({
        ...reportHead,
        totals: object(claimTotals),
        totalsByCurrency: arrayOf(object({ currency: OUT.currency, ...claimTotals })),
        claims: arrayOf(object({ claimId: OUT.entityId, policyId: OUT.entityId, currency: OUT.currency, ...claimTotals })),
        nextCursor: { type: 'string', description: 'Present when more lines follow: the cursor of the next page.' },
      }, ['nextCursor']),
    },
    errors: [400],
  },
  'GET /v1/reports/funds': {
    summary: 'Units and net assets of every fund rolled forward over the months [from, to].',
    description:
      'closingUnits = openingUnits + unitsIssued - unitsCancelled and netAssets = openingNetAssets + contributions + transfersIn + switchesIn - switchesOut - fees - withdrawals + marketMovement, exactly, on every line; withdrawals = the sum of withdrawalsByKind.',
    query: PERIOD_RANGE_QUERY,
    ok: {
      status: 200,
      description: 'One line per fund.',
      schema: object({
        from: OUT.period,
        to: OUT.period,
        knownAt: OUT.instant,
        funds: arrayOf(
          object({
            fundId: OUT.entityId,
            currency: OUT.currency,
            openingUnits: OUT.units,
            unitsIssued: OUT.units,
            unitsCancelled: OUT.units,
            closingUnits: OUT.units,
            navPerUnit: OUT.units,
            valuationDate: { anyOf: [OUT.date, { type: 'null' }] },
            openingNetAssets: OUT.money,
            contributions: OUT.money,
            transfersIn: OUT.money,
            switchesIn: OUT.money,
            switchesOut: OUT.money,
            fees: OUT.money,
            withdrawals: OUT.money,
            withdrawalsByKind: object({ benefit: OUT.money, lumpSum: OUT.money, transferOut: OUT.money }),
            marketMovement: OUT.money,
            netAssets: OUT.money,
          }),
        ),
      }),
    },
    errors: [400],
  },
  'GET /v1/reports/trial-balance': {
    summary: 'The trial balance: every account effective on or before asOf, as known at knownAt.',
    description:
      'accounts: the general ledger (name:CURRENCY), each in full; an account kept per entity (premium-receivable:EUR:policy/P-1) is summed into its control account (premium-receivable:EUR). totals.debit equals totals.credit. subledger: the entity accounts, a page at a time; they sum to their control accounts.',
    query: TRIAL_BALANCE_QUERY,
    ok: {
      status: 200,
      description: 'Net balance per account on its debit or credit side, and a page of the subledger.',
      schema: object(
        {
          ...asOfKnownAt,
          accounts: arrayOf(object({ account: { type: 'string' }, debit: OUT.money, credit: OUT.money })),
          totals: object({ debit: OUT.money, credit: OUT.money }),
          subledger: arrayOf(object({ account: { type: 'string' }, control: { type: 'string' }, debit: OUT.money, credit: OUT.money })),
          nextCursor: { type: 'string', description: 'Present when more subledger lines follow: the cursor of the next page.' },
        },
        ['nextCursor'],
      ),
    },
    errors: [400],
  },
  'GET /v1/audit/entities/:kind/:id': {
    summary: 'Every event of one entity in record order, as known at knownAt.',
    description: 'Without asOf: every event whatever its effective date; with it, those effective on or before it.',
    query: AS_OF_QUERY,
    ok: {
      status: 200,
      description: 'The events with their command, actor, payload and journal.',
      schema: object(
        {
          kind: { type: 'string', enum: [...AUDIT_KINDS] },
          id: OUT.entityId,
          knownAt: OUT.instant,
          asOf: OUT.date,
          events: arrayOf(
            object({
              commandId: OUT.commandId,
              type: { type: 'string' },
              v: { type: 'integer' },
              effectiveDate: OUT.date,
              recordedAt: OUT.instant,
              bookingPeriod: OUT.period,
              actor: { type: 'string' },
              payload: { type: 'object' },
              journal: object({ lines: arrayOf({ type: 'object' }) }),
              reverses: { ...OUT.commandId, description: "On a reversal's event: the command it reverses." },
              reversedBy: { ...OUT.commandId, description: 'On an event whose command was reversed (as known at knownAt): the reversal.' },
            }, ['reverses', 'reversedBy']),
          ),
        },
        ['asOf'],
      ),
    },
    errors: entityErrors,
  },
  'POST /v1/audits/replay': {
    summary: 'Replay audit: start it (in a worker thread); GET its Location until it is done.',
    description: [
      'Streams the log through the read model checkpoint, verifying every checksum and the chain as it reads, and compares the state it implies with what the read model stores and with the sums the read model kept while writing. The body is {} (or none). Records nothing, changes nothing.',
      'Runs off the request path, in a worker thread with its own read-only handles on the read model and the log: the server goes on taking commands and queries meanwhile, and the audit covers the records through the read model checkpoint it starts from.',
      `One audit at a time: while one runs, this answers 202 with that audit (its id, state and progress) instead of starting another. The last ${AUDITS_KEPT} audits are kept in memory (GET /v1/audits/{auditId}); a restart forgets them.`,
    ].join('\n\n'),
    body: ReplayAuditBodySchema,
    example: {},
    ok: {
      status: 202,
      description: 'The audit, running (or the one already running): poll its Location.',
      headers: { Location: { description: 'The audit: /v1/audits/{auditId}.', schema: { type: 'string', pattern: `^/v1/audits/${AUDIT_ID_PATTERN.slice(1, -1)}$` } } },
      schema: replayAuditView,
    },
    errors: [400, 503],
  },
  'GET /v1/audits/:auditId': {
    summary: 'A replay audit: running with its progress, done with its result, or failed.',
    description: `One of the last ${AUDITS_KEPT} audits of this server (kept in memory). A malformed id is a 400, an unknown one (or one pushed out) a 404.`,
    query: {},
    ok: { status: 200, description: 'The audit.', schema: replayAuditView },
    errors: [400, 404],
  },
  'POST /v1/batch': {
    summary: `Up to ${MAX_BATCH_COMMANDS.toLocaleString('en')} commands, each checked and applied in order as if sent alone, made durable together.`,
    description:
      'Each command gets its own role check, idempotency and outcome. The batch answers 200 with one result per command, in order: the status and body the command would have got alone.',
    body: BatchBodySchema,
    bodyRequired: true,
    example: {
      commands: [
        { path: '/v1/policies/P-1/payments', body: { commandId: '9a2b3c4d5e6f708192a3b4c5d6e7f801', amount: '500.00', receivedDate: '2026-02-01' } },
        { path: '/v1/claims/C-1/payments', body: { commandId: '9b2b3c4d5e6f708192a3b4c5d6e7f801', effectiveDate: '2026-04-02', amount: '50.00' } },
      ],
    },
    ok: {
      status: 200,
      description: 'One result per command, in order.',
      schema: object({
        results: arrayOf(
          object(
            {
              status: { type: 'integer', description: 'The status the command would have got alone (201, or a 4xx).' },
              body: { type: 'object', description: 'Its answer: the 201 body, or a problem.' },
              replayed: { type: 'boolean', const: true, description: 'Present when this is the recorded outcome of an earlier request.' },
            },
            ['replayed'],
          ),
        ),
      }),
    },
    errors: [400, 503],
  },
  'GET /health/live': {
    summary: 'Liveness: the process answers.',
    ok: { status: 200, description: 'Alive.', schema: object({ status: { type: 'string', const: 'ok' } }) },
    errors: [],
  },
  'GET /health/ready': {
    summary: 'Readiness: the log is recovered and the projections are caught up.',
    ok: { status: 200, description: 'Ready for traffic.', schema: object({ status: { type: 'string', const: 'ready' } }) },
    errors: [503],
  },
  'GET /metrics': {
    summary: 'Prometheus metrics: append and fsync latency, batch sizes, commands by type and outcome, projection lag, WAL I/O mode.',
    description: 'Also open to the scrape token of LEDGER_METRICS_TOKEN_FILE, which opens this route and nothing else.',
    access: METRICS_ACCESS,
    ok: { status: 200, description: 'Prometheus text exposition format.', contentType: 'text/plain', schema: { type: 'string' } },
    errors: [],
  },
  'GET /docs': {
    summary: 'This API reference (Swagger UI, served from this server).',
    ok: { status: 200, description: 'An HTML page.', contentType: 'text/html', schema: { type: 'string' } },
    errors: [],
  },
  'GET /docs/openapi.json': {
    summary: 'This OpenAPI document.',
    ok: { status: 200, description: 'OpenAPI 3.1, generated from the zod schemas that validate the requests.', schema: { type: 'object' } },
    errors: [],
  },
  'GET /docs/assets/:file': {
    summary: 'A static file of the docs UI.',
    ok: { status: 200, description: 'JavaScript, CSS or an image.', schema: { type: 'string' }, contentType: '*/*' },
    errors: [404],
  },
  'POST /console/session': {
    summary: "The console's sign-in: a bearer token for a session cookie.",
    description: [
      'Answers 201 with Set-Cookie ledger_session (HttpOnly, SameSite=Strict, Path=/, Secure over TLS) and the session: who signed in, its CSRF token and what its roles allow. The token goes in the body, never in a URL, and the page keeps nothing of it.',
      'With the cookie, every route answers as for the bearer token; a request that changes something (any method but GET, HEAD, OPTIONS) must also come from this origin (Origin, Sec-Fetch-Site) and carry X-CSRF-Token, else 403 csrf_failed and nothing changes. A session ends on sign-out, 30 minutes after its last request, 8 hours after sign-in, or at a restart; at most 10,000 are live (the oldest ends first).',
      'Refused (403 csrf_failed) when the request says it comes from another origin.',
    ].join('\n\n'),
    body: SignInBodySchema,
    bodyRequired: true,
    example: { token: '<a bearer token of the tokens file>' },
    ok: { status: 201, description: 'Signed in.', headers: { 'Set-Cookie': { description: 'The session cookie.', schema: { type: 'string' } } }, schema: SESSION_VIEW },
    errors: [400, 401, 403],
  },
  'GET /console/session': {
    summary: 'Who is signed in, the CSRF token of the session, what its roles allow.',
    description: 'Public: without a valid session cookie or bearer token the answer is { signedIn: false } (the console asks on every load).',
    ok: { status: 200, description: 'The session (or the bearer token\'s actor), or { signedIn: false }.', schema: { oneOf: [SESSION_VIEW, object({ signedIn: { type: 'boolean', const: false } })] } },
    errors: [],
  },
  'DELETE /console/session': {
    summary: 'Sign out: the session ends at once and its cookie is cleared.',
    description: 'Needs X-CSRF-Token like every change made with the cookie.',
    ok: { status: 204, description: 'Signed out.' },
    errors: [],
  },
  'GET /': {
    summary: 'The web console: reports with charts, entities on both axes of time, period close and replay audits.',
    description: 'An HTML page; it signs in with POST /console/session and shows only what the session\'s roles allow. 404 when the console was not built (npm run build:console).',
    ok: { status: 200, description: 'An HTML page.', contentType: 'text/html', schema: { type: 'string' } },
    errors: [404],
  },
  'GET /console/assets/:consoleFile': {
    summary: "A file of the console (its script, its styles).",
    ok: { status: 200, description: 'JavaScript, CSS or HTML.', schema: { type: 'string' }, contentType: '*/*' },
    errors: [404],
  },
};
