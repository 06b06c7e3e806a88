// The console's shell: sign-in, the views a session's roles allow, the two
// time pickers (valid date and system time, kept in the URL) and sign-out.
// Every figure on every view comes from the API's answers as they are.
import { Problem, currentSession, signIn, signOut, type SessionView } from './api';
import { disposeCharts } from './charts';
import { failure, h } from './dom';
import { current, href, times } from './route';
import { audits } from './views/audits';
import { claims } from './views/claims';
import type { View } from './views/context';
import { entity } from './views/entity';
import { funds } from './views/funds';
import { periods } from './views/periods';
import { premiums } from './views/premiums';
import { trialBalance } from './views/trial-balance';

interface ViewEntry {
  id: string;
  label: string;
  view: View;
  allowed: (s: SessionView) => boolean;
}

const reads = (area: string) => (s: SessionView) => s.can.read.includes(area);
const VIEWS: ViewEntry[] = [
  { id: 'premiums', label: 'Premiums', view: premiums, allowed: reads('reports') },
  { id: 'claims', label: 'Claims', view: claims, allowed: reads('reports') },
  { id: 'funds', label: 'Funds', view: funds, allowed: (s) => reads('funds')(s) },
  { id: 'trial-balance', label: 'Trial balance', view: trialBalance, allowed: reads('reports') },
  { id: 'entity', label: 'Entity', view: entity, allowed: (s) => ['policies', 'claims', 'funds', 'members'].some((a) => s.can.read.includes(a)) },
  { id: 'periods', label: 'Periods', view: periods, allowed: reads('periods') },
  { id: 'audits', label: 'Audits', view: audits, allowed: (s) => s.can.replayAudits },
];

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const timesForm = document.getElementById('times') as HTMLFormElement;
const asOfInput = document.getElementById('asOf') as HTMLInputElement;
const knownAtInput = document.getElementById('knownAt') as HTMLInputElement;

let session: SessionView | null = null;
let drawing = 0;

async function draw(): Promise<void> {
  const turn = ++drawing;
  disposeCharts();
  if (!session) return showSignIn();
  const route = current();
  const allowed = VIEWS.filter((v) => v.allowed(session as SessionView));
  const entry = allowed.find((v) => v.id === route.view) ?? allowed[0];
  const { asOf, knownAt } = times(route);
  asOfInput.value = asOf;
  knownAtInput.value = knownAt ?? '';
  timesForm.hidden = false;
  nav.replaceChildren(...allowed.map((v) => h('a', { href: href(v.id, keepTimes(route.params)), 'aria-current': v === entry ? 'page' : undefined }, v.label)));
  who.replaceChildren(h('span', {}, `${session.actor} (${session.roles.join(', ')})`), h('button', { type: 'button', onclick: () => void doSignOut(), 'data-testid': 'sign-out' }, 'Sign out'));
  if (!entry) {
    main.replaceChildren(h('p', { class: 'empty' }, 'Your roles open no view of this console.'));
    return;
  }
  document.title = `${entry.label} · Ledger console`;
  main.replaceChildren(h('p', { class: 'loading', role: 'status' }, `Loading ${entry.label.toLowerCase()}…`));
  try {
    const node = await entry.view({ route: { ...route, view: entry.id }, session, asOf, knownAt, refresh: () => void draw() });
    if (turn === drawing) main.replaceChildren(node);
  } catch (e) {
    if (e instanceof Problem && e.status === 401) {
      session = null;
      return showSignIn('Your session ended; sign in again.');
    }
    if (turn === drawing) main.replaceChildren(failure(e));
  }
}

/** asOf and knownAt of the current route, for links to other views. */
function keepTimes(params: URLSearchParams): Record<string, string | undefined> {
  return { asOf: params.get('asOf') ?? undefined, knownAt: params.get('knownAt') ?? undefined };
}

function showSignIn(message?: string): void {
  timesForm.hidden = true;
  nav.replaceChildren();
  who.replaceChildren();
  const error = h('div', { role: 'alert' });
  if (message) error.append(h('p', { class: 'error' }, message));
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('label', {}, 'Bearer token', h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true, 'data-testid': 'token' })),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = form.elements.namedItem('token') as HTMLInputElement;
    try {
      session = await signIn(input.value);
      input.value = '';
      await draw();
    } catch (err) {
      error.replaceChildren(failure(err));
    }
  });
  main.replaceChildren(form);
  (form.elements.namedItem('token') as HTMLInputElement).focus();
}

async function doSignOut(): Promise<void> {
  try {
    await signOut();
  } catch (e) {
    if (!(e instanceof Problem && e.status === 401)) {
      main.replaceChildren(failure(e));
      return;
    }
  }
  session = null;
  showSignIn('Signed out.');
}

timesForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const route = current();
  const params = new URLSearchParams(route.params);
  params.set('asOf', asOfInput.value);
  if (knownAtInput.value) params.set('knownAt', knownAtInput.value);
  else params.delete('knownAt');
  location.hash = href(route.view === 'home' ? (VIEWS.find((v) => session && v.allowed(session))?.id ?? 'home') : route.view, params);
});

window.addEventListener('hashchange', () => void draw());

void (async () => {
  try {
    session = await currentSession();
  } catch (e) {
    main.replaceChildren(failure(e));
    return;
  }
  await draw();
})();
