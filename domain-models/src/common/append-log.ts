// An immutable append-only list with O(1) amortized append, for folds whose
// states must stay immutable (a batch folds its commands on top of the
// current state without touching it) but grow by one item per event.
//
// Versions share one backing array: a version sees its first `length`
// items. Appending to the newest version pushes in place; appending to an
// older one (a branch: a batch's overlay, then the real apply) copies its
// prefix first, so no version ever sees another's items.
export class AppendLog<T> implements Iterable<T> {
  static empty<T>(): AppendLog<T> {
    return new AppendLog<T>([], 0);
  }

  private constructor(
    private readonly items: T[],
    readonly length: number,
  ) {
    if (length > items.length) throw new Error(`append log of ${length} over ${items.length} items`);
  }

  append(...added: T[]): AppendLog<T> {
    const items = this.items.length === this.length ? this.items : this.items.slice(0, this.length);
    for (const item of added) items.push(item);
    return new AppendLog(items, this.length + added.length);
  }

  at(index: number): T {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) throw new Error(`index ${index} outside an append log of ${this.length}`);
    return this.items[index];
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.items[i];
  }

  toArray(): T[] {
    return this.items.slice(0, this.length);
  }
}
