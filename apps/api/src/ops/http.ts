// Per-request operations on the Fastify instance, installed before any route
// exists: the request id (X-Request-Id in, X-Request-Id out), the request
// duration histogram, the one JSON line per request, and the drain of a
// graceful shutdown. Each route gets its
// own onResponse hook (onRoute) holding its pattern and its metric series, so
// a request pays two Map lookups and an observe, never a label object;
// requests no route matched (404) go through one root hook.
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Logger } from 'pino';

import type { Actor } from '../auth/roles';
import { problem } from '../errors/problem';
import { sendProblem } from '../errors/problem.filter';
import { requestIdOf } from './logging';
import type { LedgerMetrics, RouteSeries } from './metrics';

export const REQUEST_ID_HEADER = 'x-request-id';
const UNMATCHED = 'unmatched';
const OPS_HOOK = Symbol('ops.onResponse');
/** A commandId as api.md spells it (32 hex digits or a hyphenated UUID). */
const COMMAND_ID = /^[0-9a-fA-F-]{32,36}$/;

const SHUTTING_DOWN = problem(503, 'not_ready', 'The server is shutting down; nothing of this request was done. Retry against another instance.');
const IDLE_SWEEP_MS = 100;

/** The HTTP side of a graceful shutdown. */
export interface HttpDrain {
  /**
   * Stops accepting connections and refuses new requests (503 not_ready,
   * Connection: close) while the ones in flight finish; keep-alive
   * connections close as they fall idle. Resolves once no connection is left.
   */
  drain(): Promise<void>;
  /** Closes every connection still open (requests in flight go unanswered). */
  cut(): void;
}

export function installHttpOps(fastify: FastifyInstance, metrics: LedgerMetrics, log: Logger | null): HttpDrain {
  let draining = false;
  fastify.setGenReqId(requestIdOf);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    if (draining) {
      void reply.header('connection', 'close');
      sendProblem(reply, SHUTTING_DOWN);
      return;
    }
    done();
  });

  const info = log?.isLevelEnabled('info') ? log : null;
  const error = log?.isLevelEnabled('error') ? log : null;
  const finished = (route: string, series: RouteSeries): onResponseHookHandler => {
    const hook: onResponseHookHandler = (request, reply, done) => {
      const status = reply.statusCode;
      const ms = reply.elapsedTime;
      series(request.method, status).observe(ms / 1000);
      if (status >= 500) error?.error(requestLine(request, route, status, ms), 'request');
      else info?.info(requestLine(request, route, status, ms), 'request');
      done();
    };
    (hook as unknown as Record<symbol, boolean>)[OPS_HOOK] = true;
    return hook;
  };

  fastify.addHook('onRoute', (route) => {
    const own = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    if (own.some((h) => (h as unknown as Record<symbol, boolean>)[OPS_HOOK])) return; // a HEAD route copied from its GET
    route.onResponse = [...own, finished(route.url, metrics.httpRoute(route.url))];
  });
  const unmatched = finished(UNMATCHED, metrics.httpRoute(UNMATCHED));
  fastify.addHook('onResponse', function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply, done: () => void) {
    if (request.is404) return unmatched.call(this, request, reply, done);
    done();
  });

  return {
    drain: () =>
      new Promise<void>((resolve) => {
        draining = true;
        const server = fastify.server;
        // server.close() closes the idle connections once; the sweep closes those that fall idle later.
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
      }),
    cut: () => fastify.server.closeAllConnections(),
  };
}

/** The request line: ids, route, outcome, timing; never headers, bodies or the query string. */
function requestLine(request: FastifyRequest, route: string, status: number, ms: number): Record<string, unknown> {
  const url = request.url;
  const q = url.indexOf('?');
  const line: Record<string, unknown> = {
    reqId: request.id,
    method: request.method,
    route,
    path: (q < 0 ? url : url.slice(0, q)).slice(0, 256),
    status,
    ms: Math.round(ms * 1000) / 1000,
  };
  const actor = (request as { actor?: Actor | null }).actor;
  if (actor) line.actor = actor.id;
  const body = request.body as { commandId?: unknown; commands?: unknown } | null | undefined;
  if (body !== null && typeof body === 'object') {
    if (typeof body.commandId === 'string' && COMMAND_ID.test(body.commandId)) line.commandId = body.commandId.replace(/-/g, '').toLowerCase();
    if (Array.isArray(body.commands)) line.commands = body.commands.length;
  }
  return line;
}
