// Command bodies of the pension endpoints of api.md, as strict zod schemas
// (an unknown field is a 400). Parsing yields the command in domain form:
// commandId as 32 lowercase hex digits, money, units, NAV and rates as
// Decimal. A path parameter (fundId, memberId) is not part of a body:
// `*BodySchema` validates the request body, `*Schema` the command (body
// fields + the id from the path).
import { z } from 'zod';
import { CommandIdSchema, CurrencySchema, EntityIdSchema, IsoDateSchema, MoneySchema, PositiveMoneySchema } from '../nonlife/fields';
import { AnnualRateSchema, CONTRIBUTION_KINDS, COUNTERPARTY_MAX, DAY_COUNTS, FEE_DAYS_MAX, FeeRateSchema, NavSchema, UnitsSchema, WITHDRAWAL_KINDS } from './fields';

export const LaunchFundSchema = z.strictObject({
  commandId: CommandIdSchema,
  fundId: EntityIdSchema,
  currency: CurrencySchema,
  launchNavPerUnit: NavSchema,
});
export type LaunchFund = z.output<typeof LaunchFundSchema>;

export const StrikeValuationBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  valuationDate: IsoDateSchema,
  netAssets: MoneySchema,
});
export const StrikeValuationSchema = StrikeValuationBodySchema.extend({ fundId: EntityIdSchema });
export type StrikeValuation = z.output<typeof StrikeValuationSchema>;

/**
 * A fee's rate: either `rate` (per charge, 6 fraction digits), or
 * `annualRate` (10 fraction digits) with `days` and `dayCount` "ACT/365",
 * applied unrounded (fund.ts, feeCharges). Exactly one of the two forms.
 */
const ChargeFeeFields = {
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  rate: FeeRateSchema.optional(),
  annualRate: AnnualRateSchema.optional(),
  days: z.number().int().min(1).max(FEE_DAYS_MAX).optional(),
  dayCount: z.enum(DAY_COUNTS).optional(),
};
function oneFeeBasis(fee: { rate?: unknown; annualRate?: unknown; days?: unknown; dayCount?: unknown }, ctx: z.RefinementCtx): void {
  const annual = fee.annualRate !== undefined || fee.days !== undefined || fee.dayCount !== undefined;
  if (fee.rate !== undefined && annual) {
    ctx.addIssue({ code: 'custom', message: 'give either rate, or annualRate with days and dayCount, not both', path: ['rate'] });
    return;
  }
  if (fee.rate !== undefined) return;
  if (!annual) ctx.addIssue({ code: 'custom', message: 'give rate, or annualRate with days and dayCount', path: ['rate'] });
  for (const field of ['annualRate', 'days', 'dayCount'] as const) {
    if (annual && fee[field] === undefined) ctx.addIssue({ code: 'custom', message: `required with ${field === 'annualRate' ? 'days' : 'annualRate'}`, path: [field] });
  }
}
export const ChargeFeeBodySchema = z.strictObject(ChargeFeeFields).superRefine(oneFeeBasis);
export const ChargeFeeSchema = z.strictObject({ ...ChargeFeeFields, fundId: EntityIdSchema }).superRefine(oneFeeBasis);
export type ChargeFee = z.output<typeof ChargeFeeSchema>;

export const SettleFeesBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  amount: PositiveMoneySchema,
});
export const SettleFeesSchema = SettleFeesBodySchema.extend({ fundId: EntityIdSchema });
export type SettleFees = z.output<typeof SettleFeesSchema>;

/** POST /v1/funds/{fundId}/valuations/{date}/corrections: the date is a path parameter. */
export const CorrectValuationBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  netAssets: MoneySchema,
});
export const CorrectValuationSchema = CorrectValuationBodySchema.extend({ fundId: EntityIdSchema, valuationDate: IsoDateSchema });
export type CorrectValuation = z.output<typeof CorrectValuationSchema>;

export const RegisterMemberSchema = z.strictObject({
  commandId: CommandIdSchema,
  memberId: EntityIdSchema,
  name: z.string().min(1).max(200),
});
export type RegisterMember = z.output<typeof RegisterMemberSchema>;

const ContributeFields = {
  commandId: CommandIdSchema,
  fundId: EntityIdSchema,
  amount: PositiveMoneySchema,
  effectiveDate: IsoDateSchema,
  /** Default regular. */
  kind: z.enum(CONTRIBUTION_KINDS).optional(),
  /** The scheme a transfer in comes from; only with kind transfer-in. */
  source: z.string().min(1).max(COUNTERPARTY_MAX).optional(),
};
const sourceOnlyOnTransfer = (c: { kind?: string; source?: string }) => c.source === undefined || c.kind === 'transfer-in';
const SOURCE_ON_REGULAR = { message: 'source is given with kind transfer-in only', path: ['source'] };
export const ContributeBodySchema = z.strictObject(ContributeFields).refine(sourceOnlyOnTransfer, SOURCE_ON_REGULAR);
export const ContributeSchema = z.strictObject({ ...ContributeFields, memberId: EntityIdSchema }).refine(sourceOnlyOnTransfer, SOURCE_ON_REGULAR);
export type Contribute = z.output<typeof ContributeSchema>;

const SwitchFields = {
  commandId: CommandIdSchema,
  fromFundId: EntityIdSchema,
  toFundId: EntityIdSchema,
  units: UnitsSchema,
  effectiveDate: IsoDateSchema,
};
const differentFunds = (s: { fromFundId: string; toFundId: string }) => s.fromFundId !== s.toFundId;
const SAME_FUND = { message: 'toFundId must differ from fromFundId', path: ['toFundId'] };

export const SwitchBodySchema = z.strictObject(SwitchFields).refine(differentFunds, SAME_FUND);
export const SwitchSchema = z.strictObject({ ...SwitchFields, memberId: EntityIdSchema }).refine(differentFunds, SAME_FUND);
export type Switch = z.output<typeof SwitchSchema>;

const WithdrawFields = {
  commandId: CommandIdSchema,
  fundId: EntityIdSchema,
  /** Units to cancel; exactly one of units and amount. */
  units: UnitsSchema.optional(),
  /** Money to pay out; exactly one of units and amount. */
  amount: PositiveMoneySchema.optional(),
  effectiveDate: IsoDateSchema,
  kind: z.enum(WITHDRAWAL_KINDS),
  /** Where the money goes (a receiving scheme, an account). */
  destination: z.string().min(1).max(COUNTERPARTY_MAX).optional(),
};
const unitsXorAmount = (w: { units?: unknown; amount?: unknown }) => (w.units === undefined) !== (w.amount === undefined);
const UNITS_XOR_AMOUNT = { message: 'give exactly one of units and amount', path: ['units'] };
export const WithdrawBodySchema = z.strictObject(WithdrawFields).refine(unitsXorAmount, UNITS_XOR_AMOUNT);
export const WithdrawSchema = z.strictObject({ ...WithdrawFields, memberId: EntityIdSchema }).refine(unitsXorAmount, UNITS_XOR_AMOUNT);
export type Withdraw = z.output<typeof WithdrawSchema>;
