// Fund and member events (v1): type names and the zod schema of each payload
// in its stored (JSON) form: money "1200.00", units/NAV/rates "800.000000".
// A change of a payload is a new version plus an upcaster in migrations/,
// never an edit of v1.
//
// A contribution, a switch and a fee touch several entities; their decision
// carries one event per entity touched (made durable together), and each
// fold reads only its own entity's events. The journal lives on the fund
// events (the fund holds the money); the member events mirror the unit
// movements with an empty journal, so nothing is posted twice.
import { z } from 'zod';
import { eventFamily, type DomainEvent, type RecordedEvent } from '../common/events';
import { CurrencySchema, EntityIdSchema, IsoDateSchema } from '../nonlife/fields';
import { StoredCommandIdSchema, StoredMoneySchema, StoredRateSchema } from '../nonlife/events';
import { COUNTERPARTY_MAX, DAY_COUNTS, FEE_DAYS_MAX, WITHDRAWAL_KINDS } from './fields';

export const FUND_EVENT_VERSION = 1;
export const MEMBER_EVENT_VERSION = 1;

/** Stored units, NAV per unit or rate: >= 0, exactly 6 fraction digits. */
export const StoredUnitsSchema = StoredRateSchema;

/** A stored annual fee rate: exactly 10 fraction digits ("0.0075000000"). */
export const StoredAnnualRateSchema = z.string().regex(/^[0-9]+\.[0-9]{10}$/);

/** A transfer's source or a withdrawal's destination, as given. */
const CounterpartySchema = z.string().min(1).max(COUNTERPARTY_MAX);

/**
 * A contribution that is a transfer in from another scheme: `kind` and
 * `source` on MemberContributed and UnitsIssued (cause contribution). Both
 * optional and absent on a regular contribution, so a regular contribution's
 * stored text is what it always was and every earlier record still reads.
 */
const TransferInFields = {
  kind: z.literal('transfer-in').optional(),
  source: CounterpartySchema.optional(),
};

// ---------------------------------------------------------------- fund

export const FundLaunchedPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  currency: CurrencySchema,
  launchNavPerUnit: StoredUnitsSchema,
});
export type FundLaunchedPayload = z.infer<typeof FundLaunchedPayloadSchema>;

/**
 * The NAV for the event's effectiveDate (the valuation date), and what the
 * valuation posted to take the books to it (v2; fund.ts, valuationPosting).
 * v1 posted nothing; migrations/ reads it as v2 with zeros.
 */
export const ValuationStruckPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  netAssets: StoredMoneySchema,
  /** Units outstanding the NAV was struck on (dealings before the valuation date). */
  unitsOutstanding: StoredUnitsSchema,
  navPerUnit: StoredUnitsSchema,
  /** Fund assets Dr / investment gains Cr (signed): the struck net assets less the books' fund assets less fees payable. */
  gain: StoredMoneySchema,
  /** Member allocation Dr / unit liability revaluation Cr (signed): the holdings at the NAV less the books' unit liability. */
  revaluation: StoredMoneySchema,
  /** Member allocation Dr / unit rounding Cr (signed): gain less revaluation, what per-holding rounding leaves. */
  rounding: StoredMoneySchema,
  /** A valuation back-dated before a later one: that later valuation's date, on which these postings are handed back (it took the books to its own figures). */
  handBackDate: IsoDateSchema.optional(),
});
export type ValuationStruckPayload = z.infer<typeof ValuationStruckPayloadSchema>;

const CauseSchema = z.enum(['contribution', 'switch']);

/** Units issued to a member for `amount` paid into the fund. */
export const UnitsIssuedPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  memberId: EntityIdSchema,
  cause: CauseSchema,
  /** For a switch: the fund the money came from. */
  fromFundId: EntityIdSchema.optional(),
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
  ...TransferInFields,
});
export type UnitsIssuedPayload = z.infer<typeof UnitsIssuedPayloadSchema>;

/** Units of a member cancelled for `amount` paid out of the fund (a switch out). */
export const UnitsCancelledPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  memberId: EntityIdSchema,
  cause: z.literal('switch'),
  toFundId: EntityIdSchema,
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
});
export type UnitsCancelledPayload = z.infer<typeof UnitsCancelledPayloadSchema>;

/**
 * A fee by unit cancellation on every holding of the fund (v3). The record
 * holds the fee's parameters and totals only, so one command charges any
 * number of holdings within one log record: each holding's figures follow
 * from the fund's state before the fee by the rule in fund.ts (feeCharges),
 * on apply and on every replay alike, and become a MemberFeeCharged on each
 * member charged (fund.ts, feeMemberEvents). Its rate is either `rate` or
 * `annualRate` with `days` and `dayCount` (FeeBasisFields), exactly one.
 * v1 also listed every holding (0001 upcasts it); v2 had `rate` only
 * (0002: a v2 payload is a v3 one as it is).
 */
