// The trial balance's shape for account lines as the journal names them: an
// account with an entity part (premium-receivable:EUR:policy/P-1) is summed
// into its control account (premium-receivable:EUR) under `accounts` and
// listed under `subledger`; accounts without one are control accounts as
// they are. Tests keep their hand-checked per-account figures and compare
// with the answer through this.
import { cents, money } from './support';

export interface AccountLine {
  account: string;
  debit: string;
  credit: string;
}

export function controlOf(account: string): string {
  return account.split(':').slice(0, 2).join(':');
}

function line(account: string, net: bigint): AccountLine {
  return { account, debit: money(Number(net > 0n ? net : 0n)), credit: money(Number(net < 0n ? -net : 0n)) };
}

/** `accounts` (control accounts, by name) and `subledger` (entity accounts, by name, with their control) of these lines. */
export function splitLedger(lines: readonly AccountLine[]): { accounts: AccountLine[]; subledger: (AccountLine & { control: string })[] } {
  const controls = new Map<string, bigint>();
  const subledger: (AccountLine & { control: string })[] = [];
  for (const l of lines) {
    const control = controlOf(l.account);
    const net = cents(l.debit) - cents(l.credit);
    controls.set(control, (controls.get(control) ?? 0n) + net);
    if (control !== l.account) subledger.push({ ...line(l.account, net), control });
  }
  const accounts = [...controls.keys()].sort().map((account) => line(account, controls.get(account) as bigint));
  subledger.sort((a, b) => (a.account < b.account ? -1 : 1));
  return { accounts, subledger };
}

/** Every line of an answer, control accounts and subledger together, by name (the journal's own account list). */
export function allAccountLines(body: { accounts: AccountLine[]; subledger: AccountLine[] }): AccountLine[] {
  const entityControls = new Set(body.subledger.map((l) => controlOf(l.account)));
  return [...body.accounts.filter((a) => !entityControls.has(a.account)), ...body.subledger.map(({ account, debit, credit }) => ({ account, debit, credit }))].sort((a, b) =>
    a.account < b.account ? -1 : 1,
  );
}
