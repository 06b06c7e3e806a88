// The Fastify instance under Nest, set up before any route exists: body
// limits per route, JSON as the only body type, authentication before parsing.
import { FastifyAdapter } from '@nestjs/platform-fastify';

import { installAuthHook } from '../auth/auth.hook';
import type { TokenRegistry } from '../auth/tokens';
import type { ApiConfig } from '../config';

export const BATCH_PATH = '/v1/batch';

export function createFastifyAdapter(config: ApiConfig, tokens: TokenRegistry): FastifyAdapter {
  const adapter = new FastifyAdapter({
    logger: false, // Nest's logger reports; Fastify's per-request logging costs throughput
    bodyLimit: config.bodyLimit,
    return503OnClosing: true,
    // JSON bodies with __proto__ / constructor.prototype are refused (400), not sanitised.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const fastify = adapter.getInstance();
  // JSON in: any other media type is a 415, which the filter turns into 400.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRoute', (route) => {
    if (route.url === BATCH_PATH) route.bodyLimit = config.batchBodyLimit;
  });
  installAuthHook(fastify, tokens);
  return adapter;
}
