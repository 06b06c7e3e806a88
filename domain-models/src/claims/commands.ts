// Command bodies of the claims endpoints of api.md, as strict zod schemas.
// Same conventions as nonlife/commands.ts: parsed commands carry the
// normalized commandId and Decimal money; `*BodySchema` validates a request
// body, `*Schema` the command (body + claimId from the path).
import { z } from 'zod';
import {
  CommandIdSchema,
  EntityIdSchema,
  IsoDateSchema,
  MoneyChangeSchema,
  MoneySchema,
  PositiveMoneySchema,
} from '../nonlife/fields';
import { RecoveryKindSchema } from './events';

export const OpenClaimSchema = z
  .strictObject({
    commandId: CommandIdSchema,
    claimId: EntityIdSchema,
    policyId: EntityIdSchema,
    lossDate: IsoDateSchema,
    /** The claim enters the books on this date (its initial reserve is "new" then). */
    reportedDate: IsoDateSchema,
    initialReserve: MoneySchema,
  })
  .refine((c) => c.reportedDate >= c.lossDate, { message: 'reportedDate must be on or after lossDate', path: ['reportedDate'] });
export type OpenClaim = z.output<typeof OpenClaimSchema>;

export const ChangeReserveBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  /** Signed change of the case reserve; zero is refused (it would change nothing). */
  change: MoneyChangeSchema,
});
export const ChangeReserveSchema = ChangeReserveBodySchema.extend({ claimId: EntityIdSchema });
export type ChangeReserve = z.output<typeof ChangeReserveSchema>;

export const PayClaimBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  amount: PositiveMoneySchema,
});
export const PayClaimSchema = PayClaimBodySchema.extend({ claimId: EntityIdSchema });
export type PayClaim = z.output<typeof PayClaimSchema>;

export const CloseClaimBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
});
export const CloseClaimSchema = CloseClaimBodySchema.extend({ claimId: EntityIdSchema });
export type CloseClaim = z.output<typeof CloseClaimSchema>;

export const RecoverClaimBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  /** Cash recovered, > 0. */
  amount: PositiveMoneySchema,
  kind: RecoveryKindSchema,
});
export const RecoverClaimSchema = RecoverClaimBodySchema.extend({ claimId: EntityIdSchema });
export type RecoverClaim = z.output<typeof RecoverClaimSchema>;

export const ReopenClaimBodySchema = z.strictObject({
  commandId: CommandIdSchema,
  effectiveDate: IsoDateSchema,
  /** The case reserve set again, >= 0. */
  reserve: MoneySchema,
});
export const ReopenClaimSchema = ReopenClaimBodySchema.extend({ claimId: EntityIdSchema });
export type ReopenClaim = z.output<typeof ReopenClaimSchema>;
