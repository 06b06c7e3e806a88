import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';

import { QueryArea } from '../../auth/access.decorators';
import { TRIAL_BALANCE_QUERY, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { sendCsv, wantsCsv } from '../csv-export';
import { TrialBalanceQuery, type TrialBalanceView } from './trial-balance.query';

@Controller()
export class TrialBalanceController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  /** JSON: control accounts, totals and a page of the subledger. `Accept: text/csv`: every subledger line, streamed. */
  @Get('v1/reports/trial-balance')
  @QueryArea('reports')
  async get(@Query() query: unknown, @Headers('accept') accept: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const { asOf, knownAt, limit, cursor } = parseQuery(query, TRIAL_BALANCE_QUERY, ledgerQueryContext(this.ledger));
    if (wantsCsv(accept)) {
      const reports = this.ledger.projections.reports;
      return sendCsv(reply, `subledger-${asOf}.csv`, ['account', 'control', 'debit', 'credit'], (next, pageLimit) => reports.subledger(asOf, knownAt, { limit: pageLimit, cursor: next ?? cursor }));
    }
    reply.send(await this.queries.execute<TrialBalanceQuery, TrialBalanceView>(new TrialBalanceQuery(asOf, knownAt, { limit, cursor })));
  }
}
