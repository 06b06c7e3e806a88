import {
  BindPolicySchema,
  CancelPolicyBodySchema,
  CancelPolicySchema,
  EndorsePolicyBodySchema,
  RecordPremiumPaymentBodySchema,
} from './commands';

const UUID = '0F8FAD5B-D9CB-469F-A165-70867728950E';
const bindBody = {
  commandId: UUID,
  policyId: 'P-1',
  currency: 'EUR',
  holder: { name: 'Ada Lovelace' },
  term: { start: '2025-01-01', end: '2026-01-01' },
  premium: '1200',
};

const issuesAt = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.path.join('.'));

describe('BindPolicy', () => {
  it('normalizes the command id and parses money to Decimal', () => {
    const cmd = BindPolicySchema.parse(bindBody);
    expect(cmd.commandId).toBe('0f8fad5bd9cb469fa16570867728950e');
    expect(cmd.premium.toFixed(2)).toBe('1200.00');
  });

  it.each([
    ['an extra field', { ...bindBody, extra: 1 }, ''],
    ['an extra holder field', { ...bindBody, holder: { name: 'A', age: 3 } }, 'holder'],
    ['3 fraction digits', { ...bindBody, premium: '1200.001' }, 'premium'],
    ['a negative premium', { ...bindBody, premium: '-1.00' }, 'premium'],
    ['a JSON number', { ...bindBody, premium: 1200 }, 'premium'],
    ['an exponent', { ...bindBody, premium: '1e3' }, 'premium'],
    ['a lower-case currency', { ...bindBody, currency: 'eur' }, 'currency'],
    ['an empty name', { ...bindBody, holder: { name: '' } }, 'holder.name'],
    ['a 201-char name', { ...bindBody, holder: { name: 'x'.repeat(201) } }, 'holder.name'],
    ['an empty term', { ...bindBody, term: { start: '2025-01-01', end: '2025-01-01' } }, 'term.end'],
    ['a non-date', { ...bindBody, term: { start: '2025-02-30', end: '2026-01-01' } }, 'term.start'],
    ['a bad policy id', { ...bindBody, policyId: 'P 1' }, 'policyId'],
    ['a zero command id', { ...bindBody, commandId: '0'.repeat(32) }, 'commandId'],
  ])('refuses %s', (_what, body, path) => {
    const result = BindPolicySchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(issuesAt(result)).toContain(path);
  });

  it('accepts a zero premium, a 200-char name and 1 fraction digit', () => {
    expect(BindPolicySchema.safeParse({ ...bindBody, premium: '0' }).success).toBe(true);
    expect(BindPolicySchema.safeParse({ ...bindBody, premium: '0.5', holder: { name: 'x'.repeat(200) } }).success).toBe(true);
  });
});

describe('EndorsePolicy', () => {
  it('takes a signed change, refuses zero and a policyId in the body', () => {
    const body = { commandId: UUID, effectiveDate: '2025-06-01', annualPremiumChange: '-100.5' };
    expect(EndorsePolicyBodySchema.parse(body).annualPremiumChange.toFixed(2)).toBe('-100.50');
    expect(EndorsePolicyBodySchema.safeParse({ ...body, annualPremiumChange: '0.00' }).success).toBe(false);
    expect(EndorsePolicyBodySchema.safeParse({ ...body, policyId: 'P-1' }).success).toBe(false);
  });
});

describe('CancelPolicy', () => {
  const body = { commandId: UUID, effectiveDate: '2025-06-01' };

  it('defaults the short-rate factor to 0.900000', () => {
    const cmd = CancelPolicyBodySchema.parse({ ...body, method: 'short-rate' });
    expect(cmd.method === 'short-rate' && cmd.shortRateFactor.toFixed(6)).toBe('0.900000');
  });

  it('takes a factor in (0, 1] with at most 6 fraction digits', () => {
    const cmd = CancelPolicySchema.parse({ ...body, policyId: 'P-1', method: 'short-rate', shortRateFactor: '1' });
    expect(cmd.method === 'short-rate' && cmd.shortRateFactor.toFixed(6)).toBe('1.000000');
    for (const factor of ['0', '0.000000', '1.000001', '0.1234567', '-0.5', 'abc']) {
      expect(issuesAt(CancelPolicyBodySchema.safeParse({ ...body, method: 'short-rate', shortRateFactor: factor }))).toContain('shortRateFactor');
    }
  });

  it('refuses a factor with pro-rata, and an unknown method', () => {
    expect(issuesAt(CancelPolicyBodySchema.safeParse({ ...body, method: 'pro-rata', shortRateFactor: '0.9' }))).toContain('shortRateFactor');
    expect(CancelPolicyBodySchema.parse({ ...body, method: 'pro-rata' })).toEqual({
      commandId: '0f8fad5bd9cb469fa16570867728950e',
      effectiveDate: '2025-06-01',
      method: 'pro-rata',
    });
    expect(CancelPolicyBodySchema.safeParse({ ...body, method: 'flat' }).success).toBe(false);
  });
});

describe('RecordPremiumPayment', () => {
  it('needs an amount > 0', () => {
    const body = { commandId: UUID, receivedDate: '2024-12-01', amount: '0.01' };
    expect(RecordPremiumPaymentBodySchema.parse(body).amount.toFixed(2)).toBe('0.01');
    expect(RecordPremiumPaymentBodySchema.safeParse({ ...body, amount: '0' }).success).toBe(false);
    expect(RecordPremiumPaymentBodySchema.safeParse({ ...body, amount: '-5' }).success).toBe(false);
  });
});
