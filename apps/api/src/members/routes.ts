// Every command route of the members area, for /v1/batch (which checks and
// runs each command exactly as its own controller would).
import type { CommandRoute } from '../ledger/command-route';
import { CONTRIBUTE } from './contribute/contribute.command';
import { REGISTER_MEMBER } from './register-member/register-member.command';
import { SWITCH_UNITS } from './switch-units/switch-units.command';
import { WITHDRAW } from './withdraw/withdraw.command';

export const MEMBER_COMMAND_ROUTES: readonly CommandRoute<unknown>[] = [REGISTER_MEMBER, CONTRIBUTE, SWITCH_UNITS, WITHDRAW];
