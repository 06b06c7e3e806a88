// Runtime configuration of the API process. Only main.ts reads the
// environment; everything else receives an ApiConfig (tests build one directly).
import * as path from 'node:path';
import type { LoggerService, LogLevel } from '@nestjs/common';

export const MiB = 1024 * 1024;

export interface ApiConfig {
  port: number;
  host: string;
  /** Holds the log and, without a tokens file, the generated `admin-token`. */
  dataDir: string;
  /** JSON list of `{ token, actor, roles }`; absent: a generated admin token. */
  tokensFile?: string;
  /** Body limit of every route but /v1/batch. */
  bodyLimit: number;
  /** /v1/batch carries up to 8,189 commands. */
  batchBodyLimit: number;
  /** Nest logger: levels to print, a LoggerService (tests capture), or false. */
  logger: LogLevel[] | LoggerService | false;
}

export type ApiConfigInput = Partial<ApiConfig>;

const DEFAULT_LEVELS: LogLevel[] = ['log', 'warn', 'error', 'fatal'];

/** Fills the defaults; the data directory is made absolute once, here. */
export function withDefaults(input: ApiConfigInput = {}): ApiConfig {
  return {
    port: input.port ?? 3000,
    host: input.host ?? '127.0.0.1',
    dataDir: path.resolve(input.dataDir ?? './data'),
    tokensFile: input.tokensFile ? path.resolve(input.tokensFile) : undefined,
    bodyLimit: input.bodyLimit ?? 1 * MiB,
    batchBodyLimit: input.batchBodyLimit ?? 8 * MiB,
    logger: input.logger ?? (process.env.NODE_ENV === 'test' ? ['error', 'fatal'] : DEFAULT_LEVELS),
  };
}

/** PORT, HOST, LEDGER_DATA_DIR, LEDGER_TOKENS_FILE; a bad value stops startup. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return withDefaults({
    port: env.PORT === undefined || env.PORT === '' ? undefined : parsePort(env.PORT),
    host: env.HOST || undefined,
    dataDir: env.LEDGER_DATA_DIR || undefined,
    tokensFile: env.LEDGER_TOKENS_FILE || undefined,
  });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || port > 65535) throw new Error(`PORT must be an integer 0-65535, got "${text}"`);
  return port;
}
