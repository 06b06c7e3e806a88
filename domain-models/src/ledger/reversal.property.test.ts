// A reversal restores every figure of the reversed command (issue 11): for
// any history of premium payments and refunds, or of claim payments, the
// history with one of them reversed has, on every date, the figures of the
// history without it; and its posting with the original's posts nothing.
import fc from 'fast-check';
import { claimFigures, decidePayClaim, decideOpenClaim, decideReverseClaimPayment, evolveClaim, type ClaimState } from '../claims/claim';
import { addDays, type IsoDate } from '../common/dates';
import { Decimal, formatMoney } from '../common/decimal';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import { decideCancelPolicy, decideRecordPremiumPayment, decideRefundPremium, decideReversePremiumCash, evolvePolicy, policyFigures, type PolicyState } from '../nonlife/policy';
import { boundPolicy, cancelCommand, paymentCommand, refundCommand, tryDecide } from '../nonlife/test-support';
import { decideLaunchFund, decideStrikeValuation, fundFigures } from '../pensions/fund';
import { decideContribute, decideRegisterMember, decideReverseContribution, decideReverseWithdrawal, decideWithdraw, memberHoldingsOn } from '../pensions/member';
import { COMMAND_ID, LAUNCH_DATE, World, contribution, launch, transferIn, valuation, withdrawal } from '../pensions/test-support';
import { reversalTarget } from './reversal';

const commandIdOf = (i: number): string => i.toString(16).padStart(32, '0');

function stamp(event: DomainEvent, i: number): RecordedEvent {
  return { ...event, recordedAt: `2026-12-01T00:00:${String(i % 60).padStart(2, '0')}.000000Z`, bookingPeriod: event.effectiveDate.slice(0, 7), commandId: commandIdOf(i), actor: 'test' };
}

function fold<S>(events: readonly RecordedEvent[], evolve: (s: S | undefined, e: RecordedEvent) => S): S {
  let state: S | undefined;
  for (const e of events) state = evolve(state, e);
  return state as S;
}

const DATES: IsoDate[] = Array.from({ length: 12 }, (_, i) => addDays('2026-01-01', i * 31));

/** Mirrored lines cancel: the original and its reversal together post nothing on any account. */
function netsToNothing(original: RecordedEvent, reversal: DomainEvent): boolean {
  const net = new Map<string, Decimal>();
  for (const line of [...original.journal.lines, ...reversal.journal.lines]) {
    net.set(line.account, (net.get(line.account) ?? new Decimal(0)).plus(line.debit).minus(line.credit));
  }
  assertBalanced(reversal.journal);
  return [...net.values()].every((v) => v.isZero());
}

