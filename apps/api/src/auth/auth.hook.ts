// Authentication before the body is read, so an anonymous client cannot make
// the server parse 8 MiB of JSON. Added per route (onRoute) rather than as a
// global onRequest hook: no per-request "is this route public?" test, and
// unknown routes go straight to the 404 handler. @Public() routes carry a
// route-config flag, as Nest's route metadata is not visible to Fastify.
import type { FastifyInstance, onRequestHookHandler } from 'fastify';

import { CsrfRefusedError, UnauthorizedError } from '../errors/api-errors';
import { toProblem } from '../errors/problem';
import { sendProblem } from '../errors/problem.filter';
import { PUBLIC_ROUTE_CONFIG } from './access.decorators';
import type { Authenticator } from './authenticator';

const UNAUTHORIZED = toProblem(new UnauthorizedError());
const CSRF_REFUSED = toProblem(new CsrfRefusedError());

export function installAuthHook(fastify: FastifyInstance, authenticator: Authenticator): void {
  fastify.decorateRequest('actor', null); // a stable request shape for V8
  fastify.decorateRequest('session', null);
  const authenticate: onRequestHookHandler = (request, reply, done) => {
    const auth = authenticator.authenticate(request);
    if (auth === undefined) {
      sendProblem(reply, UNAUTHORIZED);
      return;
    }
    if ('csrf' in auth) {
      sendProblem(reply, CSRF_REFUSED);
      return;
    }
    (request as unknown as { actor: unknown }).actor = auth.actor;
    if (auth.session) (request as unknown as { session: unknown }).session = auth.session;
    done();
  };
  fastify.addHook('onRoute', (route) => {
    if ((route.config as Record<string, unknown> | undefined)?.[PUBLIC_ROUTE_CONFIG] === true) return;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [authenticate, ...own];
  });
}
