// Runtime configuration of the API process. Only main.ts reads the
// environment; everything else receives an ApiConfig (tests build one directly).
import { isPostgresUrl, parseLogUrl } from '@app/pg-log';
import * as path from 'node:path';
import type { LoggerService, LogLevel } from '@nestjs/common';

export const MiB = 1024 * 1024;

/** pino's levels; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Where JSON log lines go: anything with `write(line)` (default: stdout). */
export interface LogStream {
  write(line: string): void;
}

export interface ApiConfig {
  port: number;
  host: string;
  /** Holds the log and, without a tokens file, the generated `admin-token`. */
  dataDir: string;
  /** JSON list of `{ token, actor, roles }`; absent: a generated admin token. */
  tokensFile?: string;
  /** A file holding the bearer token Prometheus scrapes /metrics with (that route only). */
  metricsTokenFile?: string;
  /** Body limit of every route but /v1/batch. */
  bodyLimit: number;
  /** /v1/batch carries up to 8,189 commands. */
  batchBodyLimit: number;
  /**
   * Nest's messages: undefined (default) writes JSON lines through pino at
   * `logLevel`, with one line per request; a LoggerService or Nest levels
   * take Nest's messages instead (no request lines); false logs nothing.
   */
  logger?: LogLevel[] | LoggerService | false;
  /** pino level of the JSON logs; request lines are `info`. */
  logLevel: LogLevelName;
  /** Where the JSON lines go (tests capture them); default stdout. */
  logStream?: LogStream;
  /** SIGTERM: in-flight requests drain and the log closes within this, or the process exits 1. */
  shutdownTimeoutMs: number;
  /**
   * The read model's LMDB map size: the most it may grow to on disk. Address
   * space, not memory: its pages are the kernel's file cache.
   */
  readModelMapSizeBytes: number;
  /** Latest entity states kept in the heap (an LRU); the rest are folded from the read model when asked for. */
  cacheEntities: number;
  /**
   * Apply durable records to the read model on a second thread (the apply
   * thread), so the JS thread only decides; false applies on the JS thread.
   */
  applyThread: boolean;
  /**
   * The log: the embedded WAL under <dataDir>/wal (default), or a PostgreSQL
   * cluster (a libpq postgres:// URL, several hosts allowed).
   */
  log: { kind: 'wal' } | { kind: 'postgres'; url: string; singleNode: boolean };
  /**
   * How the other API nodes reach this one (a follower forwards commands to
   * the leader's URL): LEDGER_NODE_URL; default the URL the server listens on.
   */
  nodeUrl?: string;
}

export type ApiConfigInput = Partial<ApiConfig>;

/** Fills the defaults; the data directory is made absolute once, here. */
export function withDefaults(input: ApiConfigInput = {}): ApiConfig {
  return {
    port: input.port ?? 3000,
    host: input.host ?? '127.0.0.1',
    dataDir: path.resolve(input.dataDir ?? './data'),
    tokensFile: input.tokensFile ? path.resolve(input.tokensFile) : undefined,
    metricsTokenFile: input.metricsTokenFile ? path.resolve(input.metricsTokenFile) : undefined,
    bodyLimit: input.bodyLimit ?? 1 * MiB,
    batchBodyLimit: input.batchBodyLimit ?? 8 * MiB,
    logger: input.logger,
    logLevel: input.logLevel ?? (process.env.NODE_ENV === 'test' ? 'error' : 'info'),
    logStream: input.logStream,
    shutdownTimeoutMs: input.shutdownTimeoutMs ?? 10_000,
    readModelMapSizeBytes: input.readModelMapSizeBytes ?? 64 * 1024 * MiB,
    cacheEntities: input.cacheEntities ?? 50_000,
    applyThread: input.applyThread ?? true,
    log: input.log ?? { kind: 'wal' },
    nodeUrl: input.nodeUrl,
  };
}

