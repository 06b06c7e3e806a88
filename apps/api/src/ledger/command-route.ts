// A command use case as the API sees it: where it lives, who may send it, how
// its body becomes a command, and how that command becomes a pipeline
// request. The single-command controller and /v1/batch share it, so a
// command in a batch is checked exactly as if sent alone.
import type { Actor, Role } from '../auth/roles';
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
