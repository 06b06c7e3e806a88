// Query defaults from the ledger's clock, not the wall clock: a defaulted
// knownAt is never before the recordedAt of a command already answered (the
// ledger clock runs nanoseconds ahead of Date.now() within a millisecond, so
// a read right after a write could otherwise miss it).
import { parseInstant } from '@app/domain';

import type { QueryContext } from '../http/validation';
import type { LedgerService } from '../ledger/ledger.service';

export function ledgerQueryContext(ledger: LedgerService): QueryContext {
  // Read on first use and kept: one reading per request, and none when asOf and knownAt are both given.
  let now: bigint | null = null;
  return {
    get nowNanos(): bigint {
      if (now === null) {
        now = parseInstant(ledger.store.clock.now());
        if (now === null) throw new Error('the ledger clock gave a malformed instant');
      }
      return now;
    },
  };
}
