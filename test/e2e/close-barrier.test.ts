// A month close is a barrier: binds whose records are stamped but not yet
// durable when the close arrives are trued up by that close, never skipped.
import * as fs from 'fs';
import * as path from 'path';
import { startServer } from '../../apps/api/src/main';
import { TOKENS, tempDir, writeTokensFile } from './support';

const hex = (n: number) => (0x5000 + n).toString(16).padStart(32, 'c');

test('a close decides after every command stamped before it, so in-flight binds are trued up by it', async () => {
  const dir = tempDir('close-barrier-');
  const server = await startServer({ port: 0, dataDir: path.join(dir, 'data'), tokensFile: writeTokensFile(dir), logger: false });
  const post = async (p: string, body: unknown, token: string) => {
    const r = await fetch(`${server.url}${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  try {
    const binds = Array.from({ length: 60 }, (_, i) =>
      post(
        '/v1/policies',
        { commandId: hex(i), policyId: `B-${i}`, currency: 'EUR', holder: { name: 'x' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '365.00' },
        TOKENS.underwriter,
      ),
    );
    // Sent while the binds are in flight: it must wait for those already stamped.
    await new Promise((r) => setTimeout(r, 5));
    const close = await post('/v1/periods/2026-01/close', { commandId: hex(999) }, TOKENS.finance);
    const bound = await Promise.all(binds);
    expect(close.status).toBe(201);
    expect(bound.every((b) => b.status === 201)).toBe(true);
    const closedAt = String(close.body.closedAt);
    const before = bound.filter((b) => String(b.body.recordedAt) < closedAt).length;
    const trueUps = close.body.trueUps as { currency: string; policies: number; amount: string }[];
    // Each bound policy has earned 31 x 1.00 by 2026-01-31: the close trues up every one bound before it.
    expect(trueUps).toEqual(before === 0 ? [] : [{ currency: 'EUR', policies: before, amount: (31 * before).toFixed(2) }]);
    expect(before).toBeGreaterThan(0);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
