// The trial balance at the chosen times: the general ledger's control
// accounts, debit and credit, and their totals (which must be equal).
import { get, qs } from '../api';
import { h, table } from '../dom';
import type { View } from './context';

export const trialBalance: View = async (ctx) => {
  const tb = await get<{ asOf: string; knownAt: string; accounts: { account: string; debit: string; credit: string }[]; totals: { debit: string; credit: string } }>(
    `v1/reports/trial-balance${qs({ asOf: ctx.asOf, knownAt: ctx.knownAt, limit: '1' })}`,
  );
  const balanced = tb.totals.debit === tb.totals.credit;
  return h(
    'section',
    { 'aria-labelledby': 'tb-title' },
    h('h1', { id: 'tb-title' }, `Trial balance on ${tb.asOf}`),
    h('p', {}, `As known at ${tb.knownAt}. `, h('span', { class: balanced ? 'verdict-ok' : 'verdict-bad' }, balanced ? 'Debits equal credits.' : 'Debits and credits differ.')),
    table('Accounts', ['Account', 'Debit', 'Credit'], tb.accounts.map((a) => [a.account, a.debit, a.credit]), ['Total', tb.totals.debit, tb.totals.credit], { 'data-testid': 'trial-balance' }),
  );
};
