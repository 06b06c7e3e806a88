// Query defaults from the ledger, not the wall clock. asOf: today by the
// ledger clock. knownAt: the ledger's horizon, the recordedAt of the latest
// durable record: every command already answered is at or before it (a read
// right after a write sees the write), and no record still in flight is
// (each has a later stamp), so asking again with the returned knownAt gives
// the same answer. An empty ledger uses the clock.
import { parseInstant } from '@app/domain';

import type { QueryContext } from '../http/validation';
import type { LedgerService } from '../ledger/ledger.service';

export function ledgerQueryContext(ledger: LedgerService): QueryContext {
  // Read on first use and kept: one reading per request, and none when asOf and knownAt are both given.
  let now: bigint | null = null;
  let known: bigint | null = null;
  const context: QueryContext = {
    get nowNanos(): bigint {
      if (now === null) {
        now = parseInstant(ledger.store.clock.now());
        if (now === null) throw new Error('the ledger clock gave a malformed instant');
      }
      return now;
    },
    get knownNanos(): bigint {
      if (known === null) {
        const horizon = ledger.store.horizon;
        known = horizon === '' ? context.nowNanos : parseInstant(horizon);
        if (known === null) throw new Error(`the ledger horizon is a malformed instant: ${horizon}`);
      }
      return known;
    },
  };
  return context;
}
