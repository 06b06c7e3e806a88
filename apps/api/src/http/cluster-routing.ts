// The HTTP side of several API nodes on one log (ledger/cluster-node.ts):
//
//   - every /v1 answer carries `Ledger-Position`: this node's horizon when it
//     answered. After a command it is at or after the command's recordedAt,
//     so it is the command's position in the ledger's one order;
//   - a query may pass `minPosition` (such a position): the node answers only
//     once it has applied the log through it, waiting up to POSITION_WAIT_MS,
//     else 503 `position_not_reached` (with Retry-After). So a client reads
//     its own writes on any node;
//   - a command sent to a follower is passed to the leader, as sent, with
//     the caller's own credentials (a console session's bearer token), and
//     the leader's answer is returned as it came. A leader that cannot be
//     reached, or a node that is reconnecting, answers 503 log_unavailable:
//     the command may or may not have been recorded, and a retry with the
//     same commandId gets its outcome either way.
//
// Hooks are added per route (onRoute), like authentication: queries and
// commands are told apart by method and path once, not per request.
import { formatInstant, parseInstant } from '@app/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

import type { Session } from '../auth/sessions';
import { ValidationError } from '../errors/api-errors';
import { problem, toProblem } from '../errors/problem';
import { sendProblem } from '../errors/problem.filter';
import type { ClusterNode } from '../ledger/cluster-node';

export const POSITION_HEADER = 'ledger-position';
export const MIN_POSITION_PARAM = 'minPosition';
/** How long a query waits for its minPosition before answering 503. */
export const POSITION_WAIT_MS = 5_000;
/** A forwarded command's answer from the leader; past it the outcome is unknown (503, retry with the same commandId). */
const FORWARD_TIMEOUT_MS = 30_000;
/** Marks a request a node forwarded: the receiver never forwards it again (two nodes that each think the other leads). */
const FORWARDED_HEADER = 'x-ledger-forwarded';
/** The leader's answer headers a follower passes on (not hop-by-hop ones, not its Date or length). */
const PASSED_HEADERS = ['content-type', 'idempotent-replayed', POSITION_HEADER, 'location', 'retry-after', 'www-authenticate'];

export function installClusterRouting(fastify: FastifyInstance, cluster: ClusterNode): void {
  const forward: preHandlerAsyncHookHandler = async (request, reply) => {
    if (cluster.role === 'embedded' || cluster.role === 'leader') return;
    const leader = cluster.leaderUrl;
    if (cluster.role !== 'follower' || leader === null || leader === cluster.ownUrl || request.headers[FORWARDED_HEADER] !== undefined) {
      unavailable(reply, 'This node is reconnecting to the log or knows no leader yet; nothing was recorded by it. Retry with the same commandId.');
      return reply;
    }
    await forwardTo(leader, request, reply);
    return reply;
  };
  const awaitPosition: preHandlerAsyncHookHandler = async (request, reply) => {
    const query = request.query as Record<string, unknown> | undefined;
    const raw = query?.[MIN_POSITION_PARAM];
    if (raw === undefined) return;
    // Consumed here: the route's own query check never sees it.
    delete query![MIN_POSITION_PARAM];
    const nanos = typeof raw === 'string' ? parseInstant(raw) : null;
    if (nanos === null || nanos < 0n) {
      sendProblem(reply, toProblem(new ValidationError([{ path: MIN_POSITION_PARAM, message: 'Must be a Ledger-Position: an ISO-8601 UTC instant, given once.' }])));
      return reply;
    }
    const source = cluster.source;
    if (source !== null && (await source.whenPosition(formatInstant(nanos), POSITION_WAIT_MS))) return;
    reply.header('retry-after', '1');
    sendProblem(reply, problem(503, 'position_not_reached', `This node has not applied the log through ${formatInstant(nanos)} within ${POSITION_WAIT_MS} ms; retry, or ask another node.`));
    return reply;
  };
  fastify.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    // A replay audit checks this node's own read model: it runs where it is asked.
    if (methods.includes('POST') && !route.url.startsWith('/v1/audits')) route.preHandler = [forward, ...own];
    else if (methods.includes('GET')) route.preHandler = [awaitPosition, ...own];
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader(POSITION_HEADER) && request.url.startsWith('/v1/')) {
      const source = cluster.source;
      if (source !== null) {
        const position = source.position();
        if (position !== '') reply.header(POSITION_HEADER, position);
      }
    }
    done(null, payload);
  });
}

async function forwardTo(leader: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const session = (request as unknown as { session: Session | null }).session;
  const authorization = request.headers.authorization ?? (session ? `Bearer ${session.bearer}` : undefined);
  const headers: Record<string, string> = { 'content-type': 'application/json', [FORWARDED_HEADER]: '1' };
  if (authorization !== undefined) headers.authorization = authorization;
  let answer: Response;
  let body: Buffer;
  try {
    answer = await fetch(new URL(request.url, leader), {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    body = Buffer.from(await answer.arrayBuffer());
  } catch {
    unavailable(reply, 'The leader did not answer; the command may or may not be recorded. Retry with the same commandId.');
    return;
  }
  reply.status(answer.status);
  for (const name of PASSED_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  await reply.send(body);
}

function unavailable(reply: FastifyReply, detail: string): void {
  reply.header('retry-after', '1');
  sendProblem(reply, problem(503, 'log_unavailable', detail));
}
