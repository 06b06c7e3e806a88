// The command controllers' way out: the status and body come from the
// idempotency record (first outcome is final), so they are sent as given.
// Controllers using it take `@Res() res: FastifyReply` and return nothing.
import type { FastifyReply } from 'fastify';

import { PROBLEM_CONTENT_TYPE } from '../errors/problem';

export const IDEMPOTENT_REPLAYED = 'idempotent-replayed';

/**
 * Sends `body` with `status`; `replayed` adds `Idempotent-Replayed: true` (the
 * outcome of an earlier request with the same commandId and body). A stored
 * rejection (422, ...) goes out as problem+json, as it did the first time.
 */
export function reply(res: FastifyReply, status: number, body: unknown, replayed = false): FastifyReply {
  res.status(status);
  if (replayed) res.header(IDEMPOTENT_REPLAYED, 'true');
  if (status >= 400) res.header('content-type', PROBLEM_CONTENT_TYPE);
  return res.send(body);
}

/** A command's outcome as the idempotency store keeps it. */
export interface CommandOutcome {
  status: number;
  body: unknown;
  replayed: boolean;
}

export function replyOutcome(res: FastifyReply, outcome: CommandOutcome): FastifyReply {
  return reply(res, outcome.status, outcome.body, outcome.replayed);
}
