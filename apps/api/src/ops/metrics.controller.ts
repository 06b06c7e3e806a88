// GET /metrics (Prometheus text). Like every endpoint it needs a bearer
// token: the scrape token of LEDGER_METRICS_TOKEN_FILE (it opens this route
// and nothing else, so Prometheus never holds a token that reads ledger
// data), or an operator's token with role admin or auditor.
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../auth/access.decorators';
import { describeAccess, isAllowed, type Access } from '../auth/roles';
import { TokenRegistry } from '../auth/tokens';
import { ForbiddenError, UnauthorizedError } from '../errors/api-errors';
import { LedgerMetrics } from './metrics';

/** The scrape token's registry (empty without LEDGER_METRICS_TOKEN_FILE). */
export const METRICS_SCRAPERS = Symbol('METRICS_SCRAPERS');

export const METRICS_ACCESS: Access = {
  kind: 'roles',
  roles: new Set(['admin', 'auditor']),
  describe: 'requires the metrics scrape token or role admin or auditor',
};

@Controller()
export class MetricsController {
  constructor(
    @Inject(LedgerMetrics) private readonly metrics: LedgerMetrics,
    @Inject(TokenRegistry) private readonly tokens: TokenRegistry,
    @Inject(METRICS_SCRAPERS) private readonly scrapers: TokenRegistry,
  ) {}

  /** @Public: the app-wide token check would refuse the scrape token, so the check is here. */
  @Public()
  @Get('metrics')
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (!this.scrapers.authenticate(header)) {
      const actor = this.tokens.authenticate(header);
      if (!actor) throw new UnauthorizedError();
      if (!isAllowed(actor, METRICS_ACCESS)) throw new ForbiddenError(`Actor ${actor.id} is not allowed here: ${describeAccess(METRICS_ACCESS)}.`);
    }
    const text = await this.metrics.text();
    void reply.header('content-type', LedgerMetrics.contentType).header('cache-control', 'no-store').send(text);
  }
}
