// Zod fields of the pension commands that nonlife/fields.ts does not have:
// units and NAV per unit (6 fraction digits, > 0) and a fee rate in (0, 1).
import { z } from 'zod';
import { Decimal, parseDecimal } from '../shared/decimal';
import { RATE_FRACTION_DIGITS } from '../nonlife/fields';

export const UNITS_FRACTION_DIGITS = 6;

function sixDigitField(what: string, check: (value: Decimal) => string | null) {
  return z.string().transform((text, ctx) => {
    const value = parseDecimal(text, RATE_FRACTION_DIGITS);
    if (value === null) {
      ctx.addIssue({ code: 'custom', message: `must be a decimal string (${what}) with at most ${UNITS_FRACTION_DIGITS} fraction digits` });
      return z.NEVER;
    }
    const problem = check(value);
    if (problem !== null) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return value;
  });
}

const positive = (v: Decimal) => (v.isPositive() && !v.isZero() ? null : 'must be > 0');

/** Units: "800.000000", "800.5" or "800"; > 0, never more than 6 fraction digits. */
export const UnitsSchema = sixDigitField('units', positive);
/** NAV per unit: "1.250000"; > 0, never more than 6 fraction digits. */
export const NavSchema = sixDigitField('NAV per unit', positive);
/** A fee rate strictly between 0 and 1 ("0.001000"). */
export const FeeRateSchema = sixDigitField('rate', (v) => (v.gt(0) && v.lt(1) ? null : 'must be > 0 and < 1'));