const FeeBasisFields = {
  rate: StoredUnitsSchema.optional(),
  annualRate: StoredAnnualRateSchema.optional(),
  days: z.number().int().min(1).max(FEE_DAYS_MAX).optional(),
  dayCount: z.enum(DAY_COUNTS).optional(),
};
const oneFeeBasis = (p: { rate?: string; annualRate?: string; days?: number; dayCount?: string }) =>
  p.rate !== undefined ? p.annualRate === undefined && p.days === undefined && p.dayCount === undefined : p.annualRate !== undefined && p.days !== undefined && p.dayCount !== undefined;
const ONE_FEE_BASIS = { message: 'rate, or annualRate with days and dayCount' };

export const FeeChargedPayloadSchema = z
  .strictObject({
    fundId: EntityIdSchema,
    ...FeeBasisFields,
    navPerUnit: StoredUnitsSchema,
    /** Holdings charged (those with units on the fee date and a fee above 0.00). */
    holders: z.number().int().nonnegative(),
    totalFee: StoredMoneySchema,
    totalUnitsCancelled: StoredUnitsSchema,
  })
  .refine(oneFeeBasis, ONE_FEE_BASIS);
export type FeeChargedPayload = z.infer<typeof FeeChargedPayloadSchema>;

/**
 * Units of a member cancelled for `amount` paid out of the fund to the
 * member or a `destination`: a withdrawal of `kind` benefit, lump-sum or
 * transfer-out (the member's MemberWithdrew mirrors it).
 */
export const UnitsRedeemedPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  memberId: EntityIdSchema,
  kind: z.enum(WITHDRAWAL_KINDS),
  destination: CounterpartySchema.optional(),
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
});
export type UnitsRedeemedPayload = z.infer<typeof UnitsRedeemedPayloadSchema>;

/** The units a contribution issued, cancelled again at its own NAV by a reversal (ledger/reversal.ts): fund cash back to the member's unit liability, mirrored. */
export const UnitsIssueReversedPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  memberId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
  /** A transfer in reversed (absent: a regular contribution). */
  kind: TransferInFields.kind,
});
export type UnitsIssueReversedPayload = z.infer<typeof UnitsIssueReversedPayloadSchema>;

/** The units a withdrawal cancelled, issued again at its own NAV by a reversal (ledger/reversal.ts): its money back into the fund, its posting mirrored. */
export const UnitsRedemptionReversedPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  memberId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  kind: z.enum(WITHDRAWAL_KINDS),
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
});
export type UnitsRedemptionReversedPayload = z.infer<typeof UnitsRedemptionReversedPayloadSchema>;

/** Fees payable paid out of the fund's assets (fees payable Dr / fund assets Cr). */
export const FeesSettledPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  amount: StoredMoneySchema,
});
export type FeesSettledPayload = z.infer<typeof FeesSettledPayloadSchema>;

/** Signed units (a correction gives or takes): exactly 6 fraction digits. */
export const StoredSignedUnitsSchema = z.string().regex(/^-?[0-9]+\.[0-9]{6}$/);

/**
 * The NAV of the event's date re-struck from corrected net assets (fund.ts,
 * decideCorrectValuation). Like a fee, one record however many holdings:
 * each member's correction units follow from the fund's state before it
 * (unitCorrections) on apply and on replay, and become a
 * MemberUnitsCorrected on each member re-priced.
 */
export const ValuationCorrectedPayloadSchema = z.strictObject({
  fundId: EntityIdSchema,
  previousNetAssets: StoredMoneySchema,
  previousNavPerUnit: StoredUnitsSchema,
  netAssets: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
  /** The units the NAV was struck on, as the original's. */
  unitsOutstanding: StoredUnitsSchema,
  holders: z.number().int().nonnegative(),
  totalCorrectionUnits: StoredSignedUnitsSchema,
  /** Cash owed to members (negative: by them) for deals paid out at the wrong NAV. */
  totalOwed: StoredMoneySchema,
  /** The correction of the valuation's posting (signed): the new figures' less the original's. */
  gain: StoredMoneySchema,
  revaluation: StoredMoneySchema,
  rounding: StoredMoneySchema,
});
export type ValuationCorrectedPayload = z.infer<typeof ValuationCorrectedPayloadSchema>;

/** Fund event types whose payload is past v1 (the others are at FUND_EVENT_VERSION). */
export const FUND_EVENT_TYPE_VERSIONS = { FeeCharged: 3, ValuationStruck: 2 } as const;

