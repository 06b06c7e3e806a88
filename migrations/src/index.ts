// Forward-only upcasters of stored event payloads: an event of type T stored
// at schema version N is rewritten to N+1 by UPCASTERS[T][N], repeatedly,
// until it reaches the current version. Replay applies them, so logs written
// by any earlier release stay readable. Add one numbered file per change and
// register it here; never edit a released one.
export type Upcaster = (payload: Record<string, unknown>) => Record<string, unknown>;

export const UPCASTERS: Record<string, Record<number, Upcaster>> = {};

export interface VersionedEvent {
  type: string;
  v: number;
  payload: Record<string, unknown>;
}

/** The event at its type's latest schema version. */
export function upcast<E extends VersionedEvent>(event: E, registry = UPCASTERS): E {
  const steps = registry[event.type];
  if (!steps) return event;
  let current = event;
  for (let step = steps[current.v]; step; step = steps[current.v]) {
    current = { ...current, v: current.v + 1, payload: step(current.payload) };
  }
  return current;
}
