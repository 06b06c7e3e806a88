// POST /v1/reversals: undoes the money of one earlier accepted command (the
// rule: domain-models/src/ledger/reversal.ts). The reversal acts on the
// entity the original command ordered, with the original's locks, and may be
// sent only by an actor holding a role of the original command's route.
//
// Finding the original: its durable outcome (the read model keeps each
// command's path). That outcome never changes once durable, so reading it
// before taking the locks is safe. In a /v1/batch, an original decided
// earlier in the same batch is found in the batch's overlay instead (the
// batch holds its locks). Anything else (unknown, refused, in flight) is
// not reversible: a recorded 422, like any domain refusal.
import { DomainError, NotFoundError, ReverseBodySchema, decideReverseClaimPayment, decideReverseClaimRecovery, decideReverseContribution, decideReverseWithdrawal, decideReversePremiumCash, reversalTarget, type Decision, type RecordedEvent, type Reverse } from '@app/domain';
import type { ClaimState, EntityKind, FundState, MemberState } from '@app/domain';
import type { StoredOutcome } from '@app/event-store';

import { commandAccess, isAllowed } from '../../auth/roles';
import type { Role } from '../../auth/roles';
import { ForbiddenError } from '../../errors/api-errors';
import { parseBody } from '../../http/validation';
import type { CommandRequest, StateReader } from '../../ledger/command-pipeline';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';
import { PAY_CLAIM } from '../../claims/pay-claim/pay-claim.command';
import { RECOVER_CLAIM } from '../../claims/recover-claim/recover-claim.command';
import { CONTRIBUTE } from '../../members/contribute/contribute.command';
import { WITHDRAW } from '../../members/withdraw/withdraw.command';
import { RECORD_PREMIUM_PAYMENT } from '../../policies/record-premium-payment/record-premium-payment.command';
import { REFUND_PREMIUM } from '../../policies/refund-premium/refund-premium.command';

export class ReverseCommandCommand {
  constructor(
    readonly command: Reverse,
    readonly meta: CommandMeta,
  ) {}
}

/** A command route whose accepted commands a reversal may undo, and how. */
interface Reversible {
  route: CommandRoute<unknown>;
  kind: EntityKind;
  /** The entities the original locked, from its path's entity id and its answer. */
  locks(id: string, answer: Record<string, unknown>): string[];
  decide(state: StateReader, id: string, original: RecordedEvent, command: Reverse): Decision;
}

function existing<T>(kind: string, id: string, state: T | undefined): T {
  if (!state) throw new NotFoundError(kind, id);
  return state;
}

/** A premium payment or a refund: the policy's cash, reversed by one rule. */
const premiumCash = (route: CommandRoute<unknown>): Reversible => ({
  route,
  kind: 'policy',
  locks: (id) => [`policy/${id}`],
  decide: (state, id, original, command) => decideReversePremiumCash(existing('policy', id, state.policy(id)), original, command),
});

/** A claim payment or a recovery: the claim's money. */
const claimMoney = (route: CommandRoute<unknown>, decide: (claim: ClaimState, original: RecordedEvent, command: Reverse) => Decision): Reversible => ({
  route,
  kind: 'claim',
  locks: (id) => [`claim/${id}`],
  decide: (state, id, original, command) => decide(existing('claim', id, state.claim(id)), original, command),
});

/** A contribution or a withdrawal: it locked its member and its fund (its answer names the fund), and so does its reversal. */
const memberDealing = (route: CommandRoute<unknown>, decide: (member: MemberState, fund: FundState, original: RecordedEvent, command: Reverse) => Decision): Reversible => ({
  route,
  kind: 'member',
  locks: (id, answer) => {
    if (typeof answer.fundId !== 'string') throw new Error(`an accepted dealing's answer without its fundId (member ${id})`);
    return [`member/${id}`, `fund/${answer.fundId}`];
  },
  decide: (state, id, original, command) => {
    const fundId = String((original.payload as { fundId: unknown }).fundId);
    return decide(existing('member', id, state.member(id)), existing('fund', fundId, state.fund(fundId)), original, command);
  },
});