export const FUND_EVENT_PAYLOADS = {
  FundLaunched: FundLaunchedPayloadSchema,
  ValuationStruck: ValuationStruckPayloadSchema,
  UnitsIssued: UnitsIssuedPayloadSchema,
  UnitsCancelled: UnitsCancelledPayloadSchema,
  FeeCharged: FeeChargedPayloadSchema,
  UnitsRedeemed: UnitsRedeemedPayloadSchema,
  UnitsIssueReversed: UnitsIssueReversedPayloadSchema,
  FeesSettled: FeesSettledPayloadSchema,
  ValuationCorrected: ValuationCorrectedPayloadSchema,
  UnitsRedemptionReversed: UnitsRedemptionReversedPayloadSchema,
} as const;

export type FundEventType = keyof typeof FUND_EVENT_PAYLOADS;
export const FUND_EVENT_TYPES = Object.keys(FUND_EVENT_PAYLOADS) as FundEventType[];

export type FundLaunched = DomainEvent<'FundLaunched', FundLaunchedPayload>;
export type ValuationStruck = DomainEvent<'ValuationStruck', ValuationStruckPayload>;
export type UnitsIssued = DomainEvent<'UnitsIssued', UnitsIssuedPayload>;
export type UnitsCancelled = DomainEvent<'UnitsCancelled', UnitsCancelledPayload>;
export type FeeCharged = DomainEvent<'FeeCharged', FeeChargedPayload>;
export type UnitsIssueReversed = DomainEvent<'UnitsIssueReversed', UnitsIssueReversedPayload>;
export type FeesSettled = DomainEvent<'FeesSettled', FeesSettledPayload>;
export type UnitsRedemptionReversed = DomainEvent<'UnitsRedemptionReversed', UnitsRedemptionReversedPayload>;
export type ValuationCorrected = DomainEvent<'ValuationCorrected', ValuationCorrectedPayload>;

export type UnitsRedeemed = DomainEvent<'UnitsRedeemed', UnitsRedeemedPayload>;
export type FundEvent = FundLaunched | ValuationStruck | UnitsIssued | UnitsCancelled | FeeCharged | UnitsRedeemed | UnitsIssueReversed | FeesSettled | ValuationCorrected | UnitsRedemptionReversed;

const fundEvents = eventFamily('fund', FUND_EVENT_VERSION, FUND_EVENT_PAYLOADS, FUND_EVENT_TYPE_VERSIONS);

/** The current schema version of a fund event type. */
export function fundEventVersion(type: FundEventType): number {
  return (FUND_EVENT_TYPE_VERSIONS as Record<string, number>)[type] ?? FUND_EVENT_VERSION;
}

export function isFundEventType(type: string): type is FundEventType {
  return fundEvents.isType(type);
}

/** Checks a stored event's type, version and payload; throws on anything a v1 reader cannot fold. */
export function parseFundEvent(event: DomainEvent | RecordedEvent): FundEvent {
  return fundEvents.parse(event) as FundEvent;
}

// ---------------------------------------------------------------- member

export const MemberRegisteredPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  name: z.string(),
});
export type MemberRegisteredPayload = z.infer<typeof MemberRegisteredPayloadSchema>;

export const MemberContributedPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  fundId: EntityIdSchema,
  amount: StoredMoneySchema,
  units: StoredUnitsSchema,
  navPerUnit: StoredUnitsSchema,
  ...TransferInFields,
});
export type MemberContributedPayload = z.infer<typeof MemberContributedPayloadSchema>;

export const UnitsSwitchedPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  fromFundId: EntityIdSchema,
  toFundId: EntityIdSchema,
  unitsSold: StoredUnitsSchema,
  amount: StoredMoneySchema,
  unitsBought: StoredUnitsSchema,
  fromNavPerUnit: StoredUnitsSchema,
  toNavPerUnit: StoredUnitsSchema,
});
export type UnitsSwitchedPayload = z.infer<typeof UnitsSwitchedPayloadSchema>;

/**
 * The member's share of a fund's FeeCharged: derived from it on apply
 * (fund.ts, feeMemberEvents), never decided. v2: the fee's rate as the fee
 * gives it (`rate`, or `annualRate` with `days` and `dayCount`); v1 had
 * `rate` only (0002: a v1 payload is a v2 one as it is).
 */
export const MemberFeeChargedPayloadSchema = z
  .strictObject({
    memberId: EntityIdSchema,
    fundId: EntityIdSchema,
    ...FeeBasisFields,
    navPerUnit: StoredUnitsSchema,
    fee: StoredMoneySchema,
    unitsCancelled: StoredUnitsSchema,
  })
  .refine(oneFeeBasis, ONE_FEE_BASIS);
export type MemberFeeChargedPayload = z.infer<typeof MemberFeeChargedPayloadSchema>;

/** A member's withdrawal from one fund (the fund's UnitsRedeemed mirrors it, with the posting). */
export const MemberWithdrewPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  fundId: EntityIdSchema,
  kind: z.enum(WITHDRAWAL_KINDS),
  destination: CounterpartySchema.optional(),
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
});
export type MemberWithdrewPayload = z.infer<typeof MemberWithdrewPayloadSchema>;

