// The apply thread (apps/api/src/ledger/apply-thread.ts) over real HTTP. The
// same script of commands, run against three servers on their own data
// directories, must give the same answers and the same books:
//   - the read model applied on the JS thread (LEDGER_APPLY_THREAD=off);
//   - applied on the apply thread (the default);
//   - applied on the apply thread with an entity cache of ONE entity, and of
//     two, so the JS thread's cached states are evicted and refolded all the
//     time and must follow every commit of the other thread (a fee's and a
//     NAV correction's derived member events included, also when the fund's
//     state before them is no longer cached).
// Answers are compared with every instant (recordedAt, knownAt...) taken
// out, since each server stamps with its own clock; queries at a past
// knownAt use an instant each server returned for the same command. The
// replay audit then finds the thread-written read model equal to a replay
// of the log, and a restart serves the same answers.
import * as path from 'node:path';
import { script, withoutInstants } from './book-script';
import { type InProcessServer, TOKENS, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(120_000);

const VARIANTS = [
  { name: 'JS thread', config: { applyThread: false } },
  { name: 'apply thread', config: { applyThread: true } },
  { name: 'apply thread, a cache of one entity', config: { applyThread: true, cacheEntities: 1 } },
  { name: 'apply thread, a cache of two entities', config: { applyThread: true, cacheEntities: 2 } },
] as const;

describe('the apply thread', () => {
  let root: string;
  const servers: InProcessServer[] = [];

  beforeAll(() => {
    root = tempDir('ledger-apply-thread-');
  });

  afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    removeDir(root);
  });

  test('the same script gives the same answers on the JS thread, on the apply thread, and with caches of one and two entities; the audit matches; a restart answers the same', async () => {
    const tokensFile = writeTokensFile(root);
    const results: unknown[][] = [];
    for (const [i, variant] of VARIANTS.entries()) {
      const dataDir = path.join(root, `data-${i}`);
      let server = await startInProcess({ dataDir, tokensFile, config: variant.config });
      servers.push(server);
      const answers = await script(server.api);
      // The script's commands were all accepted, and every query answered 200.
      expect(answers.filter((a) => (a as { status?: number }).status !== undefined && (a as { status: number }).status !== 200)).toEqual([]);
      expect((await runAudit(server.api)).result.match).toBe(true);
      results.push(answers);

      // Restarted (the read model reopened at its checkpoint): the same answers to the end-of-script queries.
      await server.close();
      servers.splice(servers.indexOf(server), 1);
      server = await startInProcess({ dataDir, tokensFile, config: variant.config });
      servers.push(server);
      const again = await server.api.get('/v1/reports/trial-balance?asOf=2026-06-30&limit=10000', TOKENS.finance);
      const last = answers.find((a) => (a as { query?: string }).query === '/v1/reports/trial-balance?asOf=2026-06-30&limit=10000') as { body: unknown };
      expect(withoutInstants(again.body)).toEqual(last.body);
      await server.close();
      servers.splice(servers.indexOf(server), 1);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(results[3]).toEqual(results[0]);
  });
});
