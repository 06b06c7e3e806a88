// Claim events: type names, schema version and the zod schema of each payload
// in its stored (JSON) form. Movement dates are the envelope's effectiveDate.
import { z } from 'zod';
import { eventFamily, type DomainEvent, type RecordedEvent } from '../common/events';
import { CurrencySchema, EntityIdSchema, IsoDateSchema } from '../nonlife/fields';
import { StoredCommandIdSchema, StoredMoneySchema } from '../nonlife/events';

export const CLAIM_EVENT_VERSION = 1;

export const ClaimOpenedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  policyId: EntityIdSchema,
  /** The policy's currency, fixed when the claim is opened. */
  currency: CurrencySchema,
  lossDate: IsoDateSchema,
  /** Equal to the event's effectiveDate: the claim enters the books when reported. */
  reportedDate: IsoDateSchema,
  initialReserve: StoredMoneySchema,
});
export type ClaimOpenedPayload = z.infer<typeof ClaimOpenedPayloadSchema>;

export const ClaimReserveChangedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  change: StoredMoneySchema,
});
export type ClaimReserveChangedPayload = z.infer<typeof ClaimReserveChangedPayloadSchema>;

export const ClaimPaidPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  amount: StoredMoneySchema,
});
export type ClaimPaidPayload = z.infer<typeof ClaimPaidPayloadSchema>;

export const ClaimClosedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  /** The reserve left when closed, released (a reserve change of -release). */
  release: StoredMoneySchema,
});
export type ClaimClosedPayload = z.infer<typeof ClaimClosedPayloadSchema>;

/** What a recovery is: from a third party liable for the loss, or from selling what the claim paid for. */
export const RecoveryKindSchema = z.enum(['subrogation', 'salvage']);
export type RecoveryKind = z.infer<typeof RecoveryKindSchema>;

export const ClaimRecoveryReceivedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  /** Cash received, > 0; it does not move the case reserve. */
  amount: StoredMoneySchema,
  kind: RecoveryKindSchema,
});
export type ClaimRecoveryReceivedPayload = z.infer<typeof ClaimRecoveryReceivedPayloadSchema>;

export const ClaimReopenedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  /** The case reserve set again on reopening, >= 0 (a reserve change of +reserve). */
  reserve: StoredMoneySchema,
});
export type ClaimReopenedPayload = z.infer<typeof ClaimReopenedPayloadSchema>;

/** A claim payment taken back (ledger/reversal.ts): valid on the payment's date, its posting mirrored, so the amount returns to the reserve. */
export const ClaimPaymentReversedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  amount: StoredMoneySchema,
  reason: z.string(),
});
export type ClaimPaymentReversedPayload = z.infer<typeof ClaimPaymentReversedPayloadSchema>;

/** A recovery taken back (ledger/reversal.ts): valid on the recovery's date, its posting mirrored. */
export const ClaimRecoveryReversedPayloadSchema = z.strictObject({
  claimId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  amount: StoredMoneySchema,
  kind: RecoveryKindSchema,
  reason: z.string(),
});
export type ClaimRecoveryReversedPayload = z.infer<typeof ClaimRecoveryReversedPayloadSchema>;

export const CLAIM_EVENT_PAYLOADS = {
  ClaimOpened: ClaimOpenedPayloadSchema,
  ClaimReserveChanged: ClaimReserveChangedPayloadSchema,
  ClaimPaid: ClaimPaidPayloadSchema,
  ClaimClosed: ClaimClosedPayloadSchema,
  ClaimRecoveryReceived: ClaimRecoveryReceivedPayloadSchema,
  ClaimReopened: ClaimReopenedPayloadSchema,
  ClaimPaymentReversed: ClaimPaymentReversedPayloadSchema,
  ClaimRecoveryReversed: ClaimRecoveryReversedPayloadSchema,
} as const;

export type ClaimEventType = keyof typeof CLAIM_EVENT_PAYLOADS;
export const CLAIM_EVENT_TYPES = Object.keys(CLAIM_EVENT_PAYLOADS) as ClaimEventType[];

export type ClaimOpened = DomainEvent<'ClaimOpened', ClaimOpenedPayload>;
export type ClaimReserveChanged = DomainEvent<'ClaimReserveChanged', ClaimReserveChangedPayload>;
export type ClaimPaid = DomainEvent<'ClaimPaid', ClaimPaidPayload>;
export type ClaimClosed = DomainEvent<'ClaimClosed', ClaimClosedPayload>;
export type ClaimRecoveryReceived = DomainEvent<'ClaimRecoveryReceived', ClaimRecoveryReceivedPayload>;
export type ClaimReopened = DomainEvent<'ClaimReopened', ClaimReopenedPayload>;
export type ClaimPaymentReversed = DomainEvent<'ClaimPaymentReversed', ClaimPaymentReversedPayload>;
export type ClaimRecoveryReversed = DomainEvent<'ClaimRecoveryReversed', ClaimRecoveryReversedPayload>;
export type ClaimEvent = ClaimOpened | ClaimReserveChanged | ClaimPaid | ClaimClosed | ClaimRecoveryReceived | ClaimReopened | ClaimPaymentReversed | ClaimRecoveryReversed;

const claimEvents = eventFamily('claim', CLAIM_EVENT_VERSION, CLAIM_EVENT_PAYLOADS);

export function isClaimEventType(type: string): type is ClaimEventType {
  return claimEvents.isType(type);
}

/** Checks a stored event's type, version and payload; throws on anything a v1 reader cannot fold. */
export function parseClaimEvent(event: DomainEvent | RecordedEvent): ClaimEvent {
  return claimEvents.parse(event) as ClaimEvent;
}