/** A withdrawal taken back (ledger/reversal.ts): its units restored at its own NAV, on its own date. */
export const WithdrawalReversedPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  fundId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  kind: z.enum(WITHDRAWAL_KINDS),
  units: StoredUnitsSchema,
  amount: StoredMoneySchema,
  navPerUnit: StoredUnitsSchema,
  reason: z.string(),
});
export type WithdrawalReversedPayload = z.infer<typeof WithdrawalReversedPayloadSchema>;

/** Member event types whose payload is past v1 (the others are at MEMBER_EVENT_VERSION). */
export const MEMBER_EVENT_TYPE_VERSIONS = { MemberFeeCharged: 2 } as const;

/** A contribution taken back (ledger/reversal.ts): the units it issued cancelled at its own NAV, on its own date. */
export const ContributionReversedPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  fundId: EntityIdSchema,
  reversesCommandId: StoredCommandIdSchema,
  amount: StoredMoneySchema,
  units: StoredUnitsSchema,
  navPerUnit: StoredUnitsSchema,
  /** A transfer in reversed (absent: a regular contribution). */
  kind: TransferInFields.kind,
  reason: z.string(),
});
export type ContributionReversedPayload = z.infer<typeof ContributionReversedPayloadSchema>;

/** The member's share of a fund's ValuationCorrected: derived from it on apply (fund.ts, correctionMemberEvents), never decided. */
export const MemberUnitsCorrectedPayloadSchema = z.strictObject({
  memberId: EntityIdSchema,
  fundId: EntityIdSchema,
  navPerUnit: StoredUnitsSchema,
  previousNavPerUnit: StoredUnitsSchema,
  units: StoredSignedUnitsSchema,
  /** Cash owed to the member (negative: by the member) for deals paid out at the wrong NAV, in the flow of each deal. */
  owed: z
    .array(z.strictObject({ cause: z.enum(['withdrawal', 'switch-out']), kind: z.enum(WITHDRAWAL_KINDS).optional(), amount: StoredMoneySchema }))
    .optional(),
});
export type MemberUnitsCorrectedPayload = z.infer<typeof MemberUnitsCorrectedPayloadSchema>;

export const MEMBER_EVENT_PAYLOADS = {
  MemberRegistered: MemberRegisteredPayloadSchema,
  MemberContributed: MemberContributedPayloadSchema,
  UnitsSwitched: UnitsSwitchedPayloadSchema,
  MemberFeeCharged: MemberFeeChargedPayloadSchema,
  MemberWithdrew: MemberWithdrewPayloadSchema,
  ContributionReversed: ContributionReversedPayloadSchema,
  MemberUnitsCorrected: MemberUnitsCorrectedPayloadSchema,
  WithdrawalReversed: WithdrawalReversedPayloadSchema,
} as const;

export type MemberEventType = keyof typeof MEMBER_EVENT_PAYLOADS;
export const MEMBER_EVENT_TYPES = Object.keys(MEMBER_EVENT_PAYLOADS) as MemberEventType[];

export type MemberRegistered = DomainEvent<'MemberRegistered', MemberRegisteredPayload>;
export type MemberContributed = DomainEvent<'MemberContributed', MemberContributedPayload>;
export type UnitsSwitched = DomainEvent<'UnitsSwitched', UnitsSwitchedPayload>;
export type MemberFeeCharged = DomainEvent<'MemberFeeCharged', MemberFeeChargedPayload>;
export type ContributionReversed = DomainEvent<'ContributionReversed', ContributionReversedPayload>;
export type WithdrawalReversed = DomainEvent<'WithdrawalReversed', WithdrawalReversedPayload>;
export type MemberUnitsCorrected = DomainEvent<'MemberUnitsCorrected', MemberUnitsCorrectedPayload>;
export type MemberWithdrew = DomainEvent<'MemberWithdrew', MemberWithdrewPayload>;
export type MemberEvent = MemberRegistered | MemberContributed | UnitsSwitched | MemberFeeCharged | MemberWithdrew | ContributionReversed | MemberUnitsCorrected | WithdrawalReversed;

const memberEvents = eventFamily('member', MEMBER_EVENT_VERSION, MEMBER_EVENT_PAYLOADS, MEMBER_EVENT_TYPE_VERSIONS);

/** The current schema version of a member event type. */
export function memberEventVersion(type: MemberEventType): number {
  return (MEMBER_EVENT_TYPE_VERSIONS as Record<string, number>)[type] ?? MEMBER_EVENT_VERSION;
}

export function isMemberEventType(type: string): type is MemberEventType {
  return memberEvents.isType(type);
}

export function parseMemberEvent(event: DomainEvent | RecordedEvent): MemberEvent {
  return memberEvents.parse(event) as MemberEvent;
}
