// Reversals (docs/domain.md, "Reversals"): undoing the money of one earlier
// accepted command, keyed in by mistake. The rule common to every family
// lives here: which events a reversal may undo, that a command is reversed at
// most once, that the reversal is valid on the original's effective date
// (booked in the first open month when that month is closed, like any
// back-dated change), and that its posting mirrors the original's. What a
// reversal does to a family's figures is that family's fold of its
// `*Reversed` event (policy.ts, claim.ts, member.ts, fund.ts).
import { z } from 'zod';
import type { RecordedEvent } from '../common/events';
import { DomainError } from '../common/errors';
import type { JournalEntry } from '../common/journal';
import { CommandIdSchema } from '../nonlife/fields';

export const REASON_LENGTH_MAX = 500;

/** POST /v1/reversals. */
export const ReverseBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  /** The command whose money is undone (any spelling of a commandId). */
  reversesCommandId: CommandIdSchema,
  /** Why: kept on the reversal's event, shown in the audit trail. */
  reason: z.string().trim().min(1).max(REASON_LENGTH_MAX),
});
export type Reverse = z.output<typeof ReverseBodySchema>;

/**
 * The event a reversal undoes, by type, and the type of the reversal's own
 * event: only these events are money a reversal may take back.
 */
export const REVERSAL_EVENT_OF = {
  PremiumPaymentReceived: 'PremiumPaymentReversed',
  PremiumRefundPaid: 'PremiumRefundReversed',
  ClaimPaid: 'ClaimPaymentReversed',
  ClaimRecoveryReceived: 'ClaimRecoveryReversed',
  MemberContributed: 'ContributionReversed',
  MemberWithdrew: 'WithdrawalReversed',
} as const;

export type ReversibleEventType = keyof typeof REVERSAL_EVENT_OF;

function isReversible(type: string): type is ReversibleEventType {
  return Object.prototype.hasOwnProperty.call(REVERSAL_EVENT_OF, type);
}

/** The reversed command of a reversal's event, if it is one (every `*Reversed` payload names it). */
export function reversedCommandOf(event: { payload: unknown }): string | undefined {
  const payload = event.payload as { reversesCommandId?: unknown } | null;
  return payload !== null && typeof payload === 'object' && typeof payload.reversesCommandId === 'string' ? payload.reversesCommandId : undefined;
}

/**
 * The event of `commandId` a reversal undoes, from the trail of the entity
 * that command ordered: refused when a reversal of it is on the trail
 * already (already_reversed), and when the command left no reversible event
 * there (not_reversible: a bind, a reserve change, a reversal itself).
 */
export function reversalTarget(trail: readonly RecordedEvent[], commandId: string): RecordedEvent {
  let original: RecordedEvent | undefined;
  for (const event of trail) {
    if (reversedCommandOf(event) === commandId) throw new DomainError('already_reversed', `command ${commandId} was reversed by command ${event.commandId}`);
    if (event.commandId === commandId && isReversible(event.type)) {
      if (original) throw new Error(`command ${commandId} recorded two reversible events on ${event.entity.kind} ${event.entity.id}`);
      original = event;
    }
  }
  if (!original) throw new DomainError('not_reversible', `command ${commandId} moved no money a reversal can undo`);
  return original;
}

/** The mirror of an entry: every line's debit and credit swapped, dates kept, so the two together post nothing. */
export function reversedEntry(entry: JournalEntry): JournalEntry {
  if (entry.lines.length === 0) throw new Error('a reversal mirrors an entry that posted nothing');
  const lines = entry.lines.map((line) => ({ ...line, debit: line.credit, credit: line.debit }));
  if (lines.length !== entry.lines.length) throw new Error('a mirrored entry lost lines');
  return { lines };
}
