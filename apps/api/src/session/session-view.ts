// What the console is told about the person signed in: who they are, the
// CSRF token of their session, and what their roles let them see and do. The
// console shows only that; the answers are computed from the same access
// rules the guard enforces (auth/roles.ts, each route's roles), never from a
// second list, and the API still checks every request itself.
import { Injectable, Inject } from '@nestjs/common';

import { REPLAY_AUDIT_ROLES } from '../audit/replay-audit/replay-audit.controller';
import { QUERY_AREAS, commandAccess, isAllowed, queryAccess, type Actor, type Area } from '../auth/roles';
import type { Session } from '../auth/sessions';
import { ClosePeriodRoute } from '../periods/close-period/close-period.command';

export interface SessionView {
  signedIn: true;
  actor: string;
  roles: string[];
  /** The session's CSRF token (send it as X-CSRF-Token); absent when the caller used a bearer token. */
  csrfToken?: string;
  /** When the session ends at the latest; absent for a bearer token. */
  expiresAt?: string;
  can: { read: Area[]; closePeriods: boolean; replayAudits: boolean };
}

@Injectable()
export class SessionViews {
  constructor(@Inject(ClosePeriodRoute) private readonly closePeriod: ClosePeriodRoute) {}

  of(actor: Actor, session: Session | null | undefined): SessionView {
    const view: SessionView = {
      signedIn: true,
      actor: actor.id,
      roles: [...actor.roles].sort(),
      can: {
        read: QUERY_AREAS.filter((area) => isAllowed(actor, queryAccess(area))),
        closePeriods: isAllowed(actor, commandAccess(...this.closePeriod.roles)),
        replayAudits: isAllowed(actor, commandAccess(...REPLAY_AUDIT_ROLES)),
      },
    };
    if (session) {
      view.csrfToken = session.csrfToken;
      view.expiresAt = new Date(session.expiresAtMs).toISOString();
    }
    return view;
  }
}
