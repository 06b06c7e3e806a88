import { Controller, Delete, HttpCode, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { Authenticated } from '../../auth/access.decorators';
import type { AuthenticatedRequest } from '../../auth/auth.guard';
import { Authenticator } from '../../auth/authenticator';
import { SESSION_COOKIE, cookieValue } from '../../auth/sessions';
import { clearedSessionCookie } from '../session-cookie';

@Controller()
export class SignOutController {
  constructor(@Inject(Authenticator) private readonly authenticator: Authenticator) {}

  /** Ends the session of the cookie (its id stops working at once) and clears the cookie. Needs the CSRF token, like every change. */
  @Delete('console/session')
  @HttpCode(204)
  @Authenticated()
  signOut(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply): void {
    this.authenticator.sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
    res.header('set-cookie', clearedSessionCookie(req));
    res.header('cache-control', 'no-store');
  }
}
