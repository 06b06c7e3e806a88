// Funds: NAV per unit and units outstanding over the months, the funds report,
// and one member's holdings and statement.
import { get, qs } from '../api';
import { chart, plot } from '../charts';
import { empty, h, into, table } from '../dom';
import { monthEnd, months } from '../route';
import { monthRange, type View, type ViewContext } from './context';
import { rangeForm } from './premiums';

interface FundLine {
  fundId: string;
  currency: string;
  openingUnits: string;
  unitsIssued: string;
  unitsCancelled: string;
  closingUnits: string;
  navPerUnit: string;
  netAssets: string;
}
interface FundState {
  fundId: string;
  navPerUnit: string;
  unitsOutstanding: string;
  netAssets: string;
}

export const funds: View = async (ctx) => {
  const { from, to } = monthRange(ctx);
  const list = months(from, to);
  const section = h('section', { 'aria-labelledby': 'funds-title' }, h('h1', { id: 'funds-title' }, `Funds ${from} to ${to}`), rangeForm(ctx, from, to));
  let fundIds = (ctx.route.params.get('funds') ?? '').split(',').filter(Boolean);
  if (ctx.session.can.read.includes('reports')) {
    const report = await get<{ funds: FundLine[] }>(`v1/reports/funds${qs({ from, to, knownAt: ctx.knownAt })}`);
    if (fundIds.length === 0) fundIds = report.funds.map((f) => f.fundId);
    section.append(
      h('h2', {}, 'Funds report'),
      report.funds.length === 0
        ? empty('No fund dealt in these months.')
        : table(
            'Funds report',
            ['Fund', 'Currency', 'Opening units', 'Issued', 'Cancelled', 'Closing units', 'NAV per unit', 'Net assets'],
            report.funds.map((f) => [f.fundId, f.currency, f.openingUnits, f.unitsIssued, f.unitsCancelled, f.closingUnits, f.navPerUnit, f.netAssets]),
            undefined,
            { 'data-testid': 'funds-report' },
          ),
    );
  }
  if (fundIds.length > 0) {
    const series = await Promise.all(
      fundIds.slice(0, 8).map(async (id) => ({ id, states: await Promise.all(list.map((m) => get<FundState>(`v1/funds/${encodeURIComponent(id)}${qs({ asOf: monthEnd(m), knownAt: ctx.knownAt })}`).catch(() => null))) })),
    );
    section.append(
      h('h2', {}, 'NAV per unit and units outstanding at each month end'),
      chart(
        'NAV per unit of each fund at each month end (left axis) and its units outstanding (right axis)',
        {
          legend: {},
          xAxis: { type: 'category', data: list },
          yAxis: [
            { type: 'value', name: 'NAV', scale: true },
            { type: 'value', name: 'Units' },
          ],
          series: series.flatMap((s) => [
            { name: `${s.id} NAV`, type: 'line', data: s.states.map((st) => (st ? plot(st.navPerUnit) : null)) },
            { name: `${s.id} units`, type: 'bar', yAxisIndex: 1, data: s.states.map((st) => (st ? plot(st.unitsOutstanding) : null)) },
          ]),
        },
        'nav-chart',
      ),
      table(
        'NAV per unit at each month end',
        ['Month', ...series.map((s) => s.id)],
        list.map((m, i) => [m, ...series.map((s) => s.states[i]?.navPerUnit ?? '–')]),
      ),
    );
  }
  section.append(memberPanel(ctx, from, to));
  return section;
};

function memberPanel(ctx: ViewContext, from: string, to: string): HTMLElement {
  const out = h('div', {});
  const form = h(
    'form',
    { class: 'inline', 'aria-label': 'Member' },
    h('label', {}, 'Member id', h('input', { name: 'member', value: ctx.route.params.get('member') ?? '', required: true, autocomplete: 'off' })),
    h('button', { type: 'submit' }, 'Show member'),
  );
  const show = (memberId: string) =>
    into(out, `member ${memberId}`, async () => {
      const id = encodeURIComponent(memberId);
      const [member, statement] = await Promise.all([
        get<{ holdings: { fundId: string; units: string; navPerUnit: string; value: string }[]; totalValue: string }>(`v1/members/${id}${qs({ asOf: ctx.asOf, knownAt: ctx.knownAt })}`),
        get<{ funds: Record<string, unknown>[] }>(`v1/members/${id}/statement${qs({ from: `${from}-01`, to: monthEnd(to), knownAt: ctx.knownAt })}`),
      ]);
      return h(
        'div',
        {},
        h('h2', {}, `Member ${memberId}: holdings on ${ctx.asOf}`),
        table('Holdings', ['Fund', 'Units', 'NAV per unit', 'Value'], member.holdings.map((x) => [x.fundId, x.units, x.navPerUnit, x.value]), ['Total', '', '', member.totalValue], { 'data-testid': 'member-holdings' }),
        h('h2', {}, `Statement ${from} to ${to}`),
        table(
          'Statement by fund',
          ['Fund', 'Opening value', 'Contributions', 'Fees', 'Investment return', 'Closing units', 'Closing value'],
          statement.funds.map((f) => [String(f.fundId), String(f.openingValue), String(f.contributions), String(f.fees), String(f.investmentReturn), String(f.closingUnits), String(f.closingValue)]),
        ),
      );
    });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show(String(new FormData(form).get('member')));
  });
  const initial = ctx.route.params.get('member');
  if (initial) void show(initial);
  return h('div', {}, h('h2', {}, 'A member'), form, out);
}
