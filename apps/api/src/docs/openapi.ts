// The OpenAPI 3.1 document, built from what the app actually mounts: every
// route the controllers declare (method, path, access as the guard enforces
// it), each command's body schema, summary and example from its CommandRoute
// (the very zod schema its parse uses, through z.toJSONSchema), query
// parameters from the QuerySpecs of http/validation.ts, and the rest from
// operations.ts. Pure: the same routes give the same document.
import type { InvariantCode } from '@app/domain';

import { describeAccess, type Access, type Role } from '../auth/roles';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../errors/problem';
import { IDEMPOTENT_REPLAYED } from '../http/reply';
import { ParamError, type QuerySpec } from '../http/validation';
import type { CommandRoute } from '../ledger/command-route';
import { OUT, arrayOf, bodyJsonSchema, object, type JsonSchema } from './json-schema';
import { COMMAND_ERRORS, COMMAND_RESULTS, OPERATIONS, PATH_PARAMS, QUERY_PARAMS, TAGS, tagOf, type OperationDoc, type ParamDoc } from './operations';

/** A route as mounted: `path` as the controller declares it (`/v1/policies/:policyId`). */
export interface MountedRoute {
  method: string;
  path: string;
  access: Access;
  /** `Controller.method`, for operation ids. */
  handler: string;
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Operation>> };
export type Operation = Record<string, unknown>;

// ---------------------------------------------------------------------------
// Errors

const INVARIANT_CODES: Record<InvariantCode, string> = {
  payment_exceeds_reserve: 'A claim payment larger than its reserve.',
  reserve_negative: 'A reserve change that would take the reserve below zero.',
  nav_not_published: 'No NAV struck for the fund on the dealing date (dealing is forward priced).',
  dealing_date_closed: "The fund (or either fund of a switch) already has a NAV struck for a date after the dealing date: that date's dealings are closed (forward pricing).",
  insufficient_units: 'A member holds fewer units than the switch sells.',
  policy_not_active: 'The policy is not in force for this change.',
  claim_not_open: 'The claim is closed (or the movement is dated before its reopening).',
  claim_not_closed: 'Reopening a claim that is open.',
  recovery_exceeds_paid: "A recovery that takes the claim's recoveries above what was paid on it, on some date.",
  effective_date_outside_term: 'The effective date lies outside the policy term.',
  entity_exists: 'An entity with this id exists already.',
  currency_mismatch: 'The funds or entities are in different currencies.',
  premium_negative: 'The change would take the full-term premium below zero.',
  payment_exceeds_balance: 'A premium payment larger than what the holder owes (premium written less return premium, less cash received, plus refunds paid).',
  refund_exceeds_balance: 'A premium refund larger than the credit balance the ledger owes the holder.',
  settlement_exceeds_fees_payable: 'A fee settlement larger than the fees payable on its date (or on a later date a fee or settlement moves them).',
  valuation_superseded: 'A NAV correction of a valuation the fund has struck a later NAV since: only its latest NAV can be corrected.',
  correction_not_supported: 'A NAV correction of a NAV a fee was charged at: every holding\'s fee would move.',
  already_reversed: 'The command named by reversesCommandId was reversed already.',
  not_reversible: 'The command named by reversesCommandId is not an accepted premium payment, refund, claim payment, claim recovery, contribution or withdrawal.',
  amount_too_small: 'A deal whose money rounds to 0.00 or whose units round to 0.000000 (a contribution, a switch).',
  command_too_large: "Not a business rule: the command's events do not fit one log record.",
  amount_out_of_range: 'A computed figure (a fee, a switch amount, a value) past what the ledger stores: money, units and NAVs up to 18 integer digits.',
};

interface ErrorStatus {
  name: string;
  description: string;
  codes: string[];
}

