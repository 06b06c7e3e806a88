// One log record = the final outcome of one command: its response and every
// event it caused. Accepted and rejected commands alike, so a retry gets the
// same answer forever (idempotency survives restarts).
import { createHash, hash as oneShotHash } from 'crypto';
import type { Instant, RecordedEvent } from '@app/domain';
import { Packr } from 'msgpackr';
import { JSON_RECORD_FIRST_BYTE, readJsonRecordV1, upcastRecordEvents } from '@app/migrations';

/**
 * Format of the record envelope itself (events carry their own versions).
 * 2: a MessagePack tuple (below). 1: JSON text, still read through
 * migrations/src/0004-record-json.ts.
 */
export const RECORD_FORMAT = 2;

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

// Format 2, one MessagePack array:
//   [2, commandId, requestHash, path, actor, recordedAt, status, bodyJson, events]
// with each event the tuple
//   [type, v, entity.kind, entity.id, effectiveDate, payload, journal, bookingPeriod]
// whose recordedAt, commandId and actor are the record's (every event a command
// stamps carries its record's three; an event that does not, or that has other
// keys, is stored as a map instead and read back as it was). The body, the only
// part no schema checks, stays JSON text inside the tuple, so a retry's answer
// is exactly the JSON the first one sent (JSON drops undefined and calls toJSON;
// MessagePack would not). Decoding rebuilds every object in the key order the
// store stamps, so answers and state hashes do not depend on the format.
const FORMAT_2_FIELDS = 9;
const EVENT_FIELDS = 10;
const packr = new Packr({ useRecords: false });

type EventTuple = [string, number, string, string, string, Record<string, unknown>, RecordedEvent['journal'], string];

function packEvent(e: RecordedEvent, record: CommandRecord): EventTuple | RecordedEvent {
  const stamped = e.recordedAt === record.recordedAt && e.commandId === record.commandId && e.actor === record.actor;
  if (!stamped || Object.keys(e).length !== EVENT_FIELDS || Object.keys(e.entity).length !== 2) return e;
  return [e.type, e.v, e.entity.kind, e.entity.id, e.effectiveDate, e.payload as Record<string, unknown>, e.journal, e.bookingPeriod];
}

function unpackEvent(e: EventTuple | RecordedEvent, recordedAt: Instant, commandId: string, actor: string): RecordedEvent {
  if (!Array.isArray(e)) return e;
  return {
    type: e[0],
    v: e[1],
    entity: { kind: e[2], id: e[3] },
    effectiveDate: e[4],
    payload: e[5],
    journal: e[6],
    recordedAt,
    bookingPeriod: e[7],
    commandId,
    actor,
  } as RecordedEvent;
}

export function encodeRecord(record: CommandRecord): Buffer {
  const events = new Array<EventTuple | RecordedEvent>(record.events.length);
  for (let i = 0; i < events.length; i++) events[i] = packEvent(record.events[i], record);
  const body = JSON.stringify(record.body) ?? 'null';
  return packr.pack([RECORD_FORMAT, record.commandId, record.requestHash, record.path, record.actor, record.recordedAt, record.status, body, events]);
}

export class RecordFormatError extends Error {}

export function decodeRecord(payload: Buffer): CommandRecord {
  if (payload.length === 0) throw new RecordFormatError('empty record');
  const record = payload[0] === JSON_RECORD_FIRST_BYTE ? fromJsonV1(payload) : fromTuple(payload);
  record.events = upcastRecordEvents(record.events);
  return record;
}

function fromTuple(payload: Buffer): CommandRecord {
  let t: unknown;
  try {
    t = packr.unpack(payload);
  } catch (e) {
    throw new RecordFormatError(`not a record: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(t) || t.length !== FORMAT_2_FIELDS || t[0] !== RECORD_FORMAT) {
    throw new RecordFormatError(`unknown record format ${Array.isArray(t) ? String(t[0]) : typeof t}`);
  }
  const [, commandId, requestHash, path, actor, recordedAt, status, body, packed] = t as [number, string, string, string, string, Instant, number, string, (EventTuple | RecordedEvent)[]];
  if (typeof commandId !== 'string' || typeof recordedAt !== 'string' || typeof body !== 'string' || !Array.isArray(packed)) {
    throw new RecordFormatError('record fields of the wrong type');
  }
  const events = new Array<RecordedEvent>(packed.length);
  for (let i = 0; i < events.length; i++) events[i] = unpackEvent(packed[i], recordedAt, commandId, actor);
  // The body's text was written by JSON.stringify and is covered by the log's checksum: it parses.
  return { commandId, requestHash, path, actor, recordedAt, status, body: JSON.parse(body) as unknown, events };
}

function fromJsonV1(payload: Buffer): CommandRecord {
  let raw: Record<string, unknown>;
  try {
    raw = readJsonRecordV1(payload);
  } catch (e) {
    throw new RecordFormatError(e instanceof Error ? e.message : String(e));
  }
  if (typeof raw.commandId !== 'string' || typeof raw.recordedAt !== 'string') throw new RecordFormatError('record fields of the wrong type');
  return raw as unknown as CommandRecord;
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
