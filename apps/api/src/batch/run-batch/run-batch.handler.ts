// POST /v1/batch: every command checked and decided in order exactly as if
// sent alone, made durable together. Per command: its route by path (404),
// its role (403), its path parameters and body (400); those refused here have
// no valid command and are not recorded. The rest go through the pipeline in
// one batch, each decided against the state the ones before it left, each
// with its own idempotency and outcome (201, a recorded 4xx, a replay, 409).
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import { commandAccess, describeAccess, isAllowed, type Access, type Actor } from '../../auth/roles';
import { CLAIM_COMMAND_ROUTES } from '../../claims/routes';
import { ForbiddenError, ValidationError } from '../../errors/api-errors';
import { problem, toProblem, type Problem } from '../../errors/problem';
import { FUND_COMMAND_ROUTES } from '../../funds/routes';
import { CommandPipeline, type CommandRequest } from '../../ledger/command-pipeline';
import { pathOf, type CommandRoute } from '../../ledger/command-route';
import { MEMBER_COMMAND_ROUTES } from '../../members/routes';
import { ClosePeriodRoute } from '../../periods/close-period/close-period.command';
import { POLICY_COMMAND_ROUTES } from '../../policies/routes';
import { ReverseCommandRoute } from '../../reversals/reverse-command/reverse-command.command';
import { RunBatchCommand, type BatchItem, type BatchResult } from './run-batch.command';

interface RouteEntry {
  route: CommandRoute<unknown>;
  access: Access;
}

@CommandHandler(RunBatchCommand)
export class RunBatchHandler implements ICommandHandler<RunBatchCommand, BatchResult[]> {
  /** Every command route of the API (what a batch may carry), with its access built once. */
  private readonly routes: readonly RouteEntry[];

  constructor(
    @Inject(CommandPipeline) private readonly pipeline: CommandPipeline,
    @Inject(ClosePeriodRoute) closePeriod: ClosePeriodRoute,
    @Inject(ReverseCommandRoute) reverse: ReverseCommandRoute,
  ) {
    const all: CommandRoute<unknown>[] = [
      ...POLICY_COMMAND_ROUTES,
      ...CLAIM_COMMAND_ROUTES,
      ...FUND_COMMAND_ROUTES,
      ...MEMBER_COMMAND_ROUTES,
      closePeriod as CommandRoute<unknown>,
      reverse as CommandRoute<unknown>,
    ];
    this.routes = all.map((route) => ({ route, access: commandAccess(...route.roles) }));
  }

  async execute({ items, actor }: RunBatchCommand): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(items.length);
    const requests: CommandRequest[] = [];
    const slots: number[] = [];
    items.forEach((item, index) => {
      const prepared = this.prepare(item, actor);
      if ('problem' in prepared) {
        results[index] = { status: prepared.problem.status, body: prepared.problem };
      } else {
        requests.push(prepared.request);
        slots.push(index);
      }
    });
    const outcomes = requests.length > 0 ? await this.pipeline.executeBatch(requests) : [];
    outcomes.forEach((outcome, i) => {
      results[slots[i]] = outcome.replayed ? { status: outcome.status, body: outcome.body, replayed: true } : { status: outcome.status, body: outcome.body };
    });
    return results;
  }

  /** The pipeline request of one item, or the problem it would have got alone before any decision. */
  private prepare(item: BatchItem, actor: Actor): { request: CommandRequest } | { problem: Problem } {
    const path = pathOf(item.path);
    for (const { route, access } of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      if (!isAllowed(actor, access)) {
        return { problem: toProblem(new ForbiddenError(`Actor ${actor.id} is not allowed here: ${describeAccess(access)}.`)) };
      }
      try {
        const params = match.slice(1).map(decodeParam);
        return { request: route.request(route.parse(params, { path, body: item.body, actor })) };
      } catch (e) {
        const refused = toProblem(e);
        if (refused.status >= 500) throw e; // a fault, not a refusal
        return { problem: refused };
      }
    }
    // The body the router gives an unknown path (errors/problem.filter.ts).
    return { problem: problem(404, 'not_found', `No route POST ${path.slice(0, 200)}.`) };
  }
}

/** Path parameters arrive percent-decoded, as the router decodes them for a command sent alone. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError([{ path: 'path', message: 'Malformed percent-encoding in the path.' }]);
  }
}