/** Every problem the API answers, by status: api.md's table, 405 and the operational codes. */
export const ERROR_STATUSES: Readonly<Record<number, ErrorStatus>> = {
  400: { name: 'ValidationFailed', description: 'Malformed JSON, missing, extra or ill-typed fields or query parameters, bad decimals, dates or ids.', codes: ['validation_failed'] },
  401: { name: 'Unauthorized', description: 'No bearer token, or an unknown one.', codes: ['unauthorized'] },
  403: {
    name: 'Forbidden',
    description: "forbidden: the token lacks a role this operation takes. csrf_failed: a change made with the console's session cookie without its X-CSRF-Token, or from another origin.",
    codes: ['forbidden', 'csrf_failed'],
  },
  404: { name: 'NotFound', description: 'Unknown policy, claim, fund, member, replay audit or route.', codes: ['not_found'] },
  405: { name: 'MethodNotAllowed', description: 'The method is not allowed on this resource.', codes: ['method_not_allowed'] },
  408: { name: 'RequestTimeout', description: 'The request was not received in time.', codes: ['request_timeout'] },
  409: {
    name: 'Conflict',
    description: 'exists_with_different_fields: the commandId was recorded with another body (use a new commandId). period_already_closed: closing a closed month.',
    codes: ['exists_with_different_fields', 'period_already_closed'],
  },
  422: {
    name: 'InvariantViolation',
    description: `A domain rule would break; the rejection is the recorded outcome of the commandId (a retry gets it again). Codes: ${Object.entries(INVARIANT_CODES)
      .map(([code, what]) => `\`${code}\`: ${what}`)
      .join(' ')}`,
    codes: Object.keys(INVARIANT_CODES),
  },
  500: { name: 'InternalError', description: 'A fault of the server (never bad input); logged.', codes: ['internal_error'] },
  503: {
    name: 'Unavailable',
    description: 'log_unavailable: the log is fail-stopped or reconnecting and nothing was acknowledged by this answer. not_ready: still recovering. position_not_reached: a query\'s minPosition was not reached within 5 s.',
    codes: ['log_unavailable', 'not_ready', 'position_not_reached'],
  },
};

/** Every `code` a problem can carry. */
export const PROBLEM_CODES: readonly string[] = Object.values(ERROR_STATUSES).flatMap((s) => s.codes);

const PROBLEM_SCHEMA: JsonSchema = object(
  {
    type: { type: 'string', format: 'uri', description: `${PROBLEM_TYPE_BASE}<class>: the row of the error table.` },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: [...PROBLEM_CODES], description: 'Stable: program against this.' },
    detail: { type: 'string', description: 'For people; never a stack trace.' },
    errors: arrayOf(object({ path: { type: 'string', description: 'Dotted path into the input ("term.end", "commands.3.body.amount"); "" is the whole body.' }, message: { type: 'string' } }), 'Validation failures, one per bad field.'),
  },
  ['errors'],
  'RFC 9457 problem details.',
);

function problemResponse(status: number): JsonSchema {
  const s = ERROR_STATUSES[status];
  return {
    description: s.description,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { status: { const: status }, code: { enum: s.codes } } }] },
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Parameters

function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

/** `/v1/policies/:policyId` -> `/v1/policies/{policyId}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The path with each parameter's example value: what a command route's pattern is matched against. */
export function examplePath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => PATH_PARAMS[name]?.example ?? 'x');
}

function parameter(name: string, where: 'path' | 'query', doc: ParamDoc | undefined, required: boolean): JsonSchema {
  if (!doc) return { name, in: where, required, schema: { type: 'string' }, 'x-undocumented': true };
  return { name, in: where, required, description: doc.description, schema: doc.schema, example: doc.example };
}

/** Required when its parser refuses an absent value. */
function isRequired(parse: QuerySpec[string]): boolean {
  try {
    parse(undefined, { nowNanos: 0n });
    return false;
  } catch (e) {
    if (e instanceof ParamError) return true;
    throw e;
  }
}

function queryParameters(spec: QuerySpec | undefined, own: Readonly<Record<string, ParamDoc>> = {}): JsonSchema[] {
  return Object.entries(spec ?? {}).map(([name, parse]) => parameter(name, 'query', own[name] ?? QUERY_PARAMS[name], isRequired(parse)));
}

// ---------------------------------------------------------------------------
// Operations

function rolesOf(access: Access): Role[] {
  return access.kind === 'roles' ? [...access.roles].sort() : [];
}

/** Public: none. Any token: bearer. Roles: one alternative per role (any one of them will do). */
function security(access: Access): JsonSchema[] {
  if (access.kind === 'public') return [];
  if (access.kind === 'authenticated') return [{ bearer: [] }];
  return rolesOf(access).map((role) => ({ bearer: [role] }));
}

