// Errors of the HTTP layer itself (domain errors live in @app/domain). Each
// carries its status and problem code, so mapping them is a lookup.
import type { ZodError } from 'zod';

export interface FieldError {
  /** Dotted path into the input: "term.end", "commands.3.body.amount"; "" is the whole body. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

/** 400: malformed JSON, missing/extra/ill-typed fields or query parameters. */
export class ValidationError extends ApiError {
  constructor(errors: FieldError[], detail?: string) {
    super(400, 'validation_failed', detail ?? summarize(errors), errors);
  }

  static fromZod(error: ZodError, prefix = ''): ValidationError {
    return new ValidationError(zodFieldErrors(error, prefix));
  }
}

export class UnauthorizedError extends ApiError {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'unauthorized', detail);
  }
}

export class ForbiddenError extends ApiError {
  constructor(detail = 'The token lacks the role for this request.') {
    super(403, 'forbidden', detail);
  }
}

/** 409: the commandId was seen before with another body (TigerBeetle's `exists_with_different_fields`). */
export class ExistsWithDifferentFieldsError extends ApiError {
  constructor(readonly commandId: string) {
    super(409, 'exists_with_different_fields', `Command ${commandId} was already recorded with different fields; use a new commandId.`);
  }
}

/** 503: the log is fail-stopped; nothing of this request was acknowledged. */
export class LogUnavailableError extends ApiError {
  constructor(detail = 'The log is unavailable; nothing was acknowledged. Retry against a healthy node.') {
    super(503, 'log_unavailable', detail);
  }
}

export class NotReadyError extends ApiError {
  constructor(detail: string) {
    super(503, 'not_ready', detail);
  }
}

export function joinPath(parts: readonly PropertyKey[]): string {
  return parts.map((p) => String(p)).join('.');
}

/** One FieldError per zod issue; an unknown key gets its own path, not its parent's. */
export function zodFieldErrors(error: ZodError, prefix = ''): FieldError[] {
  const base = prefix ? [prefix] : [];
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: joinPath([...path, key]), message: 'Unknown field.' });
    } else {
      out.push({ path: joinPath(path), message: issue.message });
    }
  }
  return out;
}

function summarize(errors: FieldError[]): string {
  if (errors.length === 0) return 'The request is invalid.';
  const first = errors[0];
  const where = first.path ? `${first.path}: ` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${where}${first.message}${more}`;
}

/**
 * 403: a state-changing request made with the console's session cookie
 * without the session's CSRF token, or from another origin. Nothing changed.
 */
export class CsrfRefusedError extends ApiError {
  constructor(detail = 'A request made with a session cookie must come from the console itself and carry its X-CSRF-Token; nothing was changed.') {
    super(403, 'csrf_failed', detail);
  }
}
