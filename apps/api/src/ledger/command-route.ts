// A command use case as the API sees it: where it lives, who may send it, how
// its body becomes a command, and how that command becomes a pipeline
// request. The single-command controller and /v1/batch share it, so a
// command in a batch is checked exactly as if sent alone.
import { NotFoundError, type Decision, type IsoDate } from '@app/domain';
import type { EntityStates } from '@app/projections';
import type { z } from 'zod';

import type { Actor, Role } from '../auth/roles';
import { parseEntityId } from '../http/validation';
import type { CommandRequest, StateReader } from './command-pipeline';

export interface CommandMeta {
  /** Path without query string: part of the command's identity for idempotency. */
  path: string;
  /** The body as received. */
  body: unknown;
  actor: Actor;
}

export interface CommandRoute<C> {
  /** Matches the path; capture groups are the path parameters, in order. */
  pattern: RegExp;
  roles: Role[];
  /** Validates path parameters and body (400 on failure) into a command. */
  parse(params: string[], meta: CommandMeta): C;
  /** The pipeline request of a parsed command (locks, partition, decider). */
  request(command: C): CommandRequest;
  /** Documentation (/docs/openapi.json, built by walking the route tables): one line on what the command does. */
  readonly summary: string;
  /** The zod schema `parse` checks the request body with: the very object, so the document shows what is enforced. */
  readonly body: z.ZodType;
  /** A valid request body, shown in the docs (a test parses it). */
  readonly example: Readonly<Record<string, unknown>>;
}

/** The documentation fields of a CommandRoute, as the route factories take them. */
export type CommandDoc = Pick<CommandRoute<unknown>, 'summary' | 'body' | 'example'>;

/**
 * The path of a request URL in one canonical spelling: no query string, each
 * segment decoded once and re-encoded (encodeURIComponent), so `/%76%31/policies`
 * is `/v1/policies` as the router sees it, and the idempotency identity and
 * the batch's route match agree with it. A segment that does not decode is
 * kept as sent (it is refused later, when its parameter is decoded).
 */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.includes('%')) return path;
  return path
    .split('/')
    .map((segment) => {
      try {
        return encodeURIComponent(decodeURIComponent(segment));
      } catch {
        return segment;
      }
    })
    .join('/');
}

/** A request that locks and is ordered by one entity ("kind/id"). */
function oneEntityRequest(meta: CommandMeta, commandId: string, key: string, decide: (state: StateReader) => Decision): CommandRequest {
  return { path: meta.path, body: meta.body, commandId, actor: meta.actor.id, locks: [key], partitionKey: key, decide };
}

/**
 * A command on an existing entity named by the path's one parameter
 * (`/v1/claims/{claimId}/reserve`): the id is added to the parsed body, the
 * entity orders and locks the command, and an unknown entity is decided
 * inside the lock, so its 404 is a recorded outcome of the commandId.
 */
export function entityCommandRoute<K extends keyof EntityStates, T extends { commandId: string }, C extends { command: T; meta: CommandMeta }>(spec: CommandDoc & {
  pattern: RegExp;
  roles: Role[];
  kind: K;
  /** The path parameter's name, also the id field of the command. */
  idField: string;
  /** `more`: the path parameters after the id (a valuation's date), as sent. */
  parse: (body: unknown, id: string, more: string[]) => T;
  make: (command: T, meta: CommandMeta) => C;
  decide: (entity: EntityStates[K], command: T) => Decision;
}): CommandRoute<C> {
  return {
    pattern: spec.pattern,
    roles: spec.roles,
    summary: spec.summary,
    body: spec.body,
    example: spec.example,
    parse: ([raw, ...more], meta) => spec.make(spec.parse(meta.body, parseEntityId(raw, spec.idField), more), meta),
    request: ({ command, meta }) => {
      const id = String((command as Record<string, unknown>)[spec.idField]);
      return oneEntityRequest(meta, command.commandId, `${spec.kind}/${id}`, (state) => {
        const entity = state.entity(spec.kind, id);
        if (!entity) throw new NotFoundError(spec.kind, id);
        return spec.decide(entity, command);
      });
    },
  };
}

/**
 * A command that creates an entity named in its body (`POST /v1/policies`,
 * `/v1/funds`, `/v1/members`): the new entity orders and locks it; the
 * decider gets what exists under that id already (entity_exists) and the UTC
 * date the command is recorded on.
 */
export function newEntityCommandRoute<K extends keyof EntityStates, T extends { commandId: string }, C extends { command: T; meta: CommandMeta }>(spec: CommandDoc & {
  pattern: RegExp;
  roles: Role[];
  kind: K;
  /** The id field of the body. */
  id: (command: T) => string;
  parse: (body: unknown) => T;
  make: (command: T, meta: CommandMeta) => C;
  decide: (existing: EntityStates[K] | undefined, command: T, recordDate: IsoDate, state: StateReader) => Decision;
}): CommandRoute<C> {
  return {
    pattern: spec.pattern,
    roles: spec.roles,
    summary: spec.summary,
    body: spec.body,
    example: spec.example,
    parse: (_params, meta) => spec.make(spec.parse(meta.body), meta),
    request: ({ command, meta }) => {
      const id = spec.id(command);
      return oneEntityRequest(meta, command.commandId, `${spec.kind}/${id}`, (state) =>
        spec.decide(state.entity(spec.kind, id), command, state.recordedAt.slice(0, 10), state),
      );
    },
  };
}
