import { Decimal, ZERO, formatMoney } from '@app/domain';

/**
 * The report's money fields summed per currency, currencies sorted. `totals`
 * adds every currency together (api.md's shape); with more than one currency
 * in the book only these per-currency totals mean anything.
 */
export function totalsByCurrency<K extends string>(
  lines: readonly ({ currency: string } & Record<K, string>)[],
  fields: readonly K[],
): ({ currency: string } & Record<K, string>)[] {
  const sums = new Map<string, Record<string, Decimal>>();
  for (const line of lines) {
    let sum = sums.get(line.currency);
    if (!sum) sums.set(line.currency, (sum = Object.fromEntries(fields.map((f) => [f, ZERO]))));
    for (const f of fields) sum[f] = sum[f].plus(new Decimal(line[f]));
  }
  return [...sums.keys()].sort().map((currency) => {
    const sum = sums.get(currency) as Record<string, Decimal>;
    return { currency, ...Object.fromEntries(fields.map((f) => [f, formatMoney(sum[f])])) } as { currency: string } & Record<K, string>;
  });
}
