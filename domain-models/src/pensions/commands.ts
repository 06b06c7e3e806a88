// Command bodies of the pension endpoints of api.md, as strict zod schemas
// (an unknown field is a 400). Parsing yields the command in domain form:
// commandId as 32 lowercase hex digits, money, units, NAV and rates as
// Decimal. A path parameter (fundId, memberId) is not part of a body:
// `*BodySchema` validates the request body, `*Schema` the command (body
// fields + the id from the path).
import { z } from 'zod';
import { CommandIdSchema, CurrencySchema, EntityIdSchema, IsoDateSchema, MoneySchema, PositiveMoneySchema } from '../nonlife/fields';
import { FeeRateSchema, NavSchema, UnitsSchema } from './fields';

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

export const ChargeFeeBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  rate: FeeRateSchema,
});
export const ChargeFeeSchema = ChargeFeeBodySchema.extend({ fundId: EntityIdSchema });
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

export const ContributeBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  fundId: EntityIdSchema,
  amount: PositiveMoneySchema,
  effectiveDate: IsoDateSchema,
});
export const ContributeSchema = ContributeBodySchema.extend({ memberId: EntityIdSchema });
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
