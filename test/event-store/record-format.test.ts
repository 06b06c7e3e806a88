// The record codec (libs/event-store/src/record.ts): format 2 reads back
// exactly what was written, in the key order the store stamps; format-1 JSON
// records (migrations/src/0004-record-json.ts) read as they always did;
// anything else is refused with RecordFormatError.
import { RECORD_FORMAT, decodeRecord, encodeRecord, type CommandRecord } from '@app/event-store';

const AT = '2026-03-01T10:00:00.000000123Z';

function stamped(overrides: Partial<CommandRecord> = {}): CommandRecord {
  const commandId = '0123456789abcdef0123456789abcdef';
  const actor = 'underwriter-1';
  return {
    commandId,
    requestHash: 'a'.repeat(64),
    path: '/v1/policies',
    actor,
    recordedAt: AT,
    status: 201,
    body: { commandId, recordedAt: AT, policyId: 'P-1', premium: '1200.00', lines: [{ a: 1 }, { b: null }] },
    events: [
      {
        type: 'PolicyBound',
        v: 1,
        entity: { kind: 'policy', id: 'P-1' },
        effectiveDate: '2026-01-01',
        payload: { policyId: 'P-1', premium: '1200.00', holder: { name: 'Ünïcode ✓' } },
        journal: { lines: [{ account: 'receivable', debit: '1200.00', credit: '0.00' }] },
        recordedAt: AT,
        bookingPeriod: '2026-01',
        commandId,
        actor,
      },
      {
        type: 'PremiumWritten',
        v: 2,
        entity: { kind: 'policy', id: 'P-1' },
        effectiveDate: '2026-01-01',
        payload: {},
        journal: { lines: [] },
        recordedAt: AT,
        bookingPeriod: '2026-01',
        commandId,
        actor,
      },
    ],
    ...overrides,
  } as CommandRecord;
}

/** Equal values with equal key order: JSON text compares both. */
function sameText(a: unknown, b: unknown): void {
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

test('format 2 reads back what was written, key order included, and is smaller than the JSON text', () => {
  const record = stamped();
  const bytes = encodeRecord(record);
  expect(RECORD_FORMAT).toBe(2);
  expect(bytes[0]).toBe(0x99); // a MessagePack array of nine
  const back = decodeRecord(bytes);
  expect(back).toEqual(record);
  sameText(back, record);
  expect(bytes.length).toBeLessThan(Buffer.byteLength(JSON.stringify({ f: 1, ...record })));
});

test('a format-1 JSON record reads as the same record', () => {
  const record = stamped();
  const json = Buffer.from(JSON.stringify({ f: 1, ...record }), 'utf8');
  const back = decodeRecord(json);
  sameText(back, record);
  sameText(decodeRecord(encodeRecord(back)), record);
});

test('an event that its record did not stamp, or with other keys, is kept as it was', () => {
  const record = stamped();
  const foreign = { ...record.events[0], actor: 'someone-else' };
  const extra = { ...record.events[1], note: 'kept' } as unknown as CommandRecord['events'][number];
  const otherTime = { ...record.events[1], recordedAt: '2026-03-01T10:00:00.000000124Z' };
  const mixed = stamped({ events: [foreign, record.events[0], extra, otherTime] });
  sameText(decodeRecord(encodeRecord(mixed)), mixed);
});

test('the body reads back as its JSON text would: undefined dropped, toJSON applied', () => {
  const record = stamped({ body: { a: undefined, b: 1, when: new Date(Date.UTC(2026, 0, 2)), nested: [undefined, 2] } });
  sameText(decodeRecord(encodeRecord(record)).body, JSON.parse(JSON.stringify(record.body)));
  expect(Object.keys(decodeRecord(encodeRecord(record)).body as object)).toEqual(['b', 'when', 'nested']);
});

test('older event versions are upcast on read in both formats', () => {
  // ValuationStruck v1 -> v2 (migrations/src/0003): the reader of either format runs the same upcasters.
  const record = stamped();
  const valuation = { ...record.events[1], type: 'ValuationStruck', v: 1, entity: { kind: 'fund', id: 'F-1' }, payload: { navPerUnit: '1.000000' } } as CommandRecord['events'][number];
  const old = stamped({ events: [valuation] });
  for (const bytes of [Buffer.from(JSON.stringify({ f: 1, ...old })), encodeRecord(old)]) {
    const [event] = decodeRecord(bytes).events;
    expect({ v: event.v, payload: event.payload }).toEqual({ v: 2, payload: { navPerUnit: '1.000000', gain: '0.00', revaluation: '0.00', rounding: '0.00' } });
  }
});

test('anything else is refused with RecordFormatError', () => {
  const bytes = encodeRecord(stamped());
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['truncated', bytes.subarray(0, bytes.length - 3)],
    ['trailing bytes', Buffer.concat([bytes, Buffer.from([0])])],
    ['an unknown format number', Buffer.from([0x99, 0x03, ...bytes.subarray(2)])],
    ['not an array', Buffer.from([0x01])],
    ['a JSON record of an unknown format', Buffer.from(JSON.stringify({ f: 3, ...stamped() }))],
    ['a JSON record without its format', Buffer.from(JSON.stringify(stamped()))],
    ['broken JSON', Buffer.from('{"f":1,')],
  ];
  for (const [name, payload] of cases) {
    let error: unknown;
    try {
      decodeRecord(payload);
    } catch (e) {
      error = e;
    }
    expect({ name, error: (error as Error | undefined)?.constructor.name }).toEqual({ name, error: 'RecordFormatError' });
  }
});