/**
 * PORT, HOST, LEDGER_DATA_DIR, LEDGER_TOKENS_FILE, LEDGER_METRICS_TOKEN_FILE,
 * LOG_LEVEL, SHUTDOWN_TIMEOUT_MS, LEDGER_READMODEL_MAP_MIB, LEDGER_CACHE_ENTITIES,
 * LEDGER_APPLY_THREAD (on, off), LEDGER_LOG (wal, or a postgres:// URL),
 * LEDGER_LOG_SINGLE_NODE (on, off), LEDGER_NODE_URL (http(s)://host:port);
 * a bad value stops startup.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return withDefaults({
    port: env.PORT === undefined || env.PORT === '' ? undefined : parsePort(env.PORT),
    host: env.HOST || undefined,
    dataDir: env.LEDGER_DATA_DIR || undefined,
    tokensFile: env.LEDGER_TOKENS_FILE || undefined,
    metricsTokenFile: env.LEDGER_METRICS_TOKEN_FILE || undefined,
    logLevel: env.LOG_LEVEL ? parseLogLevel(env.LOG_LEVEL) : undefined,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ? parseTimeout(env.SHUTDOWN_TIMEOUT_MS) : undefined,
    readModelMapSizeBytes: env.LEDGER_READMODEL_MAP_MIB ? parseInteger('LEDGER_READMODEL_MAP_MIB', env.LEDGER_READMODEL_MAP_MIB, 16, 16 * 1024 * 1024) * MiB : undefined,
    cacheEntities: env.LEDGER_CACHE_ENTITIES ? parseInteger('LEDGER_CACHE_ENTITIES', env.LEDGER_CACHE_ENTITIES, 100, 100_000_000) : undefined,
    applyThread: env.LEDGER_APPLY_THREAD ? parseOnOff('LEDGER_APPLY_THREAD', env.LEDGER_APPLY_THREAD) : undefined,
    log: parseLog(env.LEDGER_LOG, env.LEDGER_LOG_SINGLE_NODE),
    nodeUrl: env.LEDGER_NODE_URL ? parseNodeUrl(env.LEDGER_NODE_URL) : undefined,
  });
}

/** LEDGER_NODE_URL: an http(s) origin, no path, query or credentials (commands are forwarded to it with the caller's own token). */
function parseNodeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`LEDGER_NODE_URL must be an http(s) URL such as http://10.0.0.11:3000, got "${text}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`LEDGER_NODE_URL must be an http(s) origin such as http://10.0.0.11:3000, got "${text}"`);
  }
  return url.origin;
}

/** LEDGER_LOG: unset or `wal` for the embedded WAL, or a postgres:// URL (checked here, so a typo stops startup); LEDGER_LOG_SINGLE_NODE only with a URL. */
function parseLog(text: string | undefined, singleNode: string | undefined): ApiConfig['log'] | undefined {
  const single = singleNode ? parseOnOff('LEDGER_LOG_SINGLE_NODE', singleNode) : false;
  if (!text || text === 'wal') {
    if (single) throw new Error('LEDGER_LOG_SINGLE_NODE is for a PostgreSQL log: set LEDGER_LOG to its postgres:// URL');
    return undefined;
  }
  if (!isPostgresUrl(text)) throw new Error('LEDGER_LOG must be wal or a postgres:// URL');
  parseLogUrl(text);
  return { kind: 'postgres', url: text, singleNode: single };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || port > 65535) throw new Error(`PORT must be an integer 0-65535, got "${text}"`);
  return port;
}

function parseLogLevel(text: string): LogLevelName {
  const level = text.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  return level as LogLevelName;
}

function parseOnOff(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off, got "${text}"`);
}

function parseTimeout(text: string): number {
  const ms = Number(text);
  if (!/^[0-9]{1,6}$/.test(text) || ms < 1000) throw new Error(`SHUTDOWN_TIMEOUT_MS must be an integer 1000-999999, got "${text}"`);
  return ms;
}

function parseInteger(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]{1,12}$/.test(text) || value < min || value > max) throw new Error(`${name} must be an integer ${min}-${max}, got "${text}"`);
  return value;
}
