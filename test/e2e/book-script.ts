// The book script of the apply-thread and record-format tests: funds,
// members, concurrent contributions, a fee with a contribution decided while
// it commits, a NAV correction, a withdrawal, policies, an endorsement, a
// claim and a payment; then queries of every view at the horizon and at a
// knownAt in the middle of the book.
import { type Api, CommandIds, TOKENS, created as createdBy, sleep } from './support';

export const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** The answer without its instants (each server stamps with its own clock). */
export function withoutInstants(value: unknown): unknown {
  if (typeof value === 'string') return INSTANT.test(value) ? '<instant>' : value;
  if (Array.isArray(value)) return value.map(withoutInstants);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, withoutInstants(v)]));
  }
  return value;
}

export const MEMBERS = ['M-1', 'M-2', 'M-3', 'M-4', 'M-5', 'M-6'];

/** The script's commands; returns their answers (instants taken out) and the fee's recordedAt, a knownAt in the middle of the book. */
export async function commands(api: Api): Promise<{ answers: unknown[]; mid: string }> {
  const ids = new CommandIds(4242);
  const answers: unknown[] = [];
  const fa = TOKENS['fund-admin'];
  const pensions = TOKENS.pensions;
  const created = async (p: string, body: Record<string, unknown>, token: string) => {
    const answer = await createdBy(api, ids, p, body, token);
    answers.push({ command: p, answer: withoutInstants(answer) });
    return answer;
  };
  const query = async (p: string, token: string) => {
    const a = await api.get(p, token);
    answers.push({ query: p.replace(/knownAt=[^&]+/, 'knownAt=<mid>'), status: a.status, body: withoutInstants(a.body) });
  };

  for (const fundId of ['F-A', 'F-B']) await created('/v1/funds', { fundId, currency: 'EUR', launchNavPerUnit: '1.000000' }, fa);
  await Promise.all(MEMBERS.map((memberId) => created('/v1/members', { memberId, name: `Member ${memberId}` }, pensions)));
  for (const fundId of ['F-A', 'F-B']) await created(`/v1/funds/${fundId}/valuations`, { valuationDate: '2026-05-01', netAssets: '0.00' }, fa);
  // Concurrent, so several commit together on the apply thread; each member's own answer does not depend on the order.
  await Promise.all(MEMBERS.map((memberId, i) => created(`/v1/members/${memberId}/contributions`, { fundId: 'F-A', amount: `${1000 + 10 * (i + 1)}.00`, effectiveDate: '2026-05-01' }, pensions)));
  await Promise.all(MEMBERS.map((memberId) => created(`/v1/members/${memberId}/contributions`, { fundId: 'F-B', amount: '500.00', effectiveDate: '2026-05-01' }, pensions)));
  // F-A holds 6,210 units, F-B 3,000.
  await created('/v1/funds/F-A/valuations', { valuationDate: '2026-06-01', netAssets: '6831.00' }, fa);
  await created('/v1/funds/F-B/valuations', { valuationDate: '2026-06-01', netAssets: '2940.00' }, fa);
  await created('/v1/members/M-2/contributions', { fundId: 'F-B', amount: '98.00', effectiveDate: '2026-06-01' }, pensions);
  // A contribution decided while the fee commits (sent just after it; its answer is the same in either order): with a
  // cache of two entities it evicts the fee's fund and caches the member, so the JS thread follows the fee's derived
  // member events without the fund's state before them.
  const feeDone = created('/v1/funds/F-A/fees', { effectiveDate: '2026-06-01', rate: '0.010000' }, fa);
  await sleep(1);
  await created('/v1/members/M-1/contributions', { fundId: 'F-B', amount: '49.00', effectiveDate: '2026-06-01' }, pensions);
  const mid = String((await feeDone).recordedAt);
  // Read again at once: a member state cached before the fee committed must not be served without it.
  for (const memberId of ['M-1', 'M-2']) await query(`/v1/members/${memberId}?asOf=2026-06-30`, pensions);
  await created('/v1/funds/F-B/valuations/2026-06-01/corrections', { netAssets: '2970.00' }, fa);
  await created('/v1/members/M-1/withdrawals', { fundId: 'F-A', units: '100.000000', effectiveDate: '2026-06-01', kind: 'benefit' }, pensions);

  const term = { start: '2026-01-01', end: '2027-01-01' };
  for (const policyId of ['P-1', 'P-2', 'P-3']) await created('/v1/policies', { policyId, currency: 'EUR', holder: { name: `Holder ${policyId}` }, term, premium: '1200.00' }, TOKENS.underwriter);
  await created('/v1/policies/P-1/endorsements', { effectiveDate: '2026-07-01', annualPremiumChange: '120.00' }, TOKENS.underwriter);
  await created('/v1/claims', { claimId: 'C-1', policyId: 'P-2', lossDate: '2026-03-10', reportedDate: '2026-03-12', initialReserve: '1000' }, TOKENS.claims);
  await created('/v1/claims/C-1/payments', { effectiveDate: '2026-03-20', amount: '400.00' }, TOKENS.claims);

  return { answers, mid };
}

/** The script's queries, at the horizon and at `mid`; returns their answers, instants taken out. */
export async function queries(api: Api, mid: string): Promise<unknown[]> {
  const answers: unknown[] = [];
  const fa = TOKENS['fund-admin'];
  const pensions = TOKENS.pensions;
  const query = async (p: string, token: string) => {
    const a = await api.get(p, token);
    answers.push({ query: p.replace(/knownAt=[^&]+/, 'knownAt=<mid>'), status: a.status, body: withoutInstants(a.body) });
  };
  for (const knownAt of ['', `&knownAt=${encodeURIComponent(mid)}`]) {
    for (const memberId of MEMBERS) {
      await query(`/v1/members/${memberId}?asOf=2026-06-30${knownAt}`, pensions);
      await query(`/v1/members/${memberId}/statement?from=2026-05-01&to=2026-06-30${knownAt}`, pensions);
    }
    for (const fundId of ['F-A', 'F-B']) await query(`/v1/funds/${fundId}?asOf=2026-06-30${knownAt}`, fa);
    await query(`/v1/reports/funds?from=2026-05&to=2026-06${knownAt}`, TOKENS.finance);
    await query(`/v1/reports/trial-balance?asOf=2026-06-30&limit=10000${knownAt}`, TOKENS.finance);
  }
  for (const policyId of ['P-1', 'P-2', 'P-3']) await query(`/v1/policies/${policyId}?asOf=2026-07-15`, TOKENS.underwriter);
  await query('/v1/claims/C-1?asOf=2026-03-31', TOKENS.claims);
  await query('/v1/reports/premiums?from=2026-01&to=2026-12', TOKENS.finance);
  await query('/v1/reports/claims?from=2026-01&to=2026-12', TOKENS.finance);
  return answers;
}

/** Runs the script; returns every answer (commands' and queries'), instants taken out. */
export async function script(api: Api): Promise<unknown[]> {
  const { answers, mid } = await commands(api);
  return [...answers, ...(await queries(api, mid))];
}


