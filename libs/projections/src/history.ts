// The bitemporal state of one entity: its events in record order. A state
// "as known at K" folds the events recorded at or before K; figures "as of V"
// are then computed from that state by the domain. The latest state is kept
// folded, since deciders and most queries ask for it.
import type { Instant, RecordedEvent } from '@app/domain';

export type Evolve<S> = (state: S | undefined, event: RecordedEvent) => S;

export class EntityHistory<S> {
  readonly events: RecordedEvent[] = [];
  private latest: S | undefined;

  constructor(private readonly evolve: Evolve<S>) {}

  add(event: RecordedEvent): void {
    const last = this.events[this.events.length - 1];
    if (last && event.recordedAt < last.recordedAt) throw new Error('events must arrive in record order');
    this.events.push(event);
    this.latest = this.evolve(this.latest, event);
  }

  /** State as known now (every applied event). */
  current(): S | undefined {
    return this.latest;
  }

  /** State as known at `knownAt`: undefined if the entity did not exist yet. */
  knownAt(knownAt: Instant): S | undefined {
    const last = this.events[this.events.length - 1];
    if (last === undefined || last.recordedAt <= knownAt) return this.latest;
    let state: S | undefined;
    for (const e of this.events) {
      if (e.recordedAt > knownAt) break;
      state = this.evolve(state, e);
    }
    return state;
  }
}

/** Histories of every entity of one kind, in first-seen order (deterministic). */
export class HistoryMap<S> {
  private readonly byId = new Map<string, EntityHistory<S>>();

  constructor(readonly evolve: Evolve<S>) {}

  add(id: string, event: RecordedEvent): void {
    let h = this.byId.get(id);
    if (!h) {
      h = new EntityHistory(this.evolve);
      this.byId.set(id, h);
    }
    h.add(event);
  }

  get(id: string): EntityHistory<S> | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }
}
