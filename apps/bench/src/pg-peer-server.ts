/**
 * The API benchmark's peer: the policy bind done the way most teams would
 * build it. A plain Fastify handler validates the body with the same zod
 * schema the ledger parses with (BindPolicySchema), then writes the event,
 * the policy and its journal lines and per-policy account balances in ONE
 * PostgreSQL transaction per command (a pool of PEER_POOL connections);
 * POST /v1/batch writes a batch of binds in one transaction of multi-row
 * inserts (unnest of column arrays: one statement per table).
 *
 * What it does not do, and the ledger does: idempotency by commandId with
 * the first answer replayed, bitemporal reads, reports, every other rule.
 * The event's commandId is its primary key, so a duplicate is refused, not
 * replayed. Balances are kept per policy account only: a hot control-account
 * row updated by every transaction would serialize the peer on one row lock.
 *
 * Run as a child of api-bench.ts: PEER_DATABASE_URL, PORT, PEER_POOL.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';
import { BindPolicySchema, type BindPolicy } from '@app/domain';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  command_id text PRIMARY KEY,
  policy_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS policies (
  policy_id text PRIMARY KEY,
  currency text NOT NULL,
  holder text NOT NULL,
  term_start date NOT NULL,
  term_end date NOT NULL,
  premium numeric(20, 2) NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_lines (
  command_id text NOT NULL REFERENCES events (command_id),
  account text NOT NULL,
  debit numeric(20, 2) NOT NULL,
  credit numeric(20, 2) NOT NULL
);
CREATE TABLE IF NOT EXISTS balances (
  account text PRIMARY KEY,
  debit numeric(20, 2) NOT NULL,
  credit numeric(20, 2) NOT NULL
);`;

interface Row {
  commandId: string;
  bind: BindPolicy;
  premium: string;
}

/** The bind's journal, as the ledger posts it: receivable Dr / written Cr, change in UPR Dr / UPR Cr. */
function lines(row: Row): [string, string, string, string][] {
  const { policyId, currency } = row.bind;
  const p = row.premium;
  return [
    [row.commandId, `premium-receivable:${currency}:policy/${policyId}`, p, '0.00'],
    [row.commandId, `written-premium:${currency}:policy/${policyId}`, '0.00', p],
    [row.commandId, `change-in-upr:${currency}:policy/${policyId}`, p, '0.00'],
    [row.commandId, `upr:${currency}:policy/${policyId}`, '0.00', p],
  ];
}

async function write(pool: Pool, rows: Row[]): Promise<void> {
  const journal = rows.flatMap(lines);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("INSERT INTO events (command_id, policy_id, type, payload) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])", [
      rows.map((r) => r.commandId),
      rows.map((r) => r.bind.policyId),
      rows.map(() => 'PolicyBound'),
      rows.map((r) => JSON.stringify({ policyId: r.bind.policyId, currency: r.bind.currency, holder: r.bind.holder, term: r.bind.term, premium: r.premium })),
    ]);
    await client.query('INSERT INTO policies SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::numeric[])', [
      rows.map((r) => r.bind.policyId),
      rows.map((r) => r.bind.currency),
      rows.map((r) => r.bind.holder.name),
      rows.map((r) => r.bind.term.start),
      rows.map((r) => r.bind.term.end),
      rows.map((r) => r.premium),
    ]);
    const columns = [journal.map((l) => l[0]), journal.map((l) => l[1]), journal.map((l) => l[2]), journal.map((l) => l[3])];
    await client.query('INSERT INTO journal_lines SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[])', columns);
    await client.query(
      'INSERT INTO balances SELECT * FROM unnest($1::text[], $2::numeric[], $3::numeric[]) ON CONFLICT (account) DO UPDATE SET debit = balances.debit + EXCLUDED.debit, credit = balances.credit + EXCLUDED.credit',
      columns.slice(1),
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** The zod check of one body (400 when it fails, as the ledger answers). */
function parse(body: unknown): Row | { error: string } {
  const checked = BindPolicySchema.safeParse(body);
  if (!checked.success) return { error: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { commandId: checked.data.commandId, bind: checked.data, premium: checked.data.premium.toFixed(2) };
}

async function main(): Promise<void> {
  const url = process.env.PEER_DATABASE_URL;
  if (!url) throw new Error('PEER_DATABASE_URL is not set');
  // Idle connections are kept: a pool that closes and reopens backends between cases would measure connection setup.
  const pool = new Pool({ connectionString: url, max: Number(process.env.PEER_POOL ?? 64), idleTimeoutMillis: 0 });
  await pool.query(SCHEMA);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.post('/v1/policies', async (req, reply) => {
    const row = parse(req.body);
    if ('error' in row) return reply.code(400).send({ code: 'validation_failed', detail: row.error });
    try {
      await write(pool, [row]);
    } catch (e) {
      return reply.code(409).send({ code: 'conflict', detail: (e as Error).message });
    }
    return reply.code(201).send({ commandId: row.commandId, policyId: row.bind.policyId, premium: row.premium });
  });
  app.post('/v1/batch', async (req, reply) => {
    const { commands } = req.body as { commands: { path: string; body: unknown }[] };
    const rows: Row[] = [];
    const results: { status: number; body: unknown }[] = [];
    for (const c of commands) {
      const row = c.path === '/v1/policies' ? parse(c.body) : { error: `no route ${c.path}` };
      if ('error' in row) results.push({ status: 400, body: { code: 'validation_failed', detail: row.error } });
      else {
        rows.push(row);
        results.push({ status: 201, body: { commandId: row.commandId, policyId: row.bind.policyId, premium: row.premium } });
      }
    }
    if (rows.length > 0) await write(pool, rows);
    return reply.code(200).send({ results });
  });
  app.get('/health/ready', async () => ({ status: 'ready' }));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  const stop = () => {
    void app.close().then(() => pool.end()).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
