// The contract ships in the repo (docs/) and stays current: no tracked file
// points outside the repo for it, the README links each document, and every
// route the server documents in its OpenAPI (the routes it mounts: see
// test/api/openapi.test.ts) is named in docs/api.md.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { openApiPath } from '../../apps/api/src/docs/openapi';
import { COMMAND_RESULTS, OPERATIONS } from '../../apps/api/src/docs/operations';
import { REPO_ROOT } from '../e2e/support';

const DOCS = ['architecture.md', 'api.md', 'domain.md', 'wal.md'];
/** The folder beside the repo the contract used to live in (spelled in parts, so this file does not mention it). */
const OUTSIDE = ['..', 'shared'].join('/');

test('the contract is in docs/, linked from the README, and no tracked file points outside the repo for it', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  for (const doc of DOCS) {
    expect(fs.statSync(path.join(REPO_ROOT, 'docs', doc)).size).toBeGreaterThan(1000);
    expect(readme).toContain(`(docs/${doc})`);
  }
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  expect(tracked.length).toBeGreaterThan(100);
  const pointing = tracked.filter((file) => {
    const full = path.join(REPO_ROOT, file);
    return fs.existsSync(full) && fs.statSync(full).isFile() && fs.readFileSync(full).includes(OUTSIDE);
  });
  expect(pointing).toEqual([]);
});

test('docs/api.md names every /v1 route the server documents', () => {
  const api = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'api.md'), 'utf8');
  const routes = [...Object.keys(OPERATIONS), ...Object.keys(COMMAND_RESULTS)]
    .map((key) => {
      const [method, route] = key.split(' ');
      return { method, route: openApiPath(route) };
    })
    .filter((r) => r.route.startsWith('/v1/'));
  expect(routes.length).toBeGreaterThan(25);
  // api.md writes a path's parameters by name ({policyId}); a month as {YYYY-MM}.
  const spelled = (route: string) => route.replace('{period}', '{YYYY-MM}');
  const missing = routes.filter((r) => !api.includes(`${r.method} ${spelled(r.route)}`)).map((r) => `${r.method} ${r.route}`);
  expect(missing).toEqual([]);
});
