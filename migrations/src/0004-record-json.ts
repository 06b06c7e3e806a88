// 0004: the record envelope moves from JSON text (format 1) to a MessagePack
// tuple (format 2, libs/event-store/src/record.ts). Profiling the command
// path showed the JSON text cost about 6 µs to write and 5 µs to read per
// record, a third of it spent on keys every event repeats (recordedAt,
// commandId, actor). Logs written before keep their JSON records forever; this
// reads them. A format-1 record is the UTF-8 text of
// `{"f":1, commandId, requestHash, path, actor, recordedAt, status, body, events}`,
// so its first byte is `{`, which no format-2 record starts with.

/** The first byte of every format-1 record (`{`). */
export const JSON_RECORD_FIRST_BYTE = 0x7b;

export class JsonRecordFormatError extends Error {}

/**
 * The fields of a format-1 record, as written (events at their stored schema
 * versions: the caller upcasts them, as for every format).
 */
export function readJsonRecordV1(payload: Uint8Array): Record<string, unknown> {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || raw.f !== 1) throw new JsonRecordFormatError(`unknown record format ${String(raw?.f)}`);
  const { f: _format, ...record } = raw;
  return record;
}
