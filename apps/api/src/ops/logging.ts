// Structured logs: one JSON object per line (pino), for the process's own
// messages (startup, shutdown, Nest's, errors) and one line per request
// (http.ts). Never a header, a body or a token: request lines are built field
// by field, and the usual secret-carrying keys are redacted on top of that.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as os from 'node:os';
import type { LoggerService } from '@nestjs/common';
import pino, { type Level, type Logger } from 'pino';

import type { ApiConfig } from '../config';

export interface JsonLog {
  logger: Logger;
  /** Writes out what is buffered (before process.exit). */
  flush(): void;
}

/** Defence in depth: no code logs these, and if one ever does they print as [redacted]. */
const REDACTED = ['authorization', 'token', 'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie'];

/**
 * The process's JSON logger, or null when the config sends Nest's messages to
 * a LoggerService or Nest levels (`logger` set) or nowhere (`logger: false`).
 * Stdout is written asynchronously (lines written during one I/O coalesce),
 * so `flush()` before exiting.
 */
export function createJsonLog(config: ApiConfig): JsonLog | null {
  if (config.logger !== undefined) return null;
  const destination = config.logStream ?? pino.destination({ dest: 1, sync: false });
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'ledger-api', pid: process.pid, hostname: os.hostname() },
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
    },
    destination,
  );
  const flush = (): void => {
    const sync = (destination as { flushSync?: () => void }).flushSync;
    if (!sync) return;
    try {
      sync.call(destination);
    } catch {
      /* nothing buffered, or stdout is gone */
    }
  };
  return { logger, flush };
}

/** Nest's start-up chatter (modules loaded, every route mapped): debug, not info. */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's messages as JSON lines: `{ level, context, msg }` (and `stack` on errors). */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes `(message, context)`, and `(message, stack, context)` for errors. */
  private write(level: Level, message: unknown, rest: unknown[]): void {
    const last = rest[rest.length - 1];
    const context = typeof last === 'string' && !last.includes('\n') ? last : undefined;
    if (level === 'info' && context !== undefined && BOOT_CONTEXTS.has(context)) level = 'debug';
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    const stack = rest.find((r) => typeof r === 'string' && r.includes('\n'));
    if (stack !== undefined) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}

/** An incoming X-Request-Id is kept when it is a plain token of 1-128 characters. */
const SANE_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/** Fastify's request id: the client's X-Request-Id if sane, else a random UUID. */
export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}
