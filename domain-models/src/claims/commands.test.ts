import { ChangeReserveBodySchema, CloseClaimBodySchema, OpenClaimSchema, PayClaimBodySchema, PayClaimSchema, RecoverClaimBodySchema, ReopenClaimBodySchema } from './commands';

const commandId = '0f8fad5bd9cb469fa16570867728950e';
const open = { commandId, claimId: 'C-1', policyId: 'P-1', lossDate: '2025-03-10', reportedDate: '2025-03-12', initialReserve: '1000' };

describe('claim commands', () => {
  it('parse OpenClaim with a zero initial reserve and reportedDate = lossDate', () => {
    const cmd = OpenClaimSchema.parse({ ...open, initialReserve: '0', reportedDate: '2025-03-10' });
    expect(cmd.initialReserve.isZero()).toBe(true);
  });

  it('refuse a report before the loss, a negative reserve, extra fields', () => {
    expect(OpenClaimSchema.safeParse({ ...open, reportedDate: '2025-03-09' }).success).toBe(false);
    expect(OpenClaimSchema.safeParse({ ...open, initialReserve: '-1' }).success).toBe(false);
    expect(OpenClaimSchema.safeParse({ ...open, currency: 'EUR' }).success).toBe(false);
  });

  it('take a signed non-zero reserve change, a positive payment, a date to close', () => {
    const body = { commandId, effectiveDate: '2025-04-01' };
    expect(ChangeReserveBodySchema.parse({ ...body, change: '-12.3' }).change.toFixed(2)).toBe('-12.30');
    expect(ChangeReserveBodySchema.safeParse({ ...body, change: '0' }).success).toBe(false);
    expect(PayClaimBodySchema.safeParse({ ...body, amount: '0' }).success).toBe(false);
    expect(PayClaimBodySchema.safeParse({ ...body, amount: '10.001' }).success).toBe(false);
    expect(PayClaimSchema.parse({ ...body, claimId: 'C-1', amount: '10' }).claimId).toBe('C-1');
    expect(CloseClaimBodySchema.safeParse({ ...body, release: '1' }).success).toBe(false);
    expect(CloseClaimBodySchema.safeParse({ commandId, effectiveDate: '2025-4-1' }).success).toBe(false);
  });

  it('take a positive recovery of a known kind, and a reopen with a reserve >= 0', () => {
    const body = { commandId, effectiveDate: '2025-04-01' };
    expect(RecoverClaimBodySchema.parse({ ...body, amount: '12.3', kind: 'salvage' }).amount.toFixed(2)).toBe('12.30');
    expect(RecoverClaimBodySchema.safeParse({ ...body, amount: '0', kind: 'salvage' }).success).toBe(false);
    expect(RecoverClaimBodySchema.safeParse({ ...body, amount: '1', kind: 'refund' }).success).toBe(false);
    expect(RecoverClaimBodySchema.safeParse({ ...body, amount: '1' }).success).toBe(false);
    expect(ReopenClaimBodySchema.parse({ ...body, reserve: '0' }).reserve.isZero()).toBe(true);
    expect(ReopenClaimBodySchema.safeParse({ ...body, reserve: '-1' }).success).toBe(false);
    expect(ReopenClaimBodySchema.safeParse(body).success).toBe(false);
  });
});
