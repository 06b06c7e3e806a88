// The one exception filter: every error leaves as application/problem+json.
// Registered as APP_FILTER, so it also answers Nest's 404 handler and the
// errors Fastify raises before a route runs (bad JSON, body too large).
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { PROBLEM_CONTENT_TYPE, isLogDown, problem, toProblem } from './problem';
import type { Problem } from './problem';

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = request?.is404 ? routeNotFound(request) : toProblem(exception);
    this.log(body, exception, request);
    if (reply.sent) return;
    sendProblem(reply, body);
  }

  /** 5xx only; the body has a generic detail, the log has the cause. Never headers (tokens). */
  private log(body: Problem, exception: unknown, request: FastifyRequest | undefined): void {
    if (body.status < 500) return;
    const where = request ? `${request.method} ${request.routeOptions?.url ?? '?'}` : '?';
    if (isLogDown(exception)) {
      this.logger.error(`${where}: log unavailable (${(exception as { code: string }).code})`);
    } else if (body.code === 'internal_error') {
      const e = exception as Error | undefined;
      this.logger.error(`${where}: ${e?.name ?? 'Error'}: ${e?.message ?? String(exception)}`, e?.stack);
    }
  }
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="ledger"');
  return reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Names the method and path (never the query string: it could carry anything). */
function routeNotFound(request: FastifyRequest): Problem {
  const path = request.url.split('?', 1)[0];
  return problem(404, 'not_found', `No route ${request.method} ${path.slice(0, 200)}.`);
}
