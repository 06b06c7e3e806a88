// The Set-Cookie header of a console session: HttpOnly (no script reads it),
// SameSite=Strict (no other site's request carries it), Path=/ (the console
// and the API share it), Secure when the request came over TLS (directly, or
// through a proxy that says so: trusting X-Forwarded-Proto here can only add
// Secure, never take it away).
import type { FastifyRequest } from 'fastify';

import { SESSION_COOKIE } from '../auth/sessions';

export function sessionCookie(request: FastifyRequest, id: string, maxAgeS: number): string {
  const secure = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
  return `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeS))}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The header that makes the browser drop the cookie. */
export function clearedSessionCookie(request: FastifyRequest): string {
  return sessionCookie(request, '', 0);
}
