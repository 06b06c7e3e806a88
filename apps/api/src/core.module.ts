// Process-wide singletons every slice may inject, without importing anything:
// the config (`@Inject(API_CONFIG)`), the token registry, the authenticator
// (tokens and console sessions), Readiness and this node's place among the
// nodes sharing a log (ClusterNode).
import { Global, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { Authenticator } from './auth/authenticator';
import { TokenRegistry } from './auth/tokens';
import type { ApiConfig } from './config';
import { Readiness } from './health/readiness';
import { ClusterNode } from './ledger/cluster-node';

export const API_CONFIG = Symbol('API_CONFIG');

@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ApiConfig, authenticator: Authenticator, cluster: ClusterNode): DynamicModule {
    const providers = [
      { provide: ClusterNode, useValue: cluster },
      { provide: API_CONFIG, useValue: config },
      { provide: Authenticator, useValue: authenticator },
      { provide: TokenRegistry, useValue: authenticator.tokens },
      Readiness,
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}
