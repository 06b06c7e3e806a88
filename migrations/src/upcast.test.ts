import {
  Decimal,
  decideContribute,
  decideLaunchFund,
  decideRegisterMember,
  decideStrikeValuation,
  evolveFund,
  evolveMember,
  feeMemberEvents,
  formatUnits,
  parseFundEvent,
  type MemberState,
  type RecordedEvent,
} from '@app/domain';
import { upcast, upcastRecordEvents, type Upcaster } from '@app/migrations';

test('an event is upcast step by step to its latest version; unknown types and current versions pass through', () => {
  const registry: Record<string, Record<number, Upcaster>> = {
    PolicyBound: {
      1: (p) => ({ ...p, holder: { name: p.holderName } }),
      2: ({ holderName: _dropped, ...rest }) => ({ ...rest, channel: 'direct' }),
    },
  };
  const v1 = { type: 'PolicyBound', v: 1, payload: { holderName: 'Ann', premium: '3000.00' } };
  expect(upcast(v1, registry)).toEqual({
    type: 'PolicyBound',
    v: 3,
    payload: { premium: '3000.00', holder: { name: 'Ann' }, channel: 'direct' },
  });
  const current = { type: 'PolicyBound', v: 3, payload: { premium: '1.00' } };
  expect(upcast(current, registry)).toBe(current);
  const other = { type: 'ClaimPaid', v: 1, payload: {} };
  expect(upcast(other, registry)).toBe(other);
});

// What a v1 fee wrote: two holdings (1,000 and 250 units at NAV 1.000000), rate 0.001000.
const AT = { recordedAt: '2026-01-05T10:00:00.000000000Z', bookingPeriod: '2026-01', commandId: '0123456789abcdef0123456789abcdef', actor: 'fund-admin' };
const liability = (m: string) => `unit-liability:EUR:fund/F-1/member/${m}`;
const payable = 'fees-payable:EUR:fund/F-1';
const V1_FEE_RECORD_EVENTS = [
  {
    type: 'FeeCharged',
    v: 1,
    entity: { kind: 'fund', id: 'F-1' },
    effectiveDate: '2026-01-05',
    payload: {
      fundId: 'F-1',
      rate: '0.001000',
      navPerUnit: '1.000000',
      holdings: [
        { memberId: 'M-1', units: '1000.000000', value: '1000.00', fee: '1.00', unitsCancelled: '1.000000' },
        { memberId: 'M-2', units: '250.000000', value: '250.00', fee: '0.25', unitsCancelled: '0.250000' },
      ],
      totalFee: '1.25',
      totalUnitsCancelled: '1.250000',
    },
    journal: {
      lines: [
        { account: liability('M-1'), currency: 'EUR', debit: '1.00', credit: '0.00' },
        { account: payable, currency: 'EUR', debit: '0.00', credit: '1.00' },
        { account: liability('M-2'), currency: 'EUR', debit: '0.25', credit: '0.00' },
        { account: payable, currency: 'EUR', debit: '0.00', credit: '0.25' },
      ],
    },
    ...AT,
  },
  ...[
    ['M-1', '1.00', '1.000000'],
    ['M-2', '0.25', '0.250000'],
  ].map(([memberId, fee, unitsCancelled]) => ({
    type: 'MemberFeeCharged',
    v: 1,
    entity: { kind: 'member', id: memberId },
    effectiveDate: '2026-01-05',
    payload: { memberId, fundId: 'F-1', rate: '0.001000', navPerUnit: '1.000000', fee, unitsCancelled },
    journal: { lines: [] },
    ...AT,
  })),
];

