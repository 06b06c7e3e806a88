// One log record = the final outcome of one command: its response and every
// event it caused. Accepted and rejected commands alike, so a retry gets the
// same answer forever (idempotency survives restarts).
import { createHash, hash as oneShotHash } from 'crypto';
import type { Instant, RecordedEvent } from '@app/domain';
import { upcastRecordEvents } from '@app/migrations';

/** Format of the record envelope itself (events carry their own versions). */
export const RECORD_FORMAT = 1;

export interface CommandRecord {
  commandId: string;
  /** sha256 of method path + canonical body: same id with another body is a conflict. */
  requestHash: string;
  path: string;
  actor: string;
  recordedAt: Instant;
  status: number;
  body: unknown;
  events: RecordedEvent[];
}

/** What the read model keeps of a record for its command id (idempotent retries, reversals), in this field order: the state hash sums its JSON text. */
export function outcomeOf(record: Pick<CommandRecord, 'requestHash' | 'status' | 'body' | 'path'>): { requestHash: string; status: number; body: unknown; path: string } {
  return { requestHash: record.requestHash, status: record.status, body: record.body, path: record.path };
}

export function encodeRecord(record: CommandRecord): Buffer {
  // The text of { f: RECORD_FORMAT, ...record }, without copying the record first.
  return Buffer.from(`{"f":${RECORD_FORMAT},${JSON.stringify(record).slice(1)}`, 'utf8');
}

export class RecordFormatError extends Error {}

export function decodeRecord(payload: Buffer): CommandRecord {
  const raw = JSON.parse(payload.toString('utf8')) as CommandRecord & { f?: number };
  if (raw.f !== RECORD_FORMAT || typeof raw.commandId !== 'string' || typeof raw.recordedAt !== 'string') {
    throw new RecordFormatError(`unknown record format ${String(raw.f)}`);
  }
  const { f: _format, ...record } = raw;
  record.events = upcastRecordEvents(record.events);
  return record;
}

/** JSON with object keys sorted: equal values give equal text, whatever the key order sent. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Built by concatenation (no intermediate arrays): it runs on every command's body.
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let text = '{';
  for (let i = 0; i < keys.length; i++) text += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonicalJson(object[keys[i]])}`;
  return `${text}}`;
}

export function requestHash(path: string, body: unknown): string {
  return sha256Hex(`${path}\n${canonicalJson(body)}`);
}

/** Node's one-shot crypto.hash (20.12+; a third of createHash's cost on short input), else createHash. */
const sha256Hex: (text: string) => string =
  typeof oneShotHash === 'function' ? (text) => oneShotHash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');
