// Browser sessions of the console. A person signs in once with a bearer
// token; the server answers with a session cookie (HttpOnly, so no script can
// read it; SameSite=Strict, so no other site's page sends it) and a CSRF
// token the page keeps in memory and sends back in `X-CSRF-Token` on every
// state-changing request. The bearer token itself never reaches the browser's
// storage.
//
// Sessions live in memory, bounded: at most SESSIONS_MAX (the oldest signed-in
// is ended first past that), each ending after SESSION_IDLE_MS without a
// request or SESSION_ABSOLUTE_MS after sign-in, whichever comes first. A
// restart ends every session (the person signs in again); nothing about a
// session is ever written to the log. Like tokens, a session id is looked up by
// its SHA-256 digest, so no id is kept in memory in the clear.
import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { Actor } from './roles';
import { digest } from './tokens';

export const SESSION_COOKIE = 'ledger_session';
export const SESSIONS_MAX = 10_000;
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 8 * 60 * 60 * 1000;
/** Random bytes in a session id and in a CSRF token (256 bits each). */
const SECRET_BYTES = 32;
const SESSION_ID_TEXT = /^[A-Za-z0-9_-]{43}$/;

export interface Session {
  readonly actor: Actor;
  /**
   * The bearer token the person signed in with, in memory only: a follower
   * node passes a console's command to the leader with it (the leader knows
   * no session of another node). Never logged, never sent to the browser.
   */
  readonly bearer: string;
  readonly csrfToken: string;
  readonly signedInAtMs: number;
  readonly expiresAtMs: number;
  idleUntilMs: number;
}

export class SessionStore {
  /** By digest of the id, oldest sign-in first (a Map keeps insertion order). */
  private readonly byDigest = new Map<string, Session>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limits = { sessionsMax: SESSIONS_MAX, idleMs: SESSION_IDLE_MS, absoluteMs: SESSION_ABSOLUTE_MS },
  ) {
    if (!(limits.sessionsMax >= 1 && limits.idleMs > 0 && limits.absoluteMs >= limits.idleMs)) throw new Error(`bad session limits ${JSON.stringify(limits)}`);
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** A new session for `actor`: its id (for the cookie only) and the session. */
  create(actor: Actor, bearer: string): { id: string; session: Session } {
    while (this.byDigest.size >= this.limits.sessionsMax) this.byDigest.delete(this.byDigest.keys().next().value as string);
    const id = randomBytes(SECRET_BYTES).toString('base64url');
    const at = this.now();
    const session: Session = {
      actor,
      bearer,
      csrfToken: randomBytes(SECRET_BYTES).toString('base64url'),
      signedInAtMs: at,
      expiresAtMs: at + this.limits.absoluteMs,
      idleUntilMs: at + this.limits.idleMs,
    };
    this.byDigest.set(digest(id), session);
    return { id, session };
  }

  /** The live session of a cookie's id (its idle clock restarted), or undefined; an expired one is ended. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || !SESSION_ID_TEXT.test(id)) return undefined;
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (!session) return undefined;
    const at = this.now();
    if (at >= session.idleUntilMs || at >= session.expiresAtMs) {
      this.byDigest.delete(key);
      return undefined;
    }
    session.idleUntilMs = Math.min(at + this.limits.idleMs, session.expiresAtMs);
    return session;
  }

  /** Ends a session (sign-out); true when there was one. */
  end(id: string | undefined): boolean {
    if (id === undefined || !SESSION_ID_TEXT.test(id)) return false;
    return this.byDigest.delete(digest(id));
  }
}

/** The value of one cookie in a `Cookie` header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Constant-time comparison of a sent CSRF token with the session's. */
export function csrfMatches(sent: string | string[] | undefined, session: Session): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
