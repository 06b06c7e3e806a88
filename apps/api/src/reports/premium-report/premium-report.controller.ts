import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';

import { QueryArea } from '../../auth/access.decorators';
import { REPORT_QUERY, parseQuery, requireOrder } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { sendCsv, wantsCsv } from '../csv-export';
import { PremiumReportQuery, type PremiumReportView } from './premium-report.query';

@Controller()
export class PremiumReportController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  /** JSON: totals and a page of lines. `Accept: text/csv`: every line (from `cursor` on, if given), streamed. */
  @Get('v1/reports/premiums')
  @QueryArea('reports')
  async get(@Query() query: unknown, @Headers('accept') accept: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const { from, to, basis, knownAt, limit, cursor } = parseQuery(query, REPORT_QUERY, ledgerQueryContext(this.ledger));
    requireOrder(from, to);
    if (wantsCsv(accept)) {
      const reports = this.ledger.projections.reports;
      return sendCsv(reply, `premiums-${from}-${to}-${basis}.csv`, ['policyId', 'currency', 'written', 'earned', 'openingUnearned', 'closingUnearned'], (next, pageLimit) =>
        reports.premiumLines(from, to, basis, knownAt, { limit: pageLimit, cursor: next ?? cursor }),
      );
    }
    reply.send(await this.queries.execute<PremiumReportQuery, PremiumReportView>(new PremiumReportQuery(from, to, basis, knownAt, { limit, cursor })));
  }
}
