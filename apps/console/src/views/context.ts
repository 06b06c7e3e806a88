import type { SessionView } from '../api';
import type { Route } from '../route';

/** What every view gets: where it is, who is signed in, and both times. */
export interface ViewContext {
  route: Route;
  session: SessionView;
  asOf: string;
  /** An instant, or undefined for now. */
  knownAt: string | undefined;
  /** Draws the current route again (after a change the view made). */
  refresh(): void;
}

export type View = (ctx: ViewContext) => Promise<Node>;

/** The months a report view covers: its from/to parameters, else January of asOf's year to asOf's month. */
export function monthRange(ctx: ViewContext): { from: string; to: string } {
  const to = ctx.route.params.get('to') || ctx.asOf.slice(0, 7);
  const from = ctx.route.params.get('from') || `${to.slice(0, 4)}-01`;
  return { from, to };
}
