// Where the console is: `#/<view>?asOf=YYYY-MM-DD&knownAt=<instant>&...`.
// Both times live in the URL, so any view can be bookmarked and shared as it
// is; an absent knownAt means "now" and an absent asOf means today (UTC).
export interface Route {
  view: string;
  params: URLSearchParams;
}

export function current(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  return { view: (q < 0 ? hash : hash.slice(0, q)) || 'home', params: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
}

export function href(view: string, params: URLSearchParams | Record<string, string | undefined>): string {
  const p = params instanceof URLSearchParams ? new URLSearchParams(params) : new URLSearchParams();
  if (!(params instanceof URLSearchParams)) for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  for (const [k, v] of [...p.entries()]) if (!v) p.delete(k);
  const text = p.toString();
  return `#/${view}${text ? `?${text}` : ''}`;
}

export function go(view: string, params: URLSearchParams | Record<string, string | undefined>): void {
  location.hash = href(view, params);
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The two times of the current route: asOf (a date) and knownAt (an instant, or undefined for now). */
export function times(route: Route): { asOf: string; knownAt: string | undefined } {
  return { asOf: route.params.get('asOf') || today(), knownAt: route.params.get('knownAt') || undefined };
}

/** The months from `from` to `to` (YYYY-MM), at most 36. */
export function months(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  while ((y < ty || (y === ty && m <= tm)) && out.length < 36) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** The last day of a month (YYYY-MM-DD). */
export function monthEnd(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}
