// Zod schemas of the wire fields shared by the command bodies of api.md.
// A parsed field is already in domain form: command ids normalized to 32
// lowercase hex digits, money and rates as Decimal. Bad input is a zod issue
// (the API answers 400 validation_failed), never a DomainError.
import { z } from 'zod';
import { isIsoDate } from '../common/dates';
import { Decimal, parseDecimal } from '../common/decimal';
import { isEntityId, normalizeCommandId } from '../common/ids';

export const MONEY_FRACTION_DIGITS = 2;
export const RATE_FRACTION_DIGITS = 6;

/** 32 hex digits or a hyphenated UUID in; 32 lowercase hex digits out. */
export const CommandIdSchema = z.string().transform((text, ctx) => {
  const id = normalizeCommandId(text);
  if (id === null) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 hex digits or a UUID, neither 0 nor 2^128-1' });
    return z.NEVER;
  }
  return id;
});

export const EntityIdSchema = z.string().refine(isEntityId, { message: 'must be 1-64 characters of [A-Za-z0-9._-]' });

export const IsoDateSchema = z.string().refine(isIsoDate, { message: 'must be a calendar date YYYY-MM-DD' });

export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, { message: 'must be 3 upper-case letters (ISO 4217)' });

export type Sign = 'non-negative' | 'positive' | 'non-zero';

const SIGN_RULES: Record<Sign, { holds: (value: Decimal) => boolean; message: string }> = {
  'non-negative': { holds: (v) => !v.isNegative(), message: 'must be >= 0' },
  positive: { holds: (v) => v.isPositive() && !v.isZero(), message: 'must be > 0' },
  'non-zero': { holds: (v) => !v.isZero(), message: 'must not be zero' },
};

/** A decimal string with at most `digits` fraction digits, parsed to Decimal and checked for sign. */
export function decimalField(digits: number, sign: Sign, what: string) {
  return z.string().transform((text, ctx) => {
    const value = parseDecimal(text, digits);
    if (value === null) {
      ctx.addIssue({ code: 'custom', message: `must be a decimal string (${what}) with at most ${digits} fraction digits` });
      return z.NEVER;
    }
    const rule = SIGN_RULES[sign];
    if (!rule.holds(value)) {
      ctx.addIssue({ code: 'custom', message: rule.message });
      return z.NEVER;
    }
    return value;
  });
}

/** Money: "1200.00", "1200.5" or "1200"; never more than 2 fraction digits. */
export const MoneySchema = decimalField(MONEY_FRACTION_DIGITS, 'non-negative', 'money');
export const PositiveMoneySchema = decimalField(MONEY_FRACTION_DIGITS, 'positive', 'money');
/** A signed change; zero is refused because it would record an event that changes nothing. */
export const MoneyChangeSchema = decimalField(MONEY_FRACTION_DIGITS, 'non-zero', 'money');

/** A rate in (0, 1] with at most 6 fraction digits ("0.900000"). */
export const UnitRateSchema = decimalField(RATE_FRACTION_DIGITS, 'positive', 'rate').refine((rate) => rate.lte(1), {
  message: 'must be <= 1',
});
