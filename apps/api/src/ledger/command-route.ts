// A command use case as the API sees it: where it lives, who may send it, how
// its body becomes a command, and how that command becomes a pipeline
// request. The single-command controller and /v1/batch share it, so a
// command in a batch is checked exactly as if sent alone.
import { NotFoundError, type Decision } from '@app/domain';
import type { EntityStates } from '@app/projections';

import type { Actor, Role } from '../auth/roles';
import { parseEntityId } from '../http/validation';
import type { CommandRequest } from './command-pipeline';

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
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * A command on an existing entity named by the path's one parameter
 * (`/v1/claims/{claimId}/reserve`): the id is added to the parsed body, the
 * entity orders and locks the command, and an unknown entity is decided
 * inside the lock, so its 404 is a recorded outcome of the commandId.
 */
export function entityCommandRoute<K extends keyof EntityStates, T extends { commandId: string }, C extends { command: T; meta: CommandMeta }>(spec: {
  pattern: RegExp;
  roles: Role[];
  kind: K;
  /** The path parameter's name, also the id field of the command. */
  idField: string;
  parse: (body: unknown, id: string) => T;
  make: (command: T, meta: CommandMeta) => C;
  decide: (entity: EntityStates[K], command: T) => Decision;
}): CommandRoute<C> {
  return {
    pattern: spec.pattern,
    roles: spec.roles,
    parse: ([raw], meta) => spec.make(spec.parse(meta.body, parseEntityId(raw, spec.idField)), meta),
    request: ({ command, meta }) => {
      const id = String((command as Record<string, unknown>)[spec.idField]);
      const key = `${spec.kind}/${id}`;
      return {
        path: meta.path,
        body: meta.body,
        commandId: command.commandId,
        actor: meta.actor.id,
        locks: [key],
        partitionKey: key,
        decide: (state) => {
          const entity = state.entity(spec.kind, id);
          if (!entity) throw new NotFoundError(spec.kind, id);
          return spec.decide(entity, command);
        },
      };
    },
  };
}
