// Graceful shutdown on SIGTERM (and SIGINT):
//   1. /health/ready turns 503 (a load balancer stops sending);
//   2. the listening socket closes (no new connections); requests in flight
//      finish, and a command is still answered 2xx only once durable; new
//      requests on open keep-alive connections get 503 not_ready +
//      Connection: close; keep-alive connections close as they fall idle;
//   3. once no connection is left, Nest closes: the log is flushed and closed
//      (LedgerService.onApplicationShutdown);
//   4. exit 0.
// Hard deadline (SHUTDOWN_TIMEOUT_MS, 10 s): 2 s before it, connections still
// open are cut (their commands are durable or not, atomically, but
// unanswered); at it, the process exits 1. A second signal exits 1 at once.
// Nothing unacknowledged is ever reported durable, so an early exit is safe.
import type { Logger } from 'pino';

import { Readiness } from '../health/readiness';
import type { HttpDrain } from './http';

/** What shutdown needs of a running server (main.ts's RunningServer). */
export interface Stoppable {
  app: { get<T>(type: new (...args: never[]) => T): T };
  http: HttpDrain;
  close(): Promise<void>;
}

export interface ShutdownOptions {
  timeoutMs: number;
  log: Logger | null;
  /** Writes out buffered log lines (before exiting). */
  flush(): void;
  exit?: (code: number) => void;
}

/** How long before the deadline connections still open are cut, leaving time to close the log. */
const CLOSE_LOG_RESERVE_MS = 2000;

export class GracefulShutdown {
  private server: Stoppable | null = null;
  private requested: NodeJS.Signals | null = null;
  private stopping = false;
  private readonly exit: (code: number) => void;

  constructor(private readonly options: ShutdownOptions) {
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Listens for SIGTERM and SIGINT from now on (before start-up ends, so a signal then is not lost). */
  install(): this {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => this.signal(signal));
    return this;
  }

  /** The server is up: a signal received during start-up is acted on now. */
  serve(server: Stoppable): void {
    this.server = server;
    if (this.requested) void this.stop(this.requested);
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.stopping || (this.requested && !this.server)) {
      this.options.log?.warn({ signal }, 'second signal during shutdown: exiting now');
      this.finish(1);
      return;
    }
    this.requested = signal;
    if (this.server) void this.stop(signal);
    else this.options.log?.info({ signal }, 'signal during start-up: shutting down once started');
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping || !this.server) return;
    this.stopping = true;
    const server = this.server;
    const { log, timeoutMs } = this.options;
    const started = Date.now();
    log?.info({ signal, timeoutMs }, 'shutting down: no new connections, draining requests in flight');
    const deadline = setTimeout(() => {
      log?.error({ ms: Date.now() - started }, 'shutdown deadline passed: exiting 1');
      this.finish(1);
    }, timeoutMs);
    server.app.get(Readiness).markUnready('shutdown', 'shutting down');
    const cut = setTimeout(
      () => {
        log?.warn({ ms: Date.now() - started }, 'requests still in flight near the deadline: closing their connections');
        server.http.cut();
      },
      Math.max(0, timeoutMs - CLOSE_LOG_RESERVE_MS),
    );
    let code = 0;
    try {
      await server.http.drain();
      clearTimeout(cut);
      log?.info({ ms: Date.now() - started }, 'requests drained: closing the log');
      await server.close();
      log?.info({ ms: Date.now() - started }, 'stopped: requests drained, log flushed and closed');
    } catch (e) {
      code = 1;
      log?.error({ err: e, ms: Date.now() - started }, 'shutdown failed');
    } finally {
      clearTimeout(cut);
      clearTimeout(deadline);
    }
    this.finish(code);
  }

  private finish(code: number): void {
    this.options.flush();
    this.exit(code);
  }
}
