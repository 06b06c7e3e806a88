// The root module. How a use-case slice plugs in:
//
//   apps/api/src/<slice>/<slice>.module.ts
//     @Module({ controllers: [PoliciesController], providers: [BindPolicyHandler, GetPolicyHandler, ...] })
//     export class PoliciesModule {}
//   and one line in SLICE_MODULES below.
//
// CqrsModule.forRoot() is global: handlers (@CommandHandler / @QueryHandler)
// listed as providers of any slice module are registered on the buses at
// bootstrap; controllers inject CommandBus / QueryBus directly. API_CONFIG,
// TokenRegistry and Readiness are global too (CoreModule). Guard and error
// filter are app-wide: a controller only declares access (@Roles, @QueryArea,
// @Authenticated, @Public) and throws (DomainError, NotFoundError, ApiError...).
import { Module } from '@nestjs/common';
import type { DynamicModule, ForwardReference, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';

import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import type { Authenticator } from './auth/authenticator';
import { BatchModule } from './batch/batch.module';
import { ClaimsModule } from './claims/claims.module';
import type { ApiConfig } from './config';
import { ConsoleModule } from './console/console.module';
import { CoreModule } from './core.module';
import { DocsModule } from './docs/docs.module';
import { ProblemFilter } from './errors/problem.filter';
import { FundsModule } from './funds/funds.module';
import { HealthModule } from './health/health.module';
import type { ClusterNode } from './ledger/cluster-node';
import { LedgerModule } from './ledger/ledger.module';
import { MembersModule } from './members/members.module';
import { PeriodsModule } from './periods/periods.module';
import { PoliciesModule } from './policies/policies.module';
import { ReportsModule } from './reports/reports.module';
import { ReversalsModule } from './reversals/reversals.module';
import { SessionModule } from './session/session.module';

export type ModuleImport = Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference;

/** The use-case slices, one module each (keep one per line: parallel edits merge cleanly). */
export const SLICE_MODULES: ModuleImport[] = [
  LedgerModule,
  PoliciesModule,
  ClaimsModule,
  FundsModule,
  MembersModule,
  PeriodsModule,
  ReversalsModule,
  ReportsModule,
  AuditModule,
  BatchModule,
  DocsModule,
  SessionModule,
  ConsoleModule,
];

@Module({})
export class AppModule {
  /** `extra`: more modules (tests mount fixture controllers this way). */
  static forRoot(config: ApiConfig, authenticator: Authenticator, cluster: ClusterNode, extra: ModuleImport[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, authenticator, cluster), CqrsModule.forRoot(), HealthModule, ...SLICE_MODULES, ...extra],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
