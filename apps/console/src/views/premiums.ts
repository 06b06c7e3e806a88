// Premiums: written, earned and unearned by month, booked beside restated
// (the difference marked where a back-dated change moved a closed month's
// figures into the first open month), the totals of the whole range as the
// API reports them, the policy lines a page at a time, and a CSV export.
import { csv, get, qs } from '../api';
import { chart, plot } from '../charts';
import { empty, h, into, table } from '../dom';
import { months } from '../route';
import { monthRange, type View, type ViewContext } from './context';

interface PremiumTotals {
  written: string;
  earned: string;
  openingUnearned: string;
  closingUnearned: string;
}
interface PremiumReport {
  totals: PremiumTotals;
  policies: Record<string, unknown>[];
  nextCursor?: string;
}

const report = (ctx: ViewContext, from: string, to: string, basis: string, extra: Record<string, string | undefined> = {}) =>
  get<PremiumReport>(`v1/reports/premiums${qs({ from, to, basis, knownAt: ctx.knownAt, ...extra })}`);

export const premiums: View = async (ctx) => {
  const { from, to } = monthRange(ctx);
  const list = months(from, to);
  const readsPeriods = ctx.session.can.read.includes('periods');
  const perMonth = await Promise.all(
    list.map(async (m) => {
      const [booked, restated, period] = await Promise.all([
        report(ctx, m, m, 'booked', { limit: '1' }),
        report(ctx, m, m, 'restated', { limit: '1' }),
        readsPeriods ? get<{ status: string }>(`v1/periods/${m}${qs({ knownAt: ctx.knownAt })}`) : Promise.resolve({ status: '' }),
      ]);
      return { month: m, booked: booked.totals, restated: restated.totals, status: period.status };
    }),
  );
  const [booked, restated] = await Promise.all([report(ctx, from, to, 'booked', { limit: '1' }), report(ctx, from, to, 'restated', { limit: '1' })]);

  const rows = perMonth.map((r) => {
    const differs = r.booked.written !== r.restated.written || r.booked.earned !== r.restated.earned || r.booked.closingUnearned !== r.restated.closingUnearned;
    return { ...r, differs };
  });
  const monthTable = h(
    'table',
    { 'data-testid': 'premium-months' },
    h('caption', {}, 'By month: booked (as the books were closed) beside restated (as every change says it should be)'),
    h(
      'thead',
      {},
      h('tr', {}, ...['Month', 'Status', 'Written', 'Earned', 'Unearned', 'Restated written', 'Restated earned', 'Restated unearned', 'Difference'].map((c) => h('th', { scope: 'col' }, c))),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          { class: r.differs ? 'diff' : undefined, 'data-month': r.month, 'data-differs': r.differs ? 'yes' : 'no' },
          h('th', { scope: 'row' }, r.month),
          h('td', {}, r.status || '–'),
          h('td', {}, r.booked.written),
          h('td', {}, r.booked.earned),
          h('td', {}, r.booked.closingUnearned),
          h('td', {}, r.restated.written),
          h('td', {}, r.restated.earned),
          h('td', {}, r.restated.closingUnearned),
          h('td', {}, r.differs ? h('span', { class: 'diff-mark', title: 'Booked differs from restated' }, '≠ differs') : ''),
        ),
      ),
    ),
  );
  const totalsTable = (name: string, t: PremiumTotals) =>
    table(`Totals ${from} to ${to}, ${name}`, ['Basis', 'Written', 'Earned', 'Opening unearned', 'Closing unearned'], [[name, t.written, t.earned, t.openingUnearned, t.closingUnearned]], undefined, {
      'data-testid': `premium-totals-${name}`,
    });

  const lines = h('div', {});
  const showLines = (cursor?: string) =>
    into(lines, 'policy lines', async () => {
      const page = await report(ctx, from, to, 'booked', { limit: '25', cursor });
      if (page.policies.length === 0) return empty('No policy has premium in these months.');
      const keys = Object.keys(page.policies[0]).filter((k) => typeof page.policies[0][k] !== 'object');
      return h(
        'div',
        {},
        table('Policy lines (booked)', keys, page.policies.map((p) => keys.map((k) => String(p[k] ?? '')))),
        page.nextCursor ? h('button', { type: 'button', onclick: () => void showLines(page.nextCursor) }, 'Next page') : h('p', { class: 'empty' }, 'Last page.'),
      );
    });
  void showLines();

  const exportCsv = async () => {
    const blob = await csv(`v1/reports/premiums${qs({ from, to, basis: 'booked', knownAt: ctx.knownAt })}`);
    const a = h('a', { href: URL.createObjectURL(blob), download: `premiums-${from}-${to}.csv` });
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return h(
    'section',
    { 'aria-labelledby': 'premiums-title' },
    h('h1', { id: 'premiums-title' }, `Premiums ${from} to ${to}`),
    rangeForm(ctx, from, to),
    chart(
      'Written and earned premium by month (booked), and unearned premium at each month end',
      {
        legend: {},
        xAxis: { type: 'category', data: list },
        yAxis: { type: 'value' },
        series: [
          { name: 'Written', type: 'bar', data: rows.map((r) => plot(r.booked.written)) },
          { name: 'Earned', type: 'bar', data: rows.map((r) => plot(r.booked.earned)) },
          { name: 'Unearned', type: 'line', data: rows.map((r) => plot(r.booked.closingUnearned)) },
        ],
      },
      'premium-chart',
    ),
    monthTable,
    h('h2', {}, 'Totals'),
    totalsTable('booked', booked.totals),
    totalsTable('restated', restated.totals),
    h('h2', {}, 'Policies'),
    h('button', { type: 'button', onclick: () => void exportCsv() }, 'Export CSV'),
    lines,
  );
};

/** The from/to months of a report view. */
export function rangeForm(ctx: ViewContext, from: string, to: string): HTMLFormElement {
  const form = h(
    'form',
    { class: 'inline', 'aria-label': 'Months' },
    h('label', {}, 'From month', h('input', { type: 'month', name: 'from', value: from, required: true })),
    h('label', {}, 'To month', h('input', { type: 'month', name: 'to', value: to, required: true })),
    h('button', { type: 'submit' }, 'Show months'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const params = new URLSearchParams(ctx.route.params);
    params.set('from', String(data.get('from')));
    params.set('to', String(data.get('to')));
    location.hash = `#/${ctx.route.view}?${params}`;
  });
  return form;
}
