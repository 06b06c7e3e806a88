// Command bodies of the non-life endpoints of api.md, as strict zod schemas
// (an unknown field is a 400). Parsing yields the command in domain form:
// commandId normalized to 32 lowercase hex digits, money and rates as Decimal,
// dates and ids as validated strings. A path parameter (policyId) is not part
// of a body: `*BodySchema` validates the request body, `*Schema` the command
// (body fields + the id from the path).
import { z } from 'zod';
import { Decimal } from '../common/decimal';
import {
  CommandIdSchema,
  CurrencySchema,
  EntityIdSchema,
  IsoDateSchema,
  MoneyChangeSchema,
  MoneySchema,
  PositiveMoneySchema,
  UnitRateSchema,
} from './fields';

export const DEFAULT_SHORT_RATE_FACTOR = '0.900000';

const TermSchema = z
  .strictObject({ start: IsoDateSchema, end: IsoDateSchema })
  .refine((term) => term.end > term.start, { message: 'term.end (exclusive) must be after term.start', path: ['end'] });

export const BindPolicySchema = z.strictObject({
  commandId: CommandIdSchema,
  policyId: EntityIdSchema,
  currency: CurrencySchema,
  holder: z.strictObject({ name: z.string().min(1).max(200) }),
  term: TermSchema,
  /** Full-term premium. */
  premium: MoneySchema,
});
export type BindPolicy = z.output<typeof BindPolicySchema>;

export const EndorsePolicyBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  /** Change of the full-term premium from effectiveDate to the end of the term (domain.md: layer c over [d, end)). */
  annualPremiumChange: MoneyChangeSchema,
});
export const EndorsePolicySchema = EndorsePolicyBodySchema.extend({ policyId: EntityIdSchema });
export type EndorsePolicy = z.output<typeof EndorsePolicySchema>;

const CancelPolicyFields = {
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  method: z.enum(['pro-rata', 'short-rate']),
  shortRateFactor: UnitRateSchema.optional(),
};

type CancelFields = { commandId: string; effectiveDate: string; method: 'pro-rata' | 'short-rate'; shortRateFactor?: Decimal };

/** A factor only makes sense for short-rate: sent with pro-rata it is refused rather than ignored. */
function refuseFactorForProRata(body: CancelFields, ctx: z.RefinementCtx): void {
  if (body.method === 'pro-rata' && body.shortRateFactor !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'shortRateFactor is only allowed with method "short-rate"', path: ['shortRateFactor'] });
  }
}

/** The cancellation method in domain form: short-rate always carries its factor (default 0.900000). */
function withMethod<T extends CancelFields>({ method, shortRateFactor, ...rest }: T) {
  const cancellation =
    method === 'short-rate'
      ? { method, shortRateFactor: shortRateFactor ?? new Decimal(DEFAULT_SHORT_RATE_FACTOR) }
      : { method };
  return { ...rest, ...cancellation } as Omit<T, 'method' | 'shortRateFactor'> &
    ({ method: 'pro-rata' } | { method: 'short-rate'; shortRateFactor: Decimal });
}

export const CancelPolicyBodySchema = z
  .strictObject(CancelPolicyFields)
  .superRefine(refuseFactorForProRata)
  .transform(withMethod);
export const CancelPolicySchema = z
  .strictObject({ ...CancelPolicyFields, policyId: EntityIdSchema })
  .superRefine(refuseFactorForProRata)
  .transform(withMethod);
export type CancelPolicy = z.output<typeof CancelPolicySchema>;

export const RecordPremiumPaymentBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  amount: PositiveMoneySchema,
  /** Any date: a payment may come before the term starts or after it ends. */
  receivedDate: IsoDateSchema,
});
export const RecordPremiumPaymentSchema = RecordPremiumPaymentBodySchema.extend({ policyId: EntityIdSchema });
export type RecordPremiumPayment = z.output<typeof RecordPremiumPaymentSchema>;

export const RefundPremiumBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  amount: PositiveMoneySchema,
  paidDate: IsoDateSchema,
});
export const RefundPremiumSchema = RefundPremiumBodySchema.extend({ policyId: EntityIdSchema });
export type RefundPremium = z.output<typeof RefundPremiumSchema>;
