import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { Public } from '../../auth/access.decorators';
import { Authenticator } from '../../auth/authenticator';
import { SessionViews, type SessionView } from '../session-view';

@Controller()
export class GetSessionController {
  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(SessionViews) private readonly views: SessionViews,
  ) {}

  /**
   * Who is signed in: the console asks on every load (a reload keeps the
   * session and learns its CSRF token again). Public, so that "nobody" is an
   * answer (signedIn: false) rather than an error the browser logs; it tells
   * an anonymous caller nothing but that.
   */
  @Get('console/session')
  @Public()
  @Header('cache-control', 'no-store')
  get(@Req() req: FastifyRequest): SessionView | { signedIn: false } {
    const auth = this.authenticator.authenticate(req);
    if (auth === undefined || 'csrf' in auth) return { signedIn: false };
    return this.views.of(auth.actor, auth.session);
  }
}