test('0001 then 0002: a v1 fee record reads as one v3 FeeCharged, and its members\' events (v2) and postings derive as v1 recorded them', () => {
  const fund = [
    decideLaunchFund(undefined, { commandId: AT.commandId, fundId: 'F-1', currency: 'EUR', launchNavPerUnit: new Decimal('1') }, '2026-01-01').events[0],
  ];
  let state = evolveFund(undefined, fund[0]);
  state = evolveFund(state, decideStrikeValuation(state, { commandId: AT.commandId, fundId: 'F-1', valuationDate: '2026-01-05', netAssets: new Decimal('0') }).events[0]);
  const members = new Map<string, MemberState>();
  for (const [memberId, amount] of [['M-1', '1000.00'], ['M-2', '250.00']]) {
    let member = evolveMember(undefined, decideRegisterMember(undefined, { commandId: AT.commandId, memberId, name: memberId }, '2026-01-01').events[0]);
    const contributed = decideContribute(member, state, { commandId: AT.commandId, memberId, fundId: 'F-1', amount: new Decimal(amount), effectiveDate: '2026-01-05' }).events;
    member = evolveMember(member, contributed[0]);
    state = evolveFund(state, contributed[1]);
    members.set(memberId, member);
  }

  const upcast = upcastRecordEvents(JSON.parse(JSON.stringify(V1_FEE_RECORD_EVENTS)) as typeof V1_FEE_RECORD_EVENTS);
  expect(upcast).toEqual([
    {
      ...V1_FEE_RECORD_EVENTS[0],
      v: 3,
      payload: { fundId: 'F-1', rate: '0.001000', navPerUnit: '1.000000', holders: 2, totalFee: '1.25', totalUnitsCancelled: '1.250000' },
      journal: { lines: [] },
    },
  ]);
  const fee = upcast[0] as unknown as RecordedEvent;
  const derived = feeMemberEvents(state, fee);
  // The members' events as v1 recorded them, but for the postings, which move from the fund's event onto each member's.
  // MemberFeeCharged is at v2 now (0002: a v1 payload is a v2 one as it is).
  expect(derived.map((e) => ({ ...e, journal: { lines: [] } }))).toEqual(V1_FEE_RECORD_EVENTS.slice(1).map((e) => ({ ...e, v: 2 })));
  expect(derived.flatMap((e) => e.journal.lines)).toEqual(V1_FEE_RECORD_EVENTS[0].journal.lines);
  // The fund's fold takes the same holdings from it.
  const after = evolveFund(state, fee);
  expect(formatUnits(after.unitsOutstanding)).toBe('1248.750000');
  // A record without a v1 fee passes through untouched.
  const current = [fee];
  expect(upcastRecordEvents(current)).toEqual(current);
});

test('0002: a v2 FeeCharged and a v1 MemberFeeCharged read as v3 and v2 unchanged; an annualRate fee is a v3 payload', () => {
  const v2 = { type: 'FeeCharged', v: 2, payload: { fundId: 'F-1', rate: '0.001000', navPerUnit: '1.000000', holders: 2, totalFee: '1.25', totalUnitsCancelled: '1.250000' } };
  expect(upcast(v2)).toEqual({ ...v2, v: 3 });
  const member = { type: 'MemberFeeCharged', v: 1, payload: { memberId: 'M-1', fundId: 'F-1', rate: '0.001000', navPerUnit: '1.000000', fee: '1.00', unitsCancelled: '1.000000' } };
  expect(upcast(member)).toEqual({ ...member, v: 2 });
  for (const e of [upcast(v2), { ...v2, v: 3, payload: { ...v2.payload, rate: undefined, annualRate: '0.0075000000', days: 1, dayCount: 'ACT/365' } }]) {
    const payload = JSON.parse(JSON.stringify(e.payload)) as Record<string, unknown>;
    expect(() => parseFundEvent({ ...e, payload, entity: { kind: 'fund', id: 'F-1' }, effectiveDate: '2026-01-05', journal: { lines: [] } })).not.toThrow();
  }
  // Both forms at once, or neither, do not parse.
  const both = { ...v2.payload, annualRate: '0.0075000000', days: 1, dayCount: 'ACT/365' };
  expect(() => parseFundEvent({ type: 'FeeCharged', v: 3, payload: both, entity: { kind: 'fund', id: 'F-1' }, effectiveDate: '2026-01-05', journal: { lines: [] } })).toThrow();
});
