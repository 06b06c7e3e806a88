/** What the benchmarks' command lines share: usage errors, the exit codes of a run, a free port, a pause. */
import * as net from 'node:net';

/** A bad command line: reported as a message plus usage, without a stack trace. */
export class UsageError extends Error {}

/** Runs `main`; exit code 2 with the usage on a UsageError, 1 with the stack on anything else. */
export function runCli(main: () => Promise<void>, usage: string, progress: (message: string) => void): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      progress(`${err.message}\n${usage}`);
      process.exitCode = 2;
    } else {
      progress(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    }
  });
}

/** A TCP port free on loopback a moment ago (for a server the bench starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
