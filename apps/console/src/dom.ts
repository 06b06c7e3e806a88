// A few DOM helpers: elements from data (text is always text, never HTML),
// tables, and the states every view shows (loading, empty, error).
import { Problem } from './api';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A table: a caption, head cells, body rows (cells are text or nodes), an optional foot row. */
export function table(caption: string, head: string[], rows: Child[][], foot?: Child[], attrs: Attrs = {}): HTMLTableElement {
  return h(
    'table',
    attrs,
    h('caption', { class: 'sr-caption' }, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))),
    foot ? h('tfoot', {}, h('tr', {}, ...foot.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))) : null,
  );
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

export function empty(what: string): HTMLElement {
  return h('p', { class: 'empty' }, what);
}

/** What went wrong, in the API's words (its problem detail and code). */
export function failure(e: unknown): HTMLElement {
  const detail = e instanceof Problem ? `${e.detail} (${e.status} ${e.code})` : e instanceof Error ? e.message : String(e);
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Could not load this view: '), detail);
}

/** Runs a view's loader into `target`, with a loading state first and the failure shown in place. */
export async function into(target: HTMLElement, what: string, load: () => Promise<Node>): Promise<void> {
  target.replaceChildren(loading(what));
  try {
    target.replaceChildren(await load());
  } catch (e) {
    target.replaceChildren(failure(e));
  }
}
