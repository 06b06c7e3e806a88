// Authorization of every Nest route (APP_GUARD). Authentication normally
// happened already in the onRequest hook (auth.hook.ts), before the body was
// parsed; the guard authenticates itself when that hook is absent (an app
// built without createApp), so the rule never depends on it.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { CsrfRefusedError, ForbiddenError, UnauthorizedError } from '../errors/api-errors';
import { Authenticator } from './authenticator';
import { ACCESS_METADATA } from './access.decorators';
import { UNDECLARED_ACCESS, describeAccess, isAllowed } from './roles';
import type { Access, Actor } from './roles';

/** What handlers see: `@CurrentActor()` or `request.actor`. */
export interface AuthenticatedRequest extends FastifyRequest {
  actor: Actor;
}

@Injectable()
export class AuthGuard implements CanActivate {
  /** Route access is fixed at boot: one reflection per handler, not per request. */
  private readonly accessByHandler = new WeakMap<object, Access>();

  constructor(@Inject(Authenticator) private readonly authenticator: Authenticator) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.accessOf(context);
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: Actor | null }>();
    let actor = request.actor;
    if (!actor) {
      const auth = this.authenticator.authenticate(request);
      if (auth !== undefined && 'csrf' in auth) throw new CsrfRefusedError();
      actor = auth?.actor;
    }
    if (!actor) throw new UnauthorizedError();
    request.actor = actor;
    if (!isAllowed(actor, access)) throw new ForbiddenError(`Actor ${actor.id} is not allowed here: ${describeAccess(access)}.`);
    return true;
  }

  private accessOf(context: ExecutionContext): Access {
    const handler = context.getHandler();
    let access = this.accessByHandler.get(handler);
    if (!access) {
      access =
        (Reflect.getMetadata(ACCESS_METADATA, handler) as Access | undefined) ??
        (Reflect.getMetadata(ACCESS_METADATA, context.getClass()) as Access | undefined) ??
        UNDECLARED_ACCESS;
      this.accessByHandler.set(handler, access);
    }
    return access;
  }
}
