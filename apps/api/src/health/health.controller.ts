import { Controller, Get, Header, Inject } from '@nestjs/common';

import { Public } from '../auth/access.decorators';
import { NotReadyError } from '../errors/api-errors';
import { ClusterNode, type NodeRole } from '../ledger/cluster-node';
import { Readiness } from './readiness';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(ClusterNode) private readonly cluster: ClusterNode,
  ) {}

  /** The process answers: restart it if not. */
  @Public()
  @Get('live')
  @Header('cache-control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Route traffic here: the log is recovered and projections are caught up.
   * `role`: embedded (the WAL), or on PostgreSQL leader or follower (a load
   * balancer may send commands to the leader and spare a hop).
   */
  @Public()
  @Get('ready')
  @Header('cache-control', 'no-store')
  ready(): { status: 'ready'; role: NodeRole } {
    if (!this.readiness.isReady()) throw new NotReadyError(`Not ready: ${this.readiness.describePending()}.`);
    return { status: 'ready', role: this.cluster.role };
  }
}
