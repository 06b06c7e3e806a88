// Claims: the reserve roll-forward month by month (opening, new reserves,
// changes, paid, recoveries, closing) as a chart and a table, and the range's
// totals as the API reports them.
import { get, qs } from '../api';
import { chart, plot } from '../charts';
import { h, table } from '../dom';
import { months } from '../route';
import { monthRange, type View, type ViewContext } from './context';
import { rangeForm } from './premiums';

interface ClaimTotals {
  openingReserve: string;
  newReserves: string;
  reserveChanges: string;
  paid: string;
  recoveries: string;
  closingReserve: string;
  incurred: string;
}

const totals = async (ctx: ViewContext, from: string, to: string) =>
  (await get<{ totals: ClaimTotals }>(`v1/reports/claims${qs({ from, to, knownAt: ctx.knownAt, limit: '1' })}`)).totals;

const FIELDS: [keyof ClaimTotals, string][] = [
  ['openingReserve', 'Opening reserve'],
  ['newReserves', 'New reserves'],
  ['reserveChanges', 'Reserve changes'],
  ['paid', 'Paid'],
  ['recoveries', 'Recoveries'],
  ['closingReserve', 'Closing reserve'],
  ['incurred', 'Incurred'],
];

export const claims: View = async (ctx) => {
  const { from, to } = monthRange(ctx);
  const list = months(from, to);
  const [perMonth, range] = await Promise.all([Promise.all(list.map((m) => totals(ctx, m, m))), totals(ctx, from, to)]);
  return h(
    'section',
    { 'aria-labelledby': 'claims-title' },
    h('h1', { id: 'claims-title' }, `Claims reserves ${from} to ${to}`),
    rangeForm(ctx, from, to),
    chart(
      'Reserve roll-forward by month: new reserves, changes, payments and recoveries as bars, the closing reserve as a line',
      {
        legend: {},
        xAxis: { type: 'category', data: list },
        yAxis: { type: 'value' },
        series: [
          { name: 'New reserves', type: 'bar', stack: 'moves', data: perMonth.map((t) => plot(t.newReserves)) },
          { name: 'Reserve changes', type: 'bar', stack: 'moves', data: perMonth.map((t) => plot(t.reserveChanges)) },
          { name: 'Paid', type: 'bar', stack: 'moves', data: perMonth.map((t) => -plot(t.paid)) },
          { name: 'Recoveries', type: 'bar', data: perMonth.map((t) => plot(t.recoveries)) },
          { name: 'Closing reserve', type: 'line', data: perMonth.map((t) => plot(t.closingReserve)) },
        ],
      },
      'claims-chart',
    ),
    table(
      'Reserve roll-forward by month',
      ['Month', ...FIELDS.map(([, label]) => label)],
      perMonth.map((t, i) => [list[i], ...FIELDS.map(([k]) => t[k])]),
      [`${from} to ${to}`, ...FIELDS.map(([k]) => range[k])],
      { 'data-testid': 'claims-rollforward' },
    ),
  );
};
