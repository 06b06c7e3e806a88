// Readiness = every expected component has reported ready. The shell expects
// 'http' (marked by createApp once Nest is initialised); a slice that must
// finish work before traffic (log recovery, projection catch-up) calls
// `expect('log')` in its constructor or onModuleInit and `markReady('log')`
// when done, and `markUnready('log', why)` if it fail-stops later.
import { Injectable } from '@nestjs/common';

@Injectable()
export class Readiness {
  private readonly pending = new Map<string, string>([['http', 'the server is starting']]);

  expect(component: string, reason = 'starting'): void {
    this.pending.set(component, reason);
  }

  markReady(component = 'http'): void {
    this.pending.delete(component);
  }

  markUnready(component: string, reason: string): void {
    this.pending.set(component, reason);
  }

  isReady(): boolean {
    return this.pending.size === 0;
  }

  /** "log: recovering; projections: catching up" (for the 503 detail). */
  describePending(): string {
    return [...this.pending].map(([c, r]) => `${c}: ${r}`).join('; ');
  }
}
