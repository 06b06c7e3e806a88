// Input checks shared by every slice. Bodies: the domain's zod schemas via
// `parseBody`. Query strings: a spec of named parameter parsers, where every
// parameter not in the spec is a 400 (a typo like `asof=` must not silently
// mean "today"). Path parameters: `parseEntityId`, `parsePeriodParam`.
import { Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { formatInstant, isEntityId, isIsoDate, isPeriod, parseInstant } from '@app/domain';
import type { Instant, IsoDate, Period } from '@app/domain';

import { ValidationError } from '../errors/api-errors';
import type { FieldError } from '../errors/api-errors';

// ---------------------------------------------------------------------------
// Bodies

/** Runs `schema` on a request body: the parsed value, or a 400 listing every bad path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, pathPrefix = ''): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw ValidationError.fromZod(result.error, pathPrefix);
  return result.data;
}

/** The same as a pipe: `@Body(new ZodBody(BindPolicySchema)) body: BindPolicy`. */
@Injectable()
export class ZodBody<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    return parseBody(this.schema, value);
  }
}

// ---------------------------------------------------------------------------
// Query strings

/** One clock reading per request, so a defaulted asOf and knownAt agree. */
export interface QueryContext {
  nowNanos: bigint;
  /** The default knownAt, when it is not now (the ledger's: the latest durable instant, so a defaulted read is repeatable). */
  knownNanos?: bigint;
}

/** Parses one raw value (undefined when absent); throws ParamError with a message for the client. */
export type QueryParam<T> = (raw: string | undefined, ctx: QueryContext) => T;
export type QuerySpec = Record<string, QueryParam<unknown>>;
export type QueryValues<S extends QuerySpec> = { [K in keyof S]: ReturnType<S[K]> };

export class ParamError extends Error {}

export function systemQueryContext(): QueryContext {
  return { nowNanos: BigInt(Date.now()) * 1_000_000n };
}

/** Every error of the query string in one 400; unknown and repeated parameters included. */
export function parseQuery<S extends QuerySpec>(query: unknown, spec: S, ctx: QueryContext = systemQueryContext()): QueryValues<S> {
  const raw = (query ?? {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of Object.keys(raw)) {
    if (!Object.prototype.hasOwnProperty.call(spec, key)) errors.push({ path: key, message: 'Unknown query parameter.' });
    else if (typeof raw[key] !== 'string') errors.push({ path: key, message: 'Give this parameter once.' });
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec)) {
    const value = raw[key];
    if (value !== undefined && typeof value !== 'string') continue; // reported above
    try {
      out[key] = spec[key](value, ctx);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      errors.push({ path: key, message: e.message });
    }
  }
  if (errors.length) throw new ValidationError(errors);
  return out as QueryValues<S>;
}

/** Valid time, `YYYY-MM-DD`; default today in UTC. */
export const asOfParam: QueryParam<IsoDate> = (raw, ctx) => {
  if (raw === undefined) return formatInstant(ctx.nowNanos).slice(0, 10);
  if (!isIsoDate(raw)) throw new ParamError('Must be a date YYYY-MM-DD.');
  return raw;
};

/** System time, an ISO-8601 UTC instant (0-9 fraction digits), returned with 9; default now. */
export const knownAtParam: QueryParam<Instant> = (raw, ctx) => {
  if (raw === undefined) return formatInstant(ctx.knownNanos ?? ctx.nowNanos);
  const nanos = parseInstant(raw);
  if (nanos === null || nanos < 0n) throw new ParamError('Must be an ISO-8601 UTC instant, e.g. 2026-04-10T12:00:00.123456789Z.');
  return formatInstant(nanos);
};

/** A required month `YYYY-MM` (report `from` / `to`). */
export const periodParam: QueryParam<Period> = (raw) => {
  if (raw === undefined) throw new ParamError('Required: a month YYYY-MM.');
  if (!isPeriod(raw)) throw new ParamError('Must be a month YYYY-MM.');
  return raw;
};

