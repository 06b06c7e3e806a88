// Periods: each month of asOf's year, open or closed; a finance actor closes
// one after confirming (the close seals that month and every earlier open
// one, and posts the earned-premium true-up).
import { commandId, get, post, qs } from '../api';
import { failure, h, table } from '../dom';
import { months } from '../route';
import type { View } from './context';

export const periods: View = async (ctx) => {
  const year = ctx.asOf.slice(0, 4);
  const list = months(`${year}-01`, `${year}-12`);
  const states = await Promise.all(list.map((m) => get<{ period: string; status: string; closedAt?: string }>(`v1/periods/${m}${qs({ knownAt: ctx.knownAt })}`)));
  const status = h('div', { role: 'status' });
  const dialog = h('dialog', { 'aria-labelledby': 'close-title' });
  const ask = (month: string) => {
    dialog.replaceChildren(
      h('h2', { id: 'close-title' }, `Close ${month}?`),
      h('p', {}, `Closing ${month} also closes every earlier open month. Later changes dated in it book into the first open month. This cannot be undone.`),
      h(
        'form',
        { method: 'dialog', class: 'inline' },
        h('button', { value: 'cancel', type: 'submit' }, 'Cancel'),
        h('button', { value: 'close', type: 'submit', class: 'primary', 'data-testid': 'confirm-close' }, `Close ${month}`),
      ),
    );
    dialog.onclose = async () => {
      if (dialog.returnValue !== 'close') return;
      try {
        await post(`v1/periods/${month}/close`, { commandId: commandId() });
        ctx.refresh();
      } catch (e) {
        status.replaceChildren(failure(e));
      }
    };
    dialog.showModal();
  };
  return h(
    'section',
    { 'aria-labelledby': 'periods-title' },
    h('h1', { id: 'periods-title' }, `Periods of ${year}`),
    status,
    table(
      'Months',
      ['Month', 'Status', 'Closed at', ''],
      states.map((s) => [
        s.period,
        s.status,
        s.closedAt ?? '',
        ctx.session.can.closePeriods && s.status === 'open' ? h('button', { type: 'button', 'data-testid': `close-${s.period}`, onclick: () => ask(s.period) }, `Close ${s.period}`) : '',
      ]),
      undefined,
      { 'data-testid': 'periods' },
    ),
    dialog,
  );
};
