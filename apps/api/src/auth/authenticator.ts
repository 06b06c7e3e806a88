// Who is calling, from a request's headers: a bearer token (API clients), or
// the console's session cookie (auth/sessions.ts). The onRequest hook and the
// guard both ask this one place, so the two ways in can never disagree.
//
// A request with a session cookie that could change something (any method but
// GET, HEAD, OPTIONS) must also prove it comes from the console's own page:
//   - its Origin, when the browser sends one, is this server's;
//   - Sec-Fetch-Site, when sent, is same-origin;
//   - X-CSRF-Token equals the session's token, which only the page that signed
//     in holds (it is in the sign-in answer, never in a cookie).
// SameSite=Strict already keeps the cookie off other sites' requests; these
// checks hold even for a browser that ignores SameSite. A bearer token needs
// none of this: no browser attaches it by itself.
import type { IncomingHttpHeaders } from 'node:http';

import type { Actor } from './roles';
import { SESSION_COOKIE, SessionStore, cookieValue, csrfMatches, type Session } from './sessions';
import type { TokenRegistry } from './tokens';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export type Authentication =
  | { readonly actor: Actor; readonly session?: Session }
  /** A session cookie on a state-changing request that failed the CSRF checks. */
  | { readonly csrf: 'refused' }
  | undefined;

export interface RequestHead {
  method: string;
  headers: IncomingHttpHeaders;
  /** 'http' or 'https', as the server saw the connection. */
  protocol: string;
}

export class Authenticator {
  constructor(
    readonly tokens: TokenRegistry,
    readonly sessions: SessionStore = new SessionStore(),
  ) {}

  authenticate(request: RequestHead): Authentication {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const actor = this.tokens.authenticate(header);
      return actor ? { actor } : undefined;
    }
    const session = this.sessions.get(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (!session) return undefined;
    if (!SAFE_METHODS.has(request.method) && !(fromOwnOrigin(request) && csrfMatches(request.headers['x-csrf-token'], session))) return { csrf: 'refused' };
    return { actor: session.actor, session };
  }
}

/** False when the browser says the request comes from another origin (Origin, Sec-Fetch-Site); true when it says nothing. */
export function fromOwnOrigin(request: RequestHead): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host === undefined) return false;
  const forwarded = request.headers['x-forwarded-proto'];
  return origin === `${request.protocol}://${host}` || origin === `${forwarded === 'https' ? 'https' : request.protocol}://${host}`;
}