describe('a reversal restores every figure of the reversed command', () => {
  test('premium payments and refunds', () => {
    const step = fc.record({ kind: fc.constantFrom('pay', 'refund'), day: fc.integer({ min: 0, max: 360 }), cents: fc.integer({ min: 1, max: 150_000 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.nat(), fc.boolean(), (steps, pick, cancel) => {
        const { events: bound } = boundPolicy({ premium: new Decimal('3000.00') });
        const log: RecordedEvent[] = bound.map((e, i) => stamp(e, i + 1));
        let state = fold<PolicyState>(log, evolvePolicy);
        if (cancel) {
          // Pro rata from mid-term: a credit for refunds to pay back.
          const cancelled = stamp(decideCancelPolicy(state, cancelCommand(addDays(state.term.start, 181))).events[0], log.length + 1);
          log.push(cancelled);
          state = evolvePolicy(state, cancelled);
        }
        for (const s of steps) {
          const date = addDays('2026-01-01', s.day);
          const amount = formatMoney(new Decimal(s.cents).div(100));
          const decision = tryDecide(() => (s.kind === 'pay' ? decideRecordPremiumPayment(state, paymentCommand(date, amount)) : decideRefundPremium(state, refundCommand(date, amount))));
          if (!decision) continue;
          const e = stamp(decision.events[0], log.length + 1);
          log.push(e);
          state = evolvePolicy(state, e);
        }
        const money = log.filter((e) => e.type === 'PremiumPaymentReceived' || e.type === 'PremiumRefundPaid');
        if (money.length === 0) return;
        const original = money[pick % money.length];
        const target = reversalTarget(log, original.commandId);
        const reversal = decideReversePremiumCash(state, target, { commandId: commandIdOf(999), reversesCommandId: original.commandId, reason: 'test' }).events[0];
        const reversed = evolvePolicy(state, stamp(reversal, 999));
        const without = fold<PolicyState>(
          log.filter((e) => e !== original),
          evolvePolicy,
        );
        for (const date of DATES) expect(JSON.stringify(policyFigures(reversed, date))).toBe(JSON.stringify(policyFigures(without, date)));
        expect(netsToNothing(original, reversal)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('claim payments', () => {
    const pay = fc.record({ day: fc.integer({ min: 4, max: 200 }), cents: fc.integer({ min: 1, max: 60_000 }) });
    fc.assert(
      fc.property(fc.array(pay, { minLength: 1, maxLength: 10 }), fc.nat(), (payments, pick) => {
        const { state: policy } = boundPolicy();
        const opened = decideOpenClaim(undefined, policy, {
          commandId: commandIdOf(1),
          claimId: 'C-1',
          policyId: policy.policyId,
          lossDate: policy.term.start,
          reportedDate: addDays(policy.term.start, 3),
          initialReserve: new Decimal('2000.00'),
        });
        const log: RecordedEvent[] = [stamp(opened.events[0], 1)];
        let claim = fold<ClaimState>(log, evolveClaim);
        for (const p of payments) {
          const decision = tryDecide(() => decidePayClaim(claim, { commandId: commandIdOf(0), claimId: 'C-1', effectiveDate: addDays(policy.term.start, p.day), amount: new Decimal(p.cents).div(100) }));
          if (!decision) continue;
          const e = stamp(decision.events[0], log.length + 1);
          log.push(e);
          claim = evolveClaim(claim, e);
        }
        const paid = log.filter((e) => e.type === 'ClaimPaid');
        if (paid.length === 0) return;
        const original = paid[pick % paid.length];
        const reversal = decideReverseClaimPayment(claim, reversalTarget(log, original.commandId), { commandId: commandIdOf(999), reversesCommandId: original.commandId, reason: 'test' }).events[0];
        const reversed = evolveClaim(claim, stamp(reversal, 999));
        const without = fold<ClaimState>(
          log.filter((e) => e !== original),
          evolveClaim,
        );
        for (const date of Array.from({ length: 12 }, (_, i) => addDays(policy.term.start, i * 20))) {
          expect(JSON.stringify(claimFigures(reversed, date))).toBe(JSON.stringify(claimFigures(without, date)));
        }
        expect(netsToNothing(original, reversal)).toBe(true);
        // Reversed once: the trail with the reversal refuses a second.
        expect(() => reversalTarget([...log, stamp(reversal, 999)], original.commandId)).toThrow(/reversed by/);
      }),
      { numRuns: 200 },
    );
  });

  test('contributions, transfers in and withdrawals', () => {
    const deal = fc.record({ kind: fc.constantFrom('contribute', 'transfer-in', 'withdraw'), member: fc.constantFrom('M-1', 'M-2'), cents: fc.integer({ min: 1, max: 500_000 }), micros: fc.integer({ min: 1, max: 3_000_000_000 }) });
    fc.assert(
      fc.property(fc.array(deal, { minLength: 1, maxLength: 12 }), fc.nat(), fc.integer({ min: 1, max: 3_000_000 }), (deals, pick, navMicros) => {
        const date = '2026-02-02';
        const w = new World();
        w.apply(decideLaunchFund(undefined, launch('F-1', new Decimal(navMicros).div(1_000_000).toFixed(6)), LAUNCH_DATE));
        for (const id of ['M-1', 'M-2']) w.apply(decideRegisterMember(undefined, { commandId: COMMAND_ID, memberId: id, name: id }, LAUNCH_DATE));
        w.apply(decideStrikeValuation(w.fund('F-1'), valuation('F-1', date, '0.00')));
        // The deals as the log records them: each command's member event, stamped with its own commandId.
        const recorded: { member: RecordedEvent; decision: Decision }[] = [];
        for (const d of deals) {
          const amount = new Decimal(d.cents).div(100).toFixed(2);
          const decision = tryDecide(() =>
            d.kind === 'withdraw'
              ? decideWithdraw(w.member(d.member), w.fund('F-1'), withdrawal(d.member, 'F-1', 'benefit', new Decimal(d.micros).div(1_000_000).toFixed(6), date))
              : decideContribute(w.member(d.member), w.fund('F-1'), d.kind === 'contribute' ? contribution(d.member, 'F-1', amount, date) : transferIn(d.member, 'F-1', amount, date)),
          );
          if (!decision) continue;
          w.apply(decision);
          recorded.push({ member: stamp(decision.events[0], recorded.length + 10), decision });
        }
        if (recorded.length === 0) return;
        const chosen = recorded[pick % recorded.length];
        const original = chosen.member;
        const memberId = original.entity.id;
        const command = { commandId: commandIdOf(999), reversesCommandId: original.commandId, reason: 'test' };
        const decide = original.type === 'MemberWithdrew' ? decideReverseWithdrawal : decideReverseContribution;
        const reversal = tryDecide(() => decide(w.member(memberId), w.fund('F-1'), original, command));
        if (!reversal) return; // a contribution whose units a later withdrawal took (insufficient_units)
        w.apply(reversal);
        // The same deals without the reversed one.
        const without = new World();
        without.apply(decideLaunchFund(undefined, launch('F-1', new Decimal(navMicros).div(1_000_000).toFixed(6)), LAUNCH_DATE));
        for (const id of ['M-1', 'M-2']) without.apply(decideRegisterMember(undefined, { commandId: COMMAND_ID, memberId: id, name: id }, LAUNCH_DATE));
        without.apply(decideStrikeValuation(without.fund('F-1'), valuation('F-1', date, '0.00')));
        for (const r of recorded) if (r !== chosen) without.apply(r.decision);
        for (const asOf of ['2026-02-01', date, '2026-12-31']) {
          expect(JSON.stringify(fundFigures(w.fund('F-1'), asOf))).toBe(JSON.stringify(fundFigures(without.fund('F-1'), asOf)));
          // Units per fund held (a fund once held and now at zero is listed by one and not the other: same holding).
          const held = (world: World, id: string) => JSON.stringify([...memberHoldingsOn(world.member(id), asOf)].filter(([, units]) => !units.isZero()));
          for (const id of ['M-1', 'M-2']) expect(held(w, id)).toBe(held(without, id));
        }
        const fundEvent = (decision: Decision) => decision.events.find((e) => e.entity.kind === 'fund') as DomainEvent;
        expect(netsToNothing(stamp(fundEvent(chosen.decision), 1), fundEvent(reversal))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
