// A canonical text of any projected state, for hashing: the same state gives
// the same text on every machine and every run. Objects by sorted keys (own
// enumerable fields, undefined ones left out), Maps and Sets as entries
// sorted by key, any iterable (arrays, append logs) in its order, decimals by
// their exact digits (never an exponent), numbers and strings as JSON.
import { Decimal } from '@app/domain';

const MAX_DEPTH = 64;

export function canonical(value: unknown): string {
  return write(value, 0);
}

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error('canonical: state nested deeper than 64 levels (a cycle?)');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonical: ${value} has no canonical form`);
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'object':
      return writeObject(value as object, depth);
    default:
      throw new Error(`canonical: a ${typeof value} in a projected state`);
  }
}

function writeObject(value: object, depth: number): string {
  if (Decimal.isDecimal(value)) return `d${(value as Decimal).toFixed()}`;
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => [write(k, depth + 1), write(v, depth + 1)] as const);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `M{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;
  }
  if (value instanceof Set) return `S[${[...value].map((v) => write(v, depth + 1)).sort().join(',')}]`;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + write(value[i], depth + 1);
    return `${out}]`;
  }
  if (Symbol.iterator in value) return `[${[...(value as Iterable<unknown>)].map((v) => write(v, depth + 1)).join(',')}]`;
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(record).sort()) {
    const v = record[k];
    if (v === undefined || typeof v === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${write(v, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}
