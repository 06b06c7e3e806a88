// Where the built console is (npm run build:console writes dist/console) and
// which of its files may be served: only the names listed here, so no path
// from a request ever reaches the file system (@fastify/static's send also
// refuses traversal, but nothing relies on that).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The console's files by name, and their media types. */
export const CONSOLE_FILES: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['app.js', 'text/javascript; charset=utf-8'],
  ['app.css', 'text/css; charset=utf-8'],
]);

/**
 * The page's Content-Security-Policy: scripts, styles, fonts and requests from
 * this origin only; no frames, no plugins, no inline script. Inline styles are
 * allowed: the chart library positions its tooltips with them.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/console, from the compiled server (dist/apps/api/src/console) or from its sources under ts-jest (apps/api/src/console). */
export function consoleDir(): string | null {
  const candidates = [path.resolve(__dirname, '..', '..', '..', '..', 'console'), path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'console')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}
