import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { Public } from '../../auth/access.decorators';
import { Authenticator, fromOwnOrigin } from '../../auth/authenticator';
import { CsrfRefusedError, UnauthorizedError } from '../../errors/api-errors';
import { parseBody } from '../../http/validation';
import { sessionCookie } from '../session-cookie';
import { SessionViews, type SessionView } from '../session-view';

export const SignInBodySchema = z.strictObject({ token: z.string().min(1).max(1024) });

@Controller()
export class SignInController {
  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(SessionViews) private readonly views: SessionViews,
  ) {}

  /**
   * The console's sign-in: a bearer token in the body (never in a URL, never
   * stored by the page) for a session cookie and the session's CSRF token.
   * Refused from another origin, so no other site can sign a browser in as
   * someone else.
   */
  @Post('console/session')
  @HttpCode(201)
  @Public()
  signIn(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): SessionView {
    if (!fromOwnOrigin(req)) throw new CsrfRefusedError('A sign-in must come from the console itself.');
    const { token } = parseBody(SignInBodySchema, body);
    const actor = this.authenticator.tokens.actorOf(token);
    if (!actor) throw new UnauthorizedError('The token is not valid.');
    const { id, session } = this.authenticator.sessions.create(actor, token);
    res.header('set-cookie', sessionCookie(req, id, (session.expiresAtMs - session.signedInAtMs) / 1000));
    res.header('cache-control', 'no-store');
    return this.views.of(actor, session);
  }
}
