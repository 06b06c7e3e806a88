// Bootstrap of the ledger's HTTP API (NestJS on Fastify).
//   PORT (3000), HOST (127.0.0.1), LEDGER_DATA_DIR (./data), LEDGER_TOKENS_FILE,
//   LEDGER_METRICS_TOKEN_FILE, LOG_LEVEL (info), SHUTDOWN_TIMEOUT_MS (10000)
// Tests call startServer({ port: 0, dataDir, tokensFile }) and close() it.
import 'reflect-metadata';

import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import fastifyStatic from '@fastify/static';

import { AppModule } from './app.module';
import type { ModuleImport } from './app.module';
import { Authenticator } from './auth/authenticator';
import { loadTokens } from './auth/tokens';
import { loadConfig, withDefaults } from './config';
import { consoleDir } from './console/console-files';
import type { ApiConfig, ApiConfigInput } from './config';
import { Readiness } from './health/readiness';
import { ClusterNode } from './ledger/cluster-node';
import { LedgerService } from './ledger/ledger.service';
import { createFastifyAdapter } from './http/fastify';
import { installHttpOps, type HttpDrain } from './ops/http';
import { JsonNestLogger, createJsonLog, type JsonLog } from './ops/logging';
import type { LedgerMetrics } from './ops/metrics';
import { OpsModule, createOps, type Ops } from './ops/ops.module';
import { GracefulShutdown } from './ops/shutdown';

export interface CreateAppOptions {
  /** Extra modules beside the slices (test fixtures). */
  imports?: ModuleImport[];
  /** The JSON logger to use (main.ts makes it first, to log start-up failures); default: from the config. */
  log?: JsonLog | null;
}

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  config: ApiConfig;
  /** The JSON logger (null when the config sends logs elsewhere or nowhere). */
  log: JsonLog | null;
  metrics: LedgerMetrics;
  /** Graceful shutdown's HTTP side: refuse new requests, let those in flight finish. */
  http: HttpDrain;
  close(): Promise<void>;
}

/** An initialised app, not yet listening. Throws (clear message) on a bad tokens file. */
export async function createApp(input: ApiConfigInput | ApiConfig = {}, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  return (await buildApp(withDefaults(input), options)).app;
}

interface BuiltApp {
  app: NestFastifyApplication;
  ops: Ops;
  http: HttpDrain;
}

/** `waitForLedger`: resolve only once the ledger has opened (else the caller listens first and waits after). */
async function buildApp(config: ApiConfig, options: CreateAppOptions, waitForLedger = true): Promise<BuiltApp> {
  const auth = await loadTokens(config.tokensFile, config.dataDir);
  const ops = await createOps(config, options.log === undefined ? createJsonLog(config) : options.log);
  const authenticator = new Authenticator(auth.registry);
  const cluster = new ClusterNode(config.nodeUrl);
  const adapter = createFastifyAdapter(config, authenticator, cluster);
  const http = installHttpOps(adapter.getInstance(), ops.metrics, ops.log?.logger ?? null);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, authenticator, cluster, [OpsModule.forRoot(ops), ...(options.imports ?? [])]),
    adapter,
    // bodyParser false: keep Fastify's JSON parser only (no urlencoded bodies).
    { logger: ops.log ? new JsonNestLogger(ops.log.logger) : (config.logger ?? false), abortOnError: false, bodyParser: false },
  );
  const log = new Logger('Auth');
  if (auth.adminTokenPath) log.log(`No LEDGER_TOKENS_FILE: the admin bearer token is in ${auth.adminTokenPath}`);
  else log.log(`${auth.registry.size} bearer token(s) loaded from ${config.tokensFile}`);
  for (const warning of [...auth.warnings, ...ops.warnings]) log.warn(warning);
  // The console's files (reply.sendFile; serve: false, so the plugin mounts no route of its own). Not built: / answers 404.
  const consoleFiles = consoleDir();
  if (consoleFiles) await app.register(fastifyStatic, { root: consoleFiles, serve: false, decorateReply: true, etag: true, lastModified: true, cacheControl: false });
  await app.init();
  app.get(Readiness).markReady('http');
  if (waitForLedger) await ledgerReady(app);
  return { app, ops, http };
}

/** Waits for the ledger to open (replaying the log); on failure the app is closed and the error thrown. */
async function ledgerReady(app: NestFastifyApplication): Promise<void> {
  try {
    await app.get(LedgerService).ready;
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
}

export async function startServer(input: ApiConfigInput | ApiConfig = {}, options: CreateAppOptions = {}): Promise<RunningServer> {
  const config = withDefaults(input);
  const { app, ops, http } = await buildApp(config, options, false);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    throw e;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  // Where the other nodes reach this one, unless LEDGER_NODE_URL says otherwise.
  app.get(ClusterNode).advertise(url);
  // Listening already: /health/ready answers 503 with the replay's progress meanwhile.
  await ledgerReady(app);
  return { app, url, config, log: ops.log, metrics: ops.metrics, http, close: () => app.close() };
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createJsonLog(config);
  const shutdown = new GracefulShutdown({ timeoutMs: config.shutdownTimeoutMs, log: log?.logger ?? null, flush: () => log?.flush() }).install();
  // A fault nobody caught still fail-stops the process (nothing unacknowledged is lost), as one JSON line.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (e: unknown) => {
      log?.logger.fatal({ err: e }, `${event}: exiting`);
      log?.flush();
      process.exit(1);
    });
  }
  try {
    const server = await startServer(config, { log });
    log?.logger.info({ url: server.url, dataDir: config.dataDir, node: process.version }, `listening on ${server.url}`);
    shutdown.serve(server);
  } catch (e) {
    // Start-up errors are configuration errors: the message, not a stack.
    log?.logger.fatal(`start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    log?.flush();
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    // Only a bad environment (before the logger exists) gets here: still one JSON line.
    const line = { level: 'fatal', time: Date.now(), service: 'ledger-api', pid: process.pid, msg: `start-up failed: ${e instanceof Error ? e.message : String(e)}` };
    process.stderr.write(`${JSON.stringify(line)}\n`);
    process.exit(1);
  });
}
