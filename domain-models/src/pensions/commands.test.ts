import { ChargeFeeBodySchema, ContributeSchema, LaunchFundSchema, StrikeValuationSchema, SwitchBodySchema, SwitchSchema } from './commands';

const id = '0123456789ABCDEF0123456789abcdef';

describe('pension command schemas', () => {
  it('parses a fund launch in domain form', () => {
    const cmd = LaunchFundSchema.parse({ commandId: id, fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.25' });
    expect(cmd.commandId).toBe(id.toLowerCase());
    expect(cmd.launchNavPerUnit.toFixed(6)).toBe('1.250000');
  });

  it('refuses unknown fields, too many fraction digits and out-of-range values', () => {
    expect(LaunchFundSchema.safeParse({ commandId: id, fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.2500001' }).success).toBe(false);
    expect(LaunchFundSchema.safeParse({ commandId: id, fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '0' }).success).toBe(false);
    expect(LaunchFundSchema.safeParse({ commandId: id, fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1', extra: 1 }).success).toBe(false);
    expect(StrikeValuationSchema.safeParse({ commandId: id, fundId: 'F-1', valuationDate: '2026-01-05', netAssets: '0' }).success).toBe(true);
    expect(StrikeValuationSchema.safeParse({ commandId: id, fundId: 'F-1', valuationDate: '2026-01-05', netAssets: '-1.00' }).success).toBe(false);
    for (const rate of ['0', '1', '1.5', '0.0000001']) expect(ChargeFeeBodySchema.safeParse({ commandId: id, effectiveDate: '2026-01-05', rate }).success).toBe(false);
    expect(ChargeFeeBodySchema.safeParse({ commandId: id, effectiveDate: '2026-01-05', rate: '0.999999' }).success).toBe(true);
    expect(ContributeSchema.safeParse({ commandId: id, memberId: 'M-1', fundId: 'F-1', amount: '0.00', effectiveDate: '2026-01-05' }).success).toBe(false);
    expect(ContributeSchema.safeParse({ commandId: id, memberId: 'M-1', fundId: 'F-1', amount: 10, effectiveDate: '2026-01-05' }).success).toBe(false);
  });

  it('refuses a switch into the same fund or of zero units', () => {
    const body = { commandId: id, fromFundId: 'F-1', toFundId: 'F-2', units: '1.000001', effectiveDate: '2026-01-05' };
    expect(SwitchBodySchema.safeParse(body).success).toBe(true);
    expect(SwitchSchema.safeParse({ ...body, memberId: 'M-1' }).success).toBe(true);
    expect(SwitchBodySchema.safeParse({ ...body, toFundId: 'F-1' }).success).toBe(false);
    expect(SwitchBodySchema.safeParse({ ...body, units: '0.000000' }).success).toBe(false);
  });
});
