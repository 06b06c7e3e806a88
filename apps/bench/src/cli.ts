/** What the benchmarks' command lines share: usage errors and the exit codes of a run. */

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
