// Zod fields of the pension commands that nonlife/fields.ts does not have:
// units and NAV per unit (6 fraction digits, > 0) and a fee rate in (0, 1).
import { decimalField } from '../nonlife/fields';

export const UNITS_FRACTION_DIGITS = 6;

/** Units: "800.000000", "800.5" or "800"; > 0, never more than 6 fraction digits. */
export const UnitsSchema = decimalField(UNITS_FRACTION_DIGITS, 'positive', 'units');
/** NAV per unit: "1.250000"; > 0, never more than 6 fraction digits. */
export const NavSchema = decimalField(UNITS_FRACTION_DIGITS, 'positive', 'NAV per unit');
/** A fee rate strictly between 0 and 1 ("0.001000"). */
export const FeeRateSchema = decimalField(UNITS_FRACTION_DIGITS, 'positive', 'rate').refine((rate) => rate.lt(1), {
  message: 'must be < 1',
});

export const ANNUAL_RATE_FRACTION_DIGITS = 10;

/** An annual fee rate strictly between 0 and 1, up to 10 fraction digits ("0.0075"): never rounded before it is applied. */
export const AnnualRateSchema = decimalField(ANNUAL_RATE_FRACTION_DIGITS, 'positive', 'annual rate').refine((rate) => rate.lt(1), {
  message: 'must be < 1',
});

/** The day count of an annualRate fee: actual days over a 365-day year. */
export const DAY_COUNTS = ['ACT/365'] as const;
export type DayCount = (typeof DAY_COUNTS)[number];

/** Days an annualRate fee covers: 1 to 366. */
export const FEE_DAYS_MAX = 366;

/** How a member leaves a fund with money: a pension paid, a lump sum, a transfer to another scheme. */
export const WITHDRAWAL_KINDS = ['benefit', 'lump-sum', 'transfer-out'] as const;
export type WithdrawalKind = (typeof WITHDRAWAL_KINDS)[number];

/** A contribution's kind: money from the member or employer, or a transfer in from another scheme. */
export const CONTRIBUTION_KINDS = ['regular', 'transfer-in'] as const;
export type ContributionKind = (typeof CONTRIBUTION_KINDS)[number];

/** A transfer's source or a withdrawal's destination (a scheme, an account): free text, 1-200 characters. */
export const COUNTERPARTY_MAX = 200;
