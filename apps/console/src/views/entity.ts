// One entity on both axes of time. Every event is a point at its effective
// date (x, valid time) and the instant the ledger recorded it (y, system
// time): on the diagonal when it was recorded on the day it took effect,
// below-right of it when it was back-dated (recorded after the date it is
// effective from). The horizontal line is the chosen knownAt: the state beside
// the chart is what the ledger knew then, valid on asOf (the vertical line).
// The audit trail (actor, command, payload) is below.
import { get, qs } from '../api';
import { chart } from '../charts';
import { empty, h, into, table } from '../dom';
import { go } from '../route';
import type { View, ViewContext } from './context';

const KINDS = [
  ['policy', 'policies', 'policies'],
  ['claim', 'claims', 'claims'],
  ['fund', 'funds', 'funds'],
  ['member', 'members', 'members'],
] as const;

interface TrailEvent {
  commandId: string;
  type: string;
  effectiveDate: string;
  recordedAt: string;
  actor: string;
  payload: Record<string, unknown>;
}

/** Back-dated: effective on a day before the one it was recorded on. */
export function backDated(e: Pick<TrailEvent, 'effectiveDate' | 'recordedAt'>): boolean {
  return e.effectiveDate < e.recordedAt.slice(0, 10);
}

export const entity: View = async (ctx) => {
  const readable = KINDS.filter(([, , area]) => ctx.session.can.read.includes(area));
  const kind = ctx.route.params.get('kind') ?? readable[0]?.[0] ?? 'policy';
  const id = ctx.route.params.get('id') ?? '';
  const form = h(
    'form',
    { class: 'inline', 'aria-label': 'Entity' },
    h('label', {}, 'Kind', h('select', { name: 'kind' }, ...readable.map(([k]) => h('option', { value: k, selected: k === kind }, k)))),
    h('label', {}, 'Id', h('input', { name: 'id', value: id, required: true, autocomplete: 'off' })),
    h('button', { type: 'submit' }, 'Show entity'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const params = new URLSearchParams(ctx.route.params);
    params.set('kind', String(data.get('kind')));
    params.set('id', String(data.get('id')));
    go('entity', params);
  });
  const body = h('div', {});
  if (id) void into(body, `${kind} ${id}`, () => show(ctx, kind, id));
  else body.append(empty('Choose an entity: a policy, claim, fund or member id.'));
  return h('section', { 'aria-labelledby': 'entity-title' }, h('h1', { id: 'entity-title' }, id ? `${kind} ${id}` : 'Entity'), form, body);
};

async function show(ctx: ViewContext, kind: string, id: string): Promise<Node> {
  const plural = KINDS.find(([k]) => k === kind)?.[1] ?? 'policies';
  const state = await get<Record<string, unknown>>(`v1/${plural}/${encodeURIComponent(id)}${qs({ asOf: ctx.asOf, knownAt: ctx.knownAt })}`);
  const stateTable = table(
    `State valid on ${ctx.asOf}${ctx.knownAt ? `, as known at ${ctx.knownAt}` : ''}`,
    ['Field', 'Value'],
    Object.entries(state).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
    undefined,
    { 'data-testid': 'entity-state' },
  );
  if (!ctx.session.can.read.includes('audit')) {
    return h('div', {}, h('h2', {}, 'State'), stateTable, empty('The audit trail and its chart need the auditor role.'));
  }
  const trail = await get<{ events: TrailEvent[] }>(`v1/audit/entities/${kind}/${encodeURIComponent(id)}${qs({ knownAt: ctx.knownAt })}`);
  const events = trail.events;
  const points = events.map((e) => ({ value: [e.effectiveDate, e.recordedAt], name: e.type, itemStyle: { color: backDated(e) ? '#c0392b' : '#2d5a88' } }));
  const dates = events.flatMap((e) => [e.effectiveDate, e.recordedAt.slice(0, 10)]).sort();
  const markLines: Record<string, unknown>[] = [{ xAxis: ctx.asOf, name: 'asOf', label: { formatter: 'asOf' } }];
  if (ctx.knownAt) markLines.push({ yAxis: ctx.knownAt, name: 'knownAt', label: { formatter: 'knownAt' } });
  return h(
    'div',
    { class: 'entity' },
    h('h2', {}, 'Events on both axes of time'),
    events.length === 0
      ? empty('No event of this entity was known at that time.')
      : chart(
          `Each of the ${events.length} events at its effective date (x) and its recorded instant (y); back-dated events in red, off the diagonal`,
          {
            tooltip: { trigger: 'item', formatter: (p: { name: string; value: string[] }) => `${p.name}<br>effective ${p.value[0]}<br>recorded ${p.value[1]}` },
            xAxis: { type: 'time', name: 'Effective date (valid time)', min: dates[0], max: dates[dates.length - 1] },
            yAxis: { type: 'time', name: 'Recorded (system time)' },
            series: [
              { type: 'scatter', symbolSize: 12, data: points, markLine: { symbol: 'none', silent: true, data: markLines } },
              { type: 'line', name: 'recorded on the day it took effect', showSymbol: false, lineStyle: { type: 'dashed', color: '#999' }, data: [[dates[0], `${dates[0]}T00:00:00Z`], [dates[dates.length - 1], `${dates[dates.length - 1]}T23:59:59Z`]] },
            ],
          },
          'entity-chart',
        ),
    h('h2', {}, 'State'),
    stateTable,
    h('h2', {}, 'Audit trail'),
    h(
      'table',
      { 'data-testid': 'audit-trail' },
      h('caption', {}, 'Every event of the entity in record order'),
      h('thead', {}, h('tr', {}, ...['Recorded', 'Effective', 'Type', 'Actor', 'Command', 'Payload'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        ...events.map((e) =>
          h(
            'tr',
            { class: backDated(e) ? 'off-diagonal' : 'on-diagonal', 'data-type': e.type, 'data-effective': e.effectiveDate, 'data-recorded': e.recordedAt },
            h('th', { scope: 'row' }, e.recordedAt),
            h('td', {}, e.effectiveDate, backDated(e) ? h('span', { class: 'diff-mark' }, ' back-dated') : ''),
            h('td', {}, e.type),
            h('td', {}, e.actor),
            h('td', {}, h('code', {}, e.commandId)),
            h('td', {}, h('code', {}, JSON.stringify(e.payload))),
          ),
        ),
      ),
    ),
  );
}
