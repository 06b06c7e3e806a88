// The console's only way to the ledger: the REST API, same origin, with the
// session cookie (the browser sends it; no script can read it) and, on every
// request that changes something, the session's CSRF token, which lives in
// this module's memory only. Every answer that is not a success becomes a
// Problem carrying the API's own code and detail, so a view can say what
// happened.
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface SessionView {
  signedIn: true;
  actor: string;
  roles: string[];
  csrfToken?: string;
  expiresAt?: string;
  can: { read: string[]; closePeriods: boolean; replayAudits: boolean };
}

let csrfToken: string | undefined;

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { code?: string; detail?: string; title?: string };
    return new Problem(res.status, body.code ?? 'http_error', body.detail ?? body.title ?? res.statusText);
  } catch {
    return new Problem(res.status, 'http_error', `${res.status} ${res.statusText}`);
  }
}

async function call<T>(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new Problem(0, 'network_error', `The server could not be reached (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function get<T>(path: string): Promise<T> {
  return (await (await call('GET', path)).json()) as T;
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await call('POST', path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A report's lines as CSV (the API streams them when asked with Accept: text/csv). */
export async function csv(path: string): Promise<Blob> {
  return (await call('GET', path, undefined, 'text/csv')).blob();
}

export async function signIn(token: string): Promise<SessionView> {
  const view = await post<SessionView>('console/session', { token });
  csrfToken = view.csrfToken;
  return view;
}

/** The session of the cookie, or null when there is none (signed out, expired, restarted server). */
export async function currentSession(): Promise<SessionView | null> {
  const view = await get<SessionView | { signedIn: false }>('console/session');
  if (!view.signedIn) return null;
  csrfToken = view.csrfToken;
  return view;
}

export async function signOut(): Promise<void> {
  await call('DELETE', 'console/session');
  csrfToken = undefined;
}

/** A fresh 128-bit command id (32 hex digits) from the browser's CSPRNG. */
export function commandId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A query string of the defined values. */
export function qs(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
