// The Fastify instance under Nest, set up before any route exists: body
// limits per route, JSON as the only body type, authentication before parsing.
import type { Socket } from 'node:net';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { installAuthHook } from '../auth/auth.hook';
import type { Authenticator } from '../auth/authenticator';
import type { ApiConfig } from '../config';
import type { ClusterNode } from '../ledger/cluster-node';
import { installClusterRouting } from './cluster-routing';
import { PROBLEM_CONTENT_TYPE, problem } from '../errors/problem';
import { installLeanAsyncResourceBind } from './async-resource-bind';

export const BATCH_PATH = '/v1/batch';

export function createFastifyAdapter(config: ApiConfig, authenticator: Authenticator, cluster: ClusterNode): FastifyAdapter {
  installLeanAsyncResourceBind();
  const adapter = new FastifyAdapter({
    logger: false, // Nest's logger reports; Fastify's per-request logging costs throughput
    bodyLimit: config.bodyLimit,
    return503OnClosing: true,
    // JSON bodies with __proto__ / constructor.prototype are refused (400), not sanitised.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Refusals made before routing (a malformed %-escape, an over-long path
    // parameter) and by the HTTP parser (oversized headers, raw bytes) are
    // problem+json like every other error, never the framework's own shape.
    frameworkErrors: refuseMalformedPath,
    clientErrorHandler: refuseMalformedRequest,
  });
  const fastify = adapter.getInstance();
  // JSON in: any other media type is a 415, which the filter turns into 400.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRoute', (route) => {
    if (route.url === BATCH_PATH) route.bodyLimit = config.batchBodyLimit;
  });
  installAuthHook(fastify, authenticator);
  installClusterRouting(fastify, cluster);
  return adapter;
}

function refuseMalformedPath(_error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const body = problem(400, 'validation_failed', 'The request path is malformed (a bad %-escape or a path parameter over 100 characters).');
  void reply.code(400).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

/** The raw socket answer for requests the HTTP parser refuses; no route or hook ever sees them. */
function refuseMalformedRequest(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = timeout ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail = timeout
    ? 'The request was not received in time.'
    : status === 431
      ? 'The request line or headers are too large.'
      : 'The request is not valid HTTP.';
  const body = JSON.stringify(problem(status, timeout ? 'request_timeout' : 'validation_failed', detail));
  const reason = timeout ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