const REVERSIBLE: readonly Reversible[] = [
  premiumCash(RECORD_PREMIUM_PAYMENT as CommandRoute<unknown>),
  premiumCash(REFUND_PREMIUM as CommandRoute<unknown>),
  claimMoney(PAY_CLAIM as CommandRoute<unknown>, decideReverseClaimPayment),
  claimMoney(RECOVER_CLAIM as CommandRoute<unknown>, decideReverseClaimRecovery),
  memberDealing(CONTRIBUTE as CommandRoute<unknown>, decideReverseContribution),
  memberDealing(WITHDRAW as CommandRoute<unknown>, decideReverseWithdrawal),
];

/** Who may send a reversal at all: anyone who may send a reversible command (the original's own roles are checked per request). */
const REVERSAL_ROLES: Role[] = [...new Set(REVERSIBLE.flatMap((r) => r.route.roles))];

/** The reversible route an accepted original went through, and the entity id in its path. */
function reversibleOf(outcome: StoredOutcome | undefined): { target: Reversible; id: string } | undefined {
  if (!outcome || outcome.status < 200 || outcome.status > 299 || typeof outcome.path !== 'string') return undefined;
  for (const target of REVERSIBLE) {
    const match = target.route.pattern.exec(outcome.path);
    if (match) return { target, id: decodeURIComponent(match[1]) };
  }
  return undefined;
}

/** Only an actor holding a role of the original command's route may reverse it (403, unrecorded). */
function checkRole(meta: CommandMeta, command: Reverse, target: Reversible): void {
  if (isAllowed(meta.actor, commandAccess(...target.route.roles))) return;
  throw new ForbiddenError(`Actor ${meta.actor.id} may not reverse command ${command.reversesCommandId}: it requires role ${target.route.roles.join(' or ')}.`);
}

export class ReverseCommandRoute implements CommandRoute<ReverseCommandCommand> {
  readonly pattern = /^\/v1\/reversals$/;
  readonly roles = REVERSAL_ROLES;
  readonly summary =
    "Reverse the money of an earlier accepted premium payment, refund, claim payment, claim recovery, contribution or withdrawal, on the original's effective date (booked in the first open month when that month is closed). Requires a role of the original command.";
  readonly body = ReverseBodySchema;
  readonly example = { commandId: '4a5b6c7d8e9f0a1b2c3d4e5f60718293', reversesCommandId: '2e3f405162738495a6b7c8d9eaf10c1d', reason: 'Payment keyed in twice' };

  /** `outcome`: the durable outcome of a command id (the event store's). */
  constructor(private readonly outcome: (commandId: string) => StoredOutcome | undefined) {}

  parse(_params: string[], meta: CommandMeta): ReverseCommandCommand {
    return new ReverseCommandCommand(parseBody(this.body, meta.body), meta);
  }

  request({ command, meta }: ReverseCommandCommand): CommandRequest {
    const original = this.outcome(command.reversesCommandId);
    const found = reversibleOf(original);
    if (found) checkRole(meta, command, found.target);
    const answer = (original?.body ?? {}) as Record<string, unknown>;
    const locks = found ? found.target.locks(found.id, answer) : [`command/${command.reversesCommandId}`];
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks,
      partitionKey: locks[0],
      decide: (state) => {
        // Not durable when the request was made: reversible only when decided earlier in the same batch, whose locks
        // (the original's entities among them) this batch holds. Anything else was unknown, refused or still in flight.
        let target = found;
        if (!target) {
          target = reversibleOf(state.batchOutcome(command.reversesCommandId));
          if (target) checkRole(meta, command, target.target);
        }
        if (!target) throw new DomainError('not_reversible', `command ${command.reversesCommandId} is not an accepted command a reversal can undo`);
        const { target: reversible, id } = target;
        const event = reversalTarget(state.trail(reversible.kind, id), command.reversesCommandId);
        return reversible.decide(state, id, event, command);
      },
    };
  }
}
