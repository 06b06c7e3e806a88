// The ledger's state hash, kept incrementally. Each stored item (an event, an
// idempotency outcome) contributes the sha256 of
// the exact text the read model stores for it; the contributions are added
// modulo 2^256, per family. A sum does not depend on order, so:
//   - the read model keeps the sums as it writes (O(1) per item, committed
//     with the checkpoint), and the live hash costs nothing to read;
//   - a replay audit streams the log partition by partition, in any order,
//     and a scan of the stored read model in key order, each with a few
//     bytes of state, whatever the size of the book.
// Items are unique (an event by its entity, recordedAt and place in its
// record; an outcome by its command id), so equal sums mean equal contents
// up to a sha256 collision.
import { createHash, hash as oneShotHash } from 'node:crypto';
import { outcomeOf, type Checkpoint } from '@app/event-store';
import type { RecordedEvent } from '@app/domain';
import type { LedgerDigest } from '@app/projections';

/** A sum of sha256 digests modulo 2^256, as eight 32-bit little-endian lanes. */
export class HashSum {
  private readonly lanes = new Uint32Array(8);
  count = 0;

  /** Adds the sha256 of `text`. */
  addText(text: string): void {
    this.addDigest(sha256(text));
  }

  addDigest(digest: Buffer): void {
    if (digest.length !== 32) throw new Error(`a sha256 digest has 32 bytes, not ${digest.length}`);
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const sum = this.lanes[i] + digest.readUInt32LE(i * 4) + carry;
      this.lanes[i] = sum >>> 0;
      carry = sum > 0xffffffff ? 1 : 0;
    }
    this.count++;
  }

  equals(other: HashSum): boolean {
    return this.count === other.count && this.hex() === other.hex();
  }

  hex(): string {
    return Buffer.from(this.lanes.buffer, this.lanes.byteOffset, 32).toString('hex');
  }

  toJSON(): { sum: string; count: number } {
    return { sum: this.hex(), count: this.count };
  }

  static from(stored: { sum: string; count: number } | undefined): HashSum {
    const sum = new HashSum();
    if (!stored) return sum;
    const bytes = Buffer.from(stored.sum, 'hex');
    if (bytes.length !== 32 || !Number.isInteger(stored.count) || stored.count < 0) throw new Error('a stored hash sum is malformed');
    for (let i = 0; i < 8; i++) sum.lanes[i] = bytes.readUInt32LE(i * 4);
    sum.count = stored.count;
    return sum;
  }
}

/** The two families of stored items (an event's journal lines are part of its text). */
export interface DigestSums {
  events: HashSum;
  outcomes: HashSum;
}

export function emptySums(): DigestSums {
  return { events: new HashSum(), outcomes: new HashSum() };
}

export function sumsEqual(a: DigestSums, b: DigestSums): boolean {
  return a.events.equals(b.events) && a.outcomes.equals(b.outcomes);
}

/** What the read model stores for an event, and so what is hashed: its JSON, exactly as the log holds it. */
export function eventText(event: RecordedEvent): string {
  return JSON.stringify(event);
}

/** An outcome's contribution names its command id (the key it is stored under). */
export function outcomeTermText(commandId: string, outcomeText: string): string {
  return `${commandId}\n${outcomeText}`;
}

/** Adds what one log record contributes (its outcome and its events): the audit's side of the sums. */
export function addRecord(sums: DigestSums, record: { commandId: string; requestHash: string; status: number; body: unknown; path: string; events: RecordedEvent[] }): void {
  sums.outcomes.addText(outcomeTermText(record.commandId, JSON.stringify(outcomeOf(record))));
  for (const event of record.events) sums.events.addText(eventText(event));
}

/** The state hash and what it counts. */
export type StateHash = LedgerDigest;

/** The state hash: the sums with the checkpoint's record count, horizon and closes (positions are the log's, not the state's). */
export function stateHashOf(sums: DigestSums, checkpoint: Checkpoint | null): StateHash {
  const records = checkpoint?.records ?? 0;
  const through = checkpoint?.through ?? '';
  const text =
    `events ${sums.events.count} ${sums.events.hex()}\n` +
    `outcomes ${sums.outcomes.count} ${sums.outcomes.hex()}\n` +
    `records ${records} through ${through}\n` +
    `calendar ${JSON.stringify(checkpoint?.closes ?? [])}\n`;
  return { stateHash: sha256(text).toString('hex'), events: sums.events.count, outcomes: sums.outcomes.count, records, through };
}

const sha256: (text: string) => Buffer =
  typeof oneShotHash === 'function' ? (text) => oneShotHash('sha256', text, 'buffer') as unknown as Buffer : (text) => createHash('sha256').update(text).digest();
