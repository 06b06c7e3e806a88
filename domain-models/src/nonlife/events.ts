// Policy events: type names, schema version and the zod schema of each
// payload in its stored (JSON) form: money as "1200.00" strings, dates as
// "YYYY-MM-DD". A change of a payload is a new version plus an upcaster in
// migrations/, never an edit of v1.
import { z } from 'zod';
import { eventFamily, type DomainEvent, type RecordedEvent } from '../common/events';
import { parseDecimal } from '../common/decimal';
import { CurrencySchema, EntityIdSchema, IsoDateSchema } from './fields';

export const POLICY_EVENT_VERSION = 1;

/** Stored money: a decimal string with exactly 2 fraction digits (what formatMoney writes). */
export const StoredMoneySchema = z.string().regex(/^-?[0-9]+\.[0-9]{2}$/).refine((text) => parseDecimal(text, 2) !== null);
/** Stored rate, units or NAV: exactly 6 fraction digits (what formatUnits writes). New figures are bounded when decided (checkFigures), not here: a stored schema never narrows. */
export const StoredRateSchema = z.string().regex(/^[0-9]+\.[0-9]{6}$/);

/** A stored commandId (a reversal names the command it undoes): 32 lowercase hex digits, as commands are normalized. */
export const StoredCommandIdSchema = z.string().regex(/^[0-9a-f]{32}$/);

export const PolicyBoundPayloadSchema = z.strictObject({
  policyId: EntityIdSchema,
  currency: CurrencySchema,
  holder: z.strictObject({ name: z.string() }),
  term: z.strictObject({ start: IsoDateSchema, end: IsoDateSchema }),
  /** Full-term premium A_0 (layer 0 over the whole term). */
  premium: StoredMoneySchema,
});
export type PolicyBoundPayload = z.infer<typeof PolicyBoundPayloadSchema>;

export const PolicyEndorsedPayloadSchema = z.strictObject({
  policyId: EntityIdSchema,
  /** Full-term premium A_k of the new layer; the layer starts on the event's effectiveDate. */
  annualPremiumChange: StoredMoneySchema,
  /** e_k: the term end, or the cancellation date for an endorsement back-dated before a cancellation. */
  layerEnd: IsoDateSchema,
});
export type PolicyEndorsedPayload = z.infer<typeof PolicyEndorsedPayloadSchema>;

export const PolicyCancelledPayloadSchema = z.strictObject({
  policyId: EntityIdSchema,
  method: z.enum(['pro-rata', 'short-rate']),
  /** Present for short-rate only. */
  shortRateFactor: StoredRateSchema.optional(),
  /** Fixed when decided: the amount returned, never recomputed. */
  returnPremium: StoredMoneySchema,
}).refine((p) => (p.method === 'short-rate') === (p.shortRateFactor !== undefined), {
  message: 'shortRateFactor is stored for short-rate cancellations only, and always for them',
});
export type PolicyCancelledPayload = z.infer<typeof PolicyCancelledPayloadSchema>;

export const PremiumPaymentReceivedPayloadSchema = z.strictObject({
  policyId: EntityIdSchema,
  /** Received on the event's effectiveDate. */
  amount: StoredMoneySchema,
});
export type PremiumPaymentReceivedPayload = z.infer<typeof PremiumPaymentReceivedPayloadSchema>;

/** A credit balance paid back to the holder (return premium payable Dr / cash Cr). */
export const PremiumRefundPaidPayloadSchema = z.strictObject({
  policyId: EntityIdSchema,
  /** Paid on the event's effectiveDate. */
  amount: StoredMoneySchema,
});
export type PremiumRefundPaidPayload = z.infer<typeof PremiumRefundPaidPayloadSchema>;

/** The money of an earlier payment or refund taken back (ledger/reversal.ts): valid on the original's date, its posting the original's mirrored. */
export const PremiumCashReversedPayloadSchema = z.strictObject({
  policyId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  /** The original's amount. */
  amount: StoredMoneySchema,
  reason: z.string(),
});
export type PremiumCashReversedPayload = z.infer<typeof PremiumCashReversedPayloadSchema>;

export const POLICY_EVENT_PAYLOADS = {
  PolicyBound: PolicyBoundPayloadSchema,
  PolicyEndorsed: PolicyEndorsedPayloadSchema,
  PolicyCancelled: PolicyCancelledPayloadSchema,
  PremiumPaymentReceived: PremiumPaymentReceivedPayloadSchema,
  PremiumRefundPaid: PremiumRefundPaidPayloadSchema,
  PremiumPaymentReversed: PremiumCashReversedPayloadSchema,
  PremiumRefundReversed: PremiumCashReversedPayloadSchema,
} as const;

export type PolicyEventType = keyof typeof POLICY_EVENT_PAYLOADS;
export const POLICY_EVENT_TYPES = Object.keys(POLICY_EVENT_PAYLOADS) as PolicyEventType[];

export type PolicyBound = DomainEvent<'PolicyBound', PolicyBoundPayload>;
export type PolicyEndorsed = DomainEvent<'PolicyEndorsed', PolicyEndorsedPayload>;
export type PolicyCancelled = DomainEvent<'PolicyCancelled', PolicyCancelledPayload>;
export type PremiumPaymentReceived = DomainEvent<'PremiumPaymentReceived', PremiumPaymentReceivedPayload>;
export type PremiumRefundPaid = DomainEvent<'PremiumRefundPaid', PremiumRefundPaidPayload>;
export type PremiumPaymentReversed = DomainEvent<'PremiumPaymentReversed', PremiumCashReversedPayload>;
export type PremiumRefundReversed = DomainEvent<'PremiumRefundReversed', PremiumCashReversedPayload>;
export type PolicyEvent = PolicyBound | PolicyEndorsed | PolicyCancelled | PremiumPaymentReceived | PremiumRefundPaid | PremiumPaymentReversed | PremiumRefundReversed;

const policyEvents = eventFamily('policy', POLICY_EVENT_VERSION, POLICY_EVENT_PAYLOADS);

export function isPolicyEventType(type: string): type is PolicyEventType {
  return policyEvents.isType(type);
}

/** Checks a stored event's type, version and payload; throws on anything a v1 reader cannot fold. */
export function parsePolicyEvent(event: DomainEvent | RecordedEvent): PolicyEvent {
  return policyEvents.parse(event) as PolicyEvent;
}
