// Audits: start a replay audit (it runs on the server, off the request path),
// watch its progress, and read its verdict: the state hash of a replay of the
// log against the read model's.
import { get, post } from '../api';
import { failure, h } from '../dom';
import type { View } from './context';

interface Audit {
  auditId: string;
  status: 'running' | 'done' | 'failed';
  progress?: { phase: string; done: number; total: number };
  result?: { match: boolean; stateHash: string; liveStateHash: string; storedStateHash: string; recordsReplayed: number; eventsReplayed: number; durationMs: number; firstDivergence?: unknown };
  error?: { code: string; detail: string };
}

const POLL_MS = 500;

export const audits: View = async (ctx) => {
  const out = h('div', { 'aria-live': 'polite' });
  const start = async () => {
    button.disabled = true;
    try {
      let audit = await post<Audit>('v1/audits/replay', {});
      while (audit.status === 'running') {
        out.replaceChildren(progressOf(audit));
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (!out.isConnected) return;
        audit = await get<Audit>(`v1/audits/${audit.auditId}`);
      }
      out.replaceChildren(resultOf(audit));
    } catch (e) {
      out.replaceChildren(failure(e));
    } finally {
      button.disabled = false;
    }
  };
  const button = h('button', { type: 'button', class: 'primary', onclick: () => void start() }, 'Start replay audit');
  return h(
    'section',
    { 'aria-labelledby': 'audits-title' },
    h('h1', { id: 'audits-title' }, 'Replay audit'),
    h('p', {}, 'Replays the whole log and compares the state it implies with what the read model serves. It runs on the server while the ledger goes on working.'),
    ctx.session.can.replayAudits ? button : h('p', { class: 'empty' }, 'Starting an audit needs the auditor role.'),
    out,
  );
};

function progressOf(audit: Audit): HTMLElement {
  const p = audit.progress ?? { phase: 'starting', done: 0, total: 0 };
  return h(
    'div',
    { 'data-testid': 'audit-progress' },
    h('label', {}, `Audit ${audit.auditId}: ${p.phase}, ${p.done} of ${p.total || '?'} `, h('progress', { max: String(Math.max(1, p.total)), value: String(p.done) })),
  );
}

function resultOf(audit: Audit): HTMLElement {
  if (audit.status === 'failed' || !audit.result) return h('div', { class: 'error', role: 'alert' }, `Audit ${audit.auditId} failed: ${audit.error?.detail ?? 'no result'} (${audit.error?.code ?? ''})`);
  const r = audit.result;
  return h(
    'div',
    { 'data-testid': 'audit-result' },
    h('p', { class: r.match ? 'verdict-ok' : 'verdict-bad', 'data-testid': 'audit-verdict' }, r.match ? 'Match: the read model is what the log says.' : 'MISMATCH: the read model differs from the log.'),
    h(
      'dl',
      {},
      ...[
        ['Audit', audit.auditId],
        ['State hash (replay)', r.stateHash],
        ['State hash (read model)', r.liveStateHash],
        ['State hash (stored while writing)', r.storedStateHash],
        ['Records replayed', String(r.recordsReplayed)],
        ['Events replayed', String(r.eventsReplayed)],
        ['Took', `${r.durationMs} ms`],
      ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, h('code', {}, v))]),
    ),
  );
}
