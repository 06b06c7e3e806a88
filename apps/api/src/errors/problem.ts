// RFC 9457 problem details: the one shape of every error response. `toProblem`
// is pure so the batch endpoint can give each failed command exactly the body
// it would have got alone.
import { HttpException } from '@nestjs/common';
import { ZodError } from 'zod';
import { DomainError, NotFoundError, PeriodAlreadyClosedError } from '@app/domain';
import type { WalErrorCode } from '@app/wal';

import { ApiError, ValidationError, zodFieldErrors } from './api-errors';
import type { FieldError } from './api-errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** `type` = this base + the problem class; stable, documented, never dereferenced by clients. */
export const PROBLEM_TYPE_BASE = 'https://ledger.example/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
}

const TITLES: Record<string, string> = {
  validation_failed: 'Validation failed',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  exists_with_different_fields: 'Command exists with different fields',
  period_already_closed: 'Period already closed',
  invariant_violation: 'Invariant violation',
  log_unavailable: 'Log unavailable',
  not_ready: 'Not ready',
  position_not_reached: 'Position not reached',
  internal_error: 'Internal error',
};

/** The log is fail-stopped (or closing): 503, never a 500, never an ack. */
const LOG_DOWN: ReadonlySet<WalErrorCode> = new Set<WalErrorCode>(['WAL_FAILED', 'WAL_IO_ERROR', 'WAL_NO_SPACE', 'WAL_CLOSED']);

const INTERNAL_DETAIL = 'The server failed to handle the request. It has been logged.';

/** `klass` names the row of api.md's error table; for 422 that is `invariant_violation`, `code` the rule. */
export function problem(status: number, code: string, detail: string, errors?: FieldError[], klass = code): Problem {
  const body: Problem = { type: PROBLEM_TYPE_BASE + klass, title: TITLES[klass] ?? klass, status, code, detail };
  if (errors) body.errors = errors;
  return body;
}

export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return fromApiError(error);
  if (error instanceof ZodError) return fromApiError(ValidationError.fromZod(error));
  if (error instanceof DomainError) return problem(422, error.code, error.message, undefined, 'invariant_violation');
  if (error instanceof NotFoundError) return problem(404, 'not_found', error.message);
  if (error instanceof PeriodAlreadyClosedError) return problem(409, 'period_already_closed', error.message);
  if (isLogDown(error)) return problem(503, 'log_unavailable', 'The log is unavailable; nothing was acknowledged.');
  const status = clientStatus(error);
  if (status !== undefined) return fromClientStatus(status, error as Error);
  return problem(500, 'internal_error', INTERNAL_DETAIL);
}

/**
 * Duck-typed on WalError's name and code (and the event store's
 * LogUnavailableError code) so this module never loads the native addon.
 */
export function isLogDown(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  if (!e) return false;
  return e.code === 'log_unavailable' || (e.name === 'WalError' && LOG_DOWN.has(e.code as WalErrorCode));
}

function fromApiError(error: ApiError): Problem {
  return problem(error.status, error.code, error.message, error.errors);
}

/** A 4xx raised by Nest or Fastify (bad JSON, body too large, wrong content type, no route). */
function clientStatus(error: unknown): number | undefined {
  let status: unknown;
  if (error instanceof HttpException) status = error.getStatus();
  else status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function fromClientStatus(status: number, error: Error): Problem {
  switch (status) {
    case 401:
      return problem(401, 'unauthorized', 'A valid bearer token is required.');
    case 403:
      return problem(403, 'forbidden', 'The token lacks the role for this request.');
    case 404:
      return problem(404, 'not_found', 'No such resource.');
    case 405:
      return problem(405, 'method_not_allowed', 'The method is not allowed on this resource.');
    default: {
      // Parse errors, 413 and 415 are all "the body is not what the contract takes": 400.
      const detail = bodyErrorDetail(status, error);
      return problem(400, 'validation_failed', detail, [{ path: '', message: detail }]);
    }
  }
}

/**
 * Nest rewraps Fastify's parser errors as HttpException(message, status), so
 * status and message are what is left to go on. Fastify's messages are fixed
 * texts, but ours are used anyway: the contract's wording, never the body.
 */
function bodyErrorDetail(status: number, error: Error): string {
  if (status === 413) return 'The request body is too large.';
  if (status === 415) return 'The body must be JSON, sent with Content-Type: application/json.';
  if (/cannot be empty/i.test(error.message)) return 'The body is empty but Content-Type is application/json.';
  if (/JSON/.test(error.message)) return 'The body is not valid JSON (or it holds __proto__ / constructor.prototype).';
  return 'The request is malformed.';
}
