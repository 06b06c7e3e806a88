// What the log will store, checked before it is written: every event of a
// decision must be readable by replay (its family's payload schema) and its
// figures within what the ledger stores.
import { parseClaimEvent } from './claims/events';
import { parsePeriodClosedEvent } from './ledger/period-close';
import { parsePolicyEvent } from './nonlife/events';
import { parseFundEvent, parseMemberEvent } from './pensions/events';
import { DomainError } from './common/errors';
import type { DomainEvent } from './common/events';

/** Money, units, NAVs and rates: at most 18 integer digits, as on input. */
export const FIGURE_INTEGER_DIGITS_MAX = 18;

const DECIMAL = /^-?(\d+)\.\d+$/;

/** Throws the family's schema error when replay could not read `event`. */
export function checkStoredEvent(event: DomainEvent): void {
  switch (event.entity.kind) {
    case 'policy':
      parsePolicyEvent(event);
      return;
    case 'claim':
      parseClaimEvent(event);
      return;
    case 'fund':
      parseFundEvent(event);
      return;
    case 'member':
      parseMemberEvent(event);
      return;
    case 'ledger':
      parsePeriodClosedEvent(event);
      return;
  }
}

/**
 * Refuses (422 amount_out_of_range) a decision whose computed figures (a fee
 * total, a switch amount, units bought at a tiny NAV) have more integer
 * digits than the ledger takes on input, in a payload or a journal line.
 */
export function checkFigures(events: readonly DomainEvent[]): void {
  const over: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      const m = DECIMAL.exec(value);
      if (m && m[1].length > FIGURE_INTEGER_DIGITS_MAX) over.push(path);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}.${i}`));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  for (const e of events) {
    walk(e.payload, `${e.type}.payload`);
    walk(e.journal.lines, `${e.type}.journal`);
  }
  if (over.length > 0) {
    const fields = [...new Set(over)].slice(0, 8).join(', ');
    throw new DomainError('amount_out_of_range', `the command's figures pass what the ledger stores (${FIGURE_INTEGER_DIGITS_MAX} integer digits): ${fields}`);
  }
}
