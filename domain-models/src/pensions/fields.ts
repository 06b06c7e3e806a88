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
