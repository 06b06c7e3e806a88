// JSON Schema of the wire formats, for the OpenAPI document. Request bodies
// are the domain's zod schemas run through z.toJSONSchema (input side) with
// BODY_SCHEMA_OPTIONS: the fields whose rule is code (a refine or a
// transform: ids, dates, decimals) get the pattern, description and example
// of FIELD_FORMATS, matched by schema identity, so the domain schemas stay
// untouched and what is documented is what validates.
import { z } from 'zod';
import {
  CommandIdSchema,
  CurrencySchema,
  EntityIdSchema,
  FeeRateSchema,
  AnnualRateSchema,
  IsoDateSchema,
  MoneyChangeSchema,
  MoneySchema,
  NavSchema,
  PositiveMoneySchema,
  UnitRateSchema,
  UnitsSchema,
} from '@app/domain';

export type JsonSchema = Record<string, unknown>;

// ---------------------------------------------------------------------------
// Patterns: the same texts the domain accepts (domain-models/src/common).

/** A decimal of the domain (no sign, no exponent, no leading zeros, at most 18 integer digits) with up to `digits` fraction digits. */
const decimalPattern = (digits: number, signed = false): string => `^${signed ? '-?' : ''}(0|[1-9][0-9]{0,17})(\\.[0-9]{1,${digits}})?$`;

export const PATTERNS = {
  commandId: '^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
  /** Responses: 32 lowercase hex digits. */
  commandIdOut: '^[0-9a-f]{32}$',
  entityId: '^[A-Za-z0-9._-]{1,64}$',
  currency: '^[A-Z]{3}$',
  date: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  period: '^[0-9]{4}-(0[1-9]|1[0-2])$',
  instant: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$',
  money: decimalPattern(2),
  signedMoney: decimalPattern(2, true),
  units: decimalPattern(6),
  /** (0, 1] with up to 6 fraction digits. */
  unitRate: '^(0(\\.[0-9]{1,6})?|1(\\.0{1,6})?)$',
  /** [0, 1) with up to 6 fraction digits (zero is refused by the rule, not the pattern). */
  feeRate: '^0(\\.[0-9]{1,6})?$',
  /** Responses: money always has exactly 2 fraction digits, units, NAVs and rates 6. */
  moneyOut: '^-?[0-9]+\\.[0-9]{2}$',
  unitsOut: '^-?[0-9]+\\.[0-9]{6}$',
} as const;

// ---------------------------------------------------------------------------
// Request fields

/** What z.toJSONSchema cannot see in a refine or transform, per field schema (by identity). */
export const FIELD_FORMATS: ReadonlyMap<unknown, JsonSchema> = new Map<unknown, JsonSchema>([
  [
    CommandIdSchema,
    {
      description:
        "The command's 128-bit id: 32 hex digits or a hyphenated UUID, neither 0 nor 2^128-1. Answers write it as 32 lowercase hex digits. A retry with the same id and body gets the first answer again.",
      pattern: PATTERNS.commandId,
      examples: ['7f3c2a9e8b1d4c6fa0e5b2d9c8a7f6e1'],
    },
  ],
  [EntityIdSchema, { description: 'A client-chosen id: 1-64 characters of A-Z a-z 0-9 . _ -', pattern: PATTERNS.entityId, examples: ['P-1'] }],
  [IsoDateSchema, { description: 'A calendar date (valid time), YYYY-MM-DD.', format: 'date', pattern: PATTERNS.date, examples: ['2026-03-31'] }],
  [CurrencySchema, { description: 'ISO 4217 currency code.', examples: ['EUR'] }],
  [MoneySchema, { description: 'Money >= 0: a decimal string with at most 2 fraction digits (never a JSON number).', pattern: PATTERNS.money, examples: ['1200.00'] }],
  [PositiveMoneySchema, { description: 'Money > 0: a decimal string with at most 2 fraction digits.', pattern: PATTERNS.money, examples: ['400.00'] }],
  [MoneyChangeSchema, { description: 'A signed, non-zero change of money: a decimal string with at most 2 fraction digits.', pattern: PATTERNS.signedMoney, examples: ['-150.00'] }],
  [UnitRateSchema, { description: 'A rate in (0, 1]: a decimal string with at most 6 fraction digits.', pattern: PATTERNS.unitRate, examples: ['0.900000'] }],
  [UnitsSchema, { description: 'Units > 0: a decimal string with at most 6 fraction digits.', pattern: PATTERNS.units, examples: ['250.000000'] }],
  [NavSchema, { description: 'NAV per unit > 0: a decimal string with at most 6 fraction digits.', pattern: PATTERNS.units, examples: ['1.000000'] }],
  [FeeRateSchema, { description: 'A fee rate in (0, 1): a decimal string with at most 6 fraction digits.', pattern: PATTERNS.feeRate, examples: ['0.001000'] }],
  [AnnualRateSchema, { description: 'An annual fee rate in (0, 1): a decimal string with at most 10 fraction digits, never rounded before it is applied.', pattern: '^0(\\.[0-9]{1,10})?$', examples: ['0.0075'] }],
]);

/**
 * The options every request body is converted with: the input side (before
 * transforms), FIELD_FORMATS merged in. Anything without a JSON Schema form
 * throws, so a test fails rather than the document lying.
 */
export const BODY_SCHEMA_OPTIONS = {
  io: 'input',
  target: 'draft-2020-12',
  unrepresentable: 'throw',
  override: ({ zodSchema, jsonSchema }) => {
    const format = FIELD_FORMATS.get(zodSchema);
    if (format) Object.assign(jsonSchema, format);
  },
} satisfies Parameters<typeof z.toJSONSchema>[1];

/** The JSON Schema of a request body schema: exactly what /docs/openapi.json shows for it. */
export function bodyJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, BODY_SCHEMA_OPTIONS) as JsonSchema;
}

// ---------------------------------------------------------------------------
// Response fields (hand-written: answers are built by the domain, not parsed)

export const OUT = {
  commandId: { type: 'string', pattern: PATTERNS.commandIdOut, examples: ['7f3c2a9e8b1d4c6fa0e5b2d9c8a7f6e1'] },
  entityId: { type: 'string', pattern: PATTERNS.entityId, examples: ['P-1'] },
  currency: { type: 'string', pattern: PATTERNS.currency, examples: ['EUR'] },
  date: { type: 'string', format: 'date', pattern: PATTERNS.date, examples: ['2026-03-31'] },
  period: { type: 'string', pattern: PATTERNS.period, examples: ['2026-03'] },
  instant: { type: 'string', pattern: PATTERNS.instant, description: 'System time, ISO-8601 UTC with nanoseconds.', examples: ['2026-04-10T12:00:00.123456789Z'] },
  money: { type: 'string', pattern: PATTERNS.moneyOut, examples: ['1200.00'] },
  units: { type: 'string', pattern: PATTERNS.unitsOut, examples: ['800.000000'] },
} as const satisfies Record<string, JsonSchema>;

/** A JSON object schema: `required` lists every property unless `optional` names it. */
export function object(properties: Record<string, JsonSchema>, optional: readonly string[] = [], description?: string): JsonSchema {
  const schema: JsonSchema = { type: 'object', properties, required: Object.keys(properties).filter((k) => !optional.includes(k)) };
  if (description) schema.description = description;
  return schema;
}

export function arrayOf(items: JsonSchema, description?: string): JsonSchema {
  return description ? { type: 'array', items, description } : { type: 'array', items };
}