export type Basis = 'booked' | 'restated';

export const basisParam: QueryParam<Basis> = (raw) => {
  if (raw === undefined || raw === 'booked') return 'booked';
  if (raw === 'restated') return 'restated';
  throw new ParamError('Must be booked or restated.');
};

/** A required date `YYYY-MM-DD` (a statement's `from` / `to`). */
export const dateParam: QueryParam<IsoDate> = (raw) => {
  if (raw === undefined) throw new ParamError('Required: a date YYYY-MM-DD.');
  if (!isIsoDate(raw)) throw new ParamError('Must be a date YYYY-MM-DD.');
  return raw;
};

/** Lines per page: default and most. */
export const PAGE_LIMIT_DEFAULT = 1_000;
export const PAGE_LIMIT_MAX = 10_000;

export const limitParam: QueryParam<number> = (raw) => {
  if (raw === undefined) return PAGE_LIMIT_DEFAULT;
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > PAGE_LIMIT_MAX) throw new ParamError(`Must be an integer 1-${PAGE_LIMIT_MAX}.`);
  return Number(raw);
};

/** A page cursor is the previous page's last key (an id or an account name), base64url-encoded: opaque to clients. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** `nextCursor` from an answer; absent: the first page. */
export const cursorParam: QueryParam<string | null> = (raw) => {
  if (raw === undefined) return null;
  const key = /^[A-Za-z0-9_-]{1,400}$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  if (key.length === 0 || key.length > 256 || !/^[\x21-\x7e]+$/.test(key) || encodeCursor(key) !== raw) throw new ParamError('Must be a nextCursor from an earlier answer.');
  return key;
};

/** Paged lines: `?limit&cursor`. */
export const PAGE_QUERY = { limit: limitParam, cursor: cursorParam };
/** GET of one entity: `?asOf&knownAt`. */
export const AS_OF_QUERY = { asOf: asOfParam, knownAt: knownAtParam };
/** The trial balance: `?asOf&knownAt&limit&cursor` (the cursor pages the subledger). */
export const TRIAL_BALANCE_QUERY = { ...AS_OF_QUERY, ...PAGE_QUERY };
/** Premium and claims reports: `?from&to&basis&knownAt&limit&cursor`; check `requireOrder` after. */
export const REPORT_QUERY = { from: periodParam, to: periodParam, basis: basisParam, knownAt: knownAtParam, ...PAGE_QUERY };
/** Funds report: `?from&to&knownAt`. */
export const PERIOD_RANGE_QUERY = { from: periodParam, to: periodParam, knownAt: knownAtParam };

/** A member's statement: `?from&to&knownAt` (dates); check `requireOrder` after. */
export const STATEMENT_QUERY = { from: dateParam, to: dateParam, knownAt: knownAtParam };

/** A range's `to` not before its `from`: months (YYYY-MM) or dates (YYYY-MM-DD), which sort as they read. */
export function requireOrder<T extends Period | IsoDate>(from: T, to: T): void {
  if (from > to) throw new ValidationError([{ path: 'to', message: 'Must not be before from.' }]);
}

// ---------------------------------------------------------------------------
// Path parameters

/** policyId, claimId, memberId, fundId: 1-64 of [A-Za-z0-9._-]. */
export function parseEntityId(raw: string, name: string): string {
  if (!isEntityId(raw)) throw new ValidationError([{ path: name, message: 'Must be 1-64 characters of A-Z a-z 0-9 . _ -.' }]);
  return raw;
}

export function parseDateParam(raw: string, name: string): IsoDate {
  if (!isIsoDate(raw)) throw new ValidationError([{ path: name, message: 'Must be a calendar date YYYY-MM-DD.' }]);
  return raw;
}

export function parsePeriodParam(raw: string, name = 'period'): Period {
  if (!isPeriod(raw)) throw new ValidationError([{ path: name, message: 'Must be a month YYYY-MM.' }]);
  return raw;
}
