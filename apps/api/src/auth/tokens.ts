// Bearer tokens: loaded once at startup, looked up per request by SHA-256
// digest. Hashing first makes the lookup independent of how much of a guessed
// token matches a real one (the digest of a guess tells nothing about a
// token), and keeps no plaintext token in memory past startup.
import { createHash, hash as oneShotHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

import { joinPath } from '../errors/api-errors';
import { ROLES } from './roles';
import type { Actor, Role } from './roles';

export const ADMIN_TOKEN_FILE = 'admin-token';
const TOKEN_TEXT = /^[\x21-\x7e]+$/; // visible ASCII: survives an Authorization header intact
const GENERATED_TOKEN = /^[0-9a-f]{64}$/;

const TokensFileSchema = z
  .array(
    z.strictObject({
      token: z.string().min(1).max(512).regex(TOKEN_TEXT, 'must be visible ASCII without spaces'),
      actor: z.string().min(1).max(128),
      roles: z.array(z.enum(ROLES)).min(1),
    }),
  )
  .min(1, 'lists no tokens');

/** Startup refuses a bad tokens file; the message names the problem, never a token. */
export class TokensFileError extends Error {
  constructor(file: string, problem: string) {
    super(`LEDGER_TOKENS_FILE ${file}: ${problem}`);
    this.name = 'TokensFileError';
  }
}

/** SHA-256, base64: how a secret (a token, a session id) is looked up without being kept in the clear. */
export function digest(token: string): string {
  // One per request: Node's one-shot crypto.hash (20.12+) where there is one, a third of createHash's cost.
  return typeof oneShotHash === 'function' ? oneShotHash('sha256', token, 'base64') : createHash('sha256').update(token, 'utf8').digest('base64');
}

export class TokenRegistry {
  private readonly byDigest = new Map<string, Actor>();

  constructor(entries: Iterable<{ token: string; actor: string; roles: readonly Role[] }>) {
    for (const e of entries) this.byDigest.set(digest(e.token), { id: e.actor, roles: new Set(e.roles) });
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The actor of a token (the console's sign-in), or undefined. */
  actorOf(token: string): Actor | undefined {
    return token.length > 0 && token.length <= 1024 ? this.byDigest.get(digest(token)) : undefined;
  }

  /** The actor of an `Authorization: Bearer <token>` header, or undefined. */
  authenticate(header: string | undefined): Actor | undefined {
    if (header === undefined || header.length < 8 || header.length > 1024) return undefined;
    if (header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    const token = header.slice(7).trim();
    return token ? this.byDigest.get(digest(token)) : undefined;
  }
}

export interface LoadedTokens {
  registry: TokenRegistry;
  /** Set when no tokens file was given: where the admin token is (log it, never its content). */
  adminTokenPath?: string;
  warnings: string[];
}

export async function loadTokens(tokensFile: string | undefined, dataDir: string): Promise<LoadedTokens> {
  if (tokensFile) return loadTokensFile(tokensFile);
  const adminTokenPath = path.join(dataDir, ADMIN_TOKEN_FILE);
  const token = await ensureAdminToken(adminTokenPath);
  return { registry: new TokenRegistry([{ token, actor: 'admin', roles: ['admin'] }]), adminTokenPath, warnings: [] };
}

async function loadTokensFile(file: string): Promise<LoadedTokens> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mode)]);
  } catch (e) {
    throw new TokensFileError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the error: it could be a token.
    throw new TokensFileError(file, 'is not valid JSON');
  }
  const parsed = TokensFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${joinPath(i.path) || '(root)'}: ${i.message}`);
    throw new TokensFileError(file, `expected [{ "token", "actor", "roles": [...] }]; ${issues.join('; ')}`);
  }
  const seen = new Set<string>();
  parsed.data.forEach((entry, index) => {
    const d = digest(entry.token);
    if (seen.has(d)) throw new TokensFileError(file, `entry ${index} (actor ${entry.actor}) repeats the token of an earlier entry`);
    seen.add(d);
  });
  const warnings: string[] = [];
  if ((mode & 0o077) !== 0) warnings.push(`tokens file ${file} is readable by group or others; chmod 600 it`);
  const short = parsed.data.filter((e) => e.token.length < 16).map((e) => e.actor);
  if (short.length) warnings.push(`tokens shorter than 16 characters for actor(s) ${short.join(', ')}`);
  return { registry: new TokenRegistry(parsed.data), warnings };
}

/**
 * Keeps the token of an earlier start (clients configured with it keep
 * working); otherwise writes a fresh one, 0600, via a temp file so a crash
 * never leaves a half-written token.
 */
async function ensureAdminToken(file: string): Promise<string> {
  try {
    const existing = (await fs.readFile(file, 'utf8')).trim();
    if (GENERATED_TOKEN.test(existing)) {
      await fs.chmod(file, 0o600);
      return existing;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  const temp = `${file}.${process.pid}.tmp`;
  await fs.rm(temp, { force: true }); // 'wx' below: the mode applies only to a file it creates
  await fs.writeFile(temp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await fs.rename(temp, file);
  return token;
}
