// Bootstrap of the ledger's HTTP API (NestJS on Fastify).
//   PORT (3000), HOST (127.0.0.1), LEDGER_DATA_DIR (./data), LEDGER_TOKENS_FILE
// Tests call startServer({ port: 0, dataDir, tokensFile }) and close() it.
import 'reflect-metadata';

import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { AppModule } from './app.module';
import type { ModuleImport } from './app.module';
import { loadTokens } from './auth/tokens';
import { loadConfig, withDefaults } from './config';
import type { ApiConfig, ApiConfigInput } from './config';
import { Readiness } from './health/readiness';
import { createFastifyAdapter } from './http/fastify';

export interface CreateAppOptions {
  /** Extra modules beside the slices (test fixtures). */
  imports?: ModuleImport[];
}

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  config: ApiConfig;
  close(): Promise<void>;
}

/** An initialised app, not yet listening. Throws (clear message) on a bad tokens file. */
export async function createApp(input: ApiConfigInput | ApiConfig = {}, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const config = withDefaults(input);
  const auth = await loadTokens(config.tokensFile, config.dataDir);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, auth.registry, options.imports),
    createFastifyAdapter(config, auth.registry),
    // bodyParser false: keep Fastify's JSON parser only (no urlencoded bodies).
    { logger: config.logger, abortOnError: false, bodyParser: false },
  );
  const log = new Logger('Auth');
  if (auth.adminTokenPath) log.log(`No LEDGER_TOKENS_FILE: the admin bearer token is in ${auth.adminTokenPath}`);
  else log.log(`${auth.registry.size} bearer token(s) loaded from ${config.tokensFile}`);
  for (const warning of auth.warnings) log.warn(warning);
  await app.init();
  app.get(Readiness).markReady('http');
  return app;
}

export async function startServer(input: ApiConfigInput | ApiConfig = {}, options: CreateAppOptions = {}): Promise<RunningServer> {
  const config = withDefaults(input);
  const app = await createApp(config, options);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    throw e;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  return { app, url, config, close: () => app.close() };
}

async function main(): Promise<void> {
  const server = await startServer(loadConfig(process.env));
  server.app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  new Logger('Api').log(`listening on ${server.url}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    // Startup errors are configuration errors: the message, not a stack.
    process.stderr.write(`ledger api: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