function accessText(access: Access): string {
  if (access.kind === 'public') return 'Public: no token needed.';
  if (access.kind === 'authenticated') return 'Any valid bearer token.';
  return `Roles (any one): ${rolesOf(access).join(', ')}.`;
}

function responses(access: Access, ok: Record<string, JsonSchema>, errors: number[]): Record<string, JsonSchema> {
  const statuses = new Set(errors);
  if (access.kind !== 'public') statuses.add(401);
  if (access.kind === 'roles') statuses.add(403);
  const out: Record<string, JsonSchema> = { ...ok };
  for (const status of [...statuses].sort()) out[String(status)] = { $ref: `#/components/responses/${ERROR_STATUSES[status].name}` };
  return out;
}

function json(schema: JsonSchema | undefined, contentType = 'application/json'): JsonSchema {
  return { [contentType]: schema ? { schema } : {} };
}

function commandOperation(route: MountedRoute, command: CommandRoute<unknown>): Operation {
  const key = `${route.method} ${route.path}`;
  const result = COMMAND_RESULTS[key];
  const body = object(
    { commandId: OUT.commandId, recordedAt: OUT.instant, ...(result?.result ?? {}) },
    result?.optional ?? [],
    'The command as recorded: its id, the instant it was recorded at, and its result.',
  );
  if (!result) body['x-undocumented'] = true;
  return {
    summary: command.summary,
    description: [
      accessText(route.access),
      'Answered 201 only once the events are durable (fsynced) in the log.',
      `Idempotent: the same commandId and body get the first answer again (its status and body) with \`${IDEMPOTENT_REPLAYED}: true\`; the same commandId with another body is 409 exists_with_different_fields. A 4xx decided by the ledger (404, 422) is recorded too and replayed the same way.`,
      result?.description,
    ]
      .filter(Boolean)
      .join('\n\n'),
    parameters: pathParamNames(route.path).map((name) => parameter(name, 'path', PATH_PARAMS[name], true)),
    requestBody: { required: true, content: { 'application/json': { schema: bodyJsonSchema(command.body), example: command.example } } },
    responses: responses(
      route.access,
      {
        '201': {
          description: 'Recorded and durable.',
          headers: { [IDEMPOTENT_REPLAYED]: { description: 'true when this is the recorded answer of an earlier request.', schema: { type: 'string', enum: ['true'] } } },
          content: json(body),
        },
      },
      COMMAND_ERRORS,
    ),
  };
}

function documentedOperation(route: MountedRoute, doc: OperationDoc): Operation {
  const op: Operation = {
    summary: doc.summary,
    description: [accessText(route.access), doc.description].filter(Boolean).join('\n\n'),
    parameters: [...pathParamNames(route.path).map((name) => parameter(name, 'path', PATH_PARAMS[name], true)), ...queryParameters(doc.query, doc.queryParams)],
  };
  if (doc.query) op.description += '\n\nAny other query parameter, or one given twice, is a 400.';
  if (doc.body) {
    const content: JsonSchema = { schema: bodyJsonSchema(doc.body) };
    if (doc.example !== undefined) content.example = doc.example;
    op.requestBody = { required: doc.bodyRequired ?? false, content: { 'application/json': content } };
  }
  const ok: JsonSchema = { description: doc.ok.description };
  if (doc.ok.headers) ok.headers = doc.ok.headers;
  ok.content = json(doc.ok.schema, doc.ok.contentType);
  op.responses = responses(route.access, { [String(doc.ok.status)]: ok }, doc.errors);
  return op;
}

function undocumentedOperation(route: MountedRoute): Operation {
  return {
    summary: `${route.method} ${route.path}`,
    description: `${accessText(route.access)} Not described in apps/api/src/docs/operations.ts yet.`,
    'x-undocumented': true,
    parameters: pathParamNames(route.path).map((name) => parameter(name, 'path', PATH_PARAMS[name], true)),
    responses: responses(route.access, { default: { description: 'See the source.' } }, []),
  };
}

