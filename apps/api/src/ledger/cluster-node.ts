// Where this API node stands among the nodes that share one log. With the
// embedded WAL there is one node and it writes ('embedded'). On PostgreSQL
// every node keeps its own read model, fed by following the log, and one of
// them, the leader, holds the log's writer lease (libs/pg-log): it decides
// and appends every command, so the whole ledger has one clock and one order.
// A follower answers queries from its own read model and passes commands to
// the leader over HTTP (http/cluster-routing.ts). While a node reconnects
// (its PostgreSQL connection failed, e.g. a failover) it answers 503.
//
// This object is shared by the ledger service, which moves the role, and the
// HTTP hooks, which read it on every request; it holds no I/O of its own.
import type { Instant } from '@app/domain';

export type NodeRole = 'embedded' | 'leader' | 'follower' | 'reconnecting';

/** What the open ledger lends the HTTP hooks: its position, and a wait for a later one. */
export interface PositionSource {
  /** The horizon: every record stamped at or before it is applied on this node. */
  position(): Instant;
  /** True once the horizon reaches `at`, false after `timeoutMs`. */
  whenPosition(at: Instant, timeoutMs: number): Promise<boolean>;
}

export class ClusterNode {
  role: NodeRole = 'embedded';
  /** The leader's URL as it advertised it (a follower forwards commands there); null when unknown. */
  leaderUrl: string | null = null;
  /** The open ledger's position; null while it opens or reconnects. */
  source: PositionSource | null = null;
  private url: string | null;
  private readonly urlWaiters: ((url: string) => void)[] = [];

  /** `configured`: LEDGER_NODE_URL, how the other nodes reach this one; else the URL it listens on, once known. */
  constructor(configured?: string) {
    this.url = configured ?? null;
  }

  /** The URL the server listens on: this node's URL unless one was configured. */
  advertise(listening: string): void {
    if (this.url !== null) return;
    this.url = listening;
    for (const wake of this.urlWaiters.splice(0)) wake(listening);
  }

  /** This node's URL, once known (a node leads only once its URL can be advertised). */
  nodeUrl(): Promise<string> {
    if (this.url !== null) return Promise.resolve(this.url);
    return new Promise((resolve) => this.urlWaiters.push(resolve));
  }

  get ownUrl(): string | null {
    return this.url;
  }
}
