/**
 * A fixed-capacity FIFO that drops its oldest item when full (STYLE.md §2.5): where data flows to
 * something that can be slow, latency stays bounded and the loss is counted instead of growing memory.
 */
export class DropOldestQueue<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;
  /** Items pushed out by newer ones since construction. */
  dropped = 0;

  constructor(
    readonly capacity: number,
    /** Called with each dropped item so it can release what it holds (a frame slot, a payload). */
    private readonly onDrop?: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.capacity) {
      const oldest = this.shift()!;
      this.dropped++;
      this.onDrop?.(oldest);
    }
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Empties the queue, handing every item to `release` (not counted as dropped). */
  clear(release?: (item: T) => void): void {
    while (this.count > 0) {
      const item = this.shift()!;
      release?.(item);
    }
  }
}