/** The command route serving a mounted POST, by matching its pattern against the path with example parameters. */
function commandFor(route: MountedRoute, commands: readonly CommandRoute<unknown>[]): CommandRoute<unknown> | undefined {
  if (route.method !== 'POST') return undefined;
  const path = examplePath(route.path);
  const matches = commands.filter((c) => c.pattern.test(path));
  if (matches.length > 1) throw new Error(`OpenAPI: ${route.path} matches ${matches.length} command routes`);
  return matches[0];
}

/** `BindPolicyController.bind` -> `bindPolicy`; a controller with several routes adds the method (`healthLive`). */
function operationIds(routes: readonly MountedRoute[]): Map<MountedRoute, string> {
  const perController = new Map<string, number>();
  for (const r of routes) {
    const controller = r.handler.split('.')[0];
    perController.set(controller, (perController.get(controller) ?? 0) + 1);
  }
  const ids = new Map<MountedRoute, string>();
  const seen = new Set<string>();
  for (const r of routes) {
    const [controller, method] = r.handler.split('.');
    const base = controller.replace(/Controller$/, '');
    let id = base.charAt(0).toLowerCase() + base.slice(1);
    if ((perController.get(controller) ?? 0) > 1) id += method.charAt(0).toUpperCase() + method.slice(1);
    while (seen.has(id)) id += '_';
    seen.add(id);
    ids.set(r, id);
  }
  return ids;
}

// ---------------------------------------------------------------------------

const DESCRIPTION = `A bitemporal, event-sourced ledger for non-life insurance and pensions. The ledger refuses a wrong posting; a command is acknowledged only once it is durable in the write-ahead log.

**Conventions.** JSON in and out. Money is a decimal string with 2 fraction digits (\`"1200.00"\`), units, NAVs and rates with 6 (\`"800.000000"\`); input may have fewer fraction digits, never more, and never a JSON number. Dates (valid time) are \`YYYY-MM-DD\`, instants (system time) ISO-8601 UTC with up to 9 fraction digits, periods \`YYYY-MM\`. Entity ids are client-chosen, 1-64 characters of \`[A-Za-z0-9._-]\`. Every command carries a \`commandId\` (32 hex digits or a UUID).

**Queries** take \`asOf\` (valid time, default today) and \`knownAt\` (system time, default now): the state as it was valid on asOf, as the ledger knew it at knownAt. Every answer carries \`Ledger-Position\`; any query also takes \`minPosition\` (such a position: it answers once this node has applied the log that far, for reading one's own writes on another node).

**Errors** are \`application/problem+json\` with a stable \`code\`; validation failures list every bad field in \`errors\`.

**Authentication**: \`Authorization: Bearer <token>\` on everything but health and these docs. Each operation names the roles that may call it; \`admin\` may call everything.`;

export function buildOpenApi(routes: readonly MountedRoute[], commands: readonly CommandRoute<unknown>[]): OpenApiDocument {
  const sorted = [...routes].filter((r) => r.method !== 'HEAD').sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
  const ids = operationIds(sorted);
  const paths: Record<string, Record<string, Operation>> = {};
  for (const mounted of sorted) {
    const doc = OPERATIONS[`${mounted.method} ${mounted.path}`];
    const route = doc?.access ? { ...mounted, access: doc.access } : mounted;
    const command = commandFor(route, commands);
    const op = command ? commandOperation(route, command) : doc ? documentedOperation(route, doc) : undocumentedOperation(route);
    const roles = rolesOf(route.access);
    const ordered: Operation = { operationId: ids.get(mounted), tags: [tagOf(route.path)], ...op, security: security(route.access) };
    if (roles.length) ordered['x-roles'] = roles;
    ordered['x-access'] = describeAccess(route.access);
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = ordered;
  }
  const errorResponses = Object.fromEntries(Object.keys(ERROR_STATUSES).map((status) => [ERROR_STATUSES[Number(status)].name, problemResponse(Number(status))]));
  return {
    openapi: '3.1.0',
    info: { title: 'Insurance and pension ledger API', version: 'v1', description: DESCRIPTION },
    servers: [{ url: '/' }],
    tags: TAGS.map((t) => ({ ...t })),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of the tokens file (LEDGER_TOKENS_FILE); its roles decide what it may do.' } },
      schemas: { Problem: PROBLEM_SCHEMA },
      responses: errorResponses,
    },
  };
}
