/**
 * A FIFO of references that grows only as far as its user lets it: subscriber queues and the
 * in-memory history both cap their length and use this for O(1) push and shift.
 */

// Shifting only moves `head`; the consumed prefix is cut off once it is this long and at
// least half the array, so a long-lived queue costs amortised O(1) per item and no memory leak.
const COMPACT_AFTER = 64

/** A FIFO queue with O(1) push, shift and indexed reads. Empty queues hold no array slots. */
export class EventQueue<T> {
  private items: Array<T | undefined> = []
  private head = 0

  /** Items in the queue. */
  get length (): number {
    return this.items.length - this.head
  }

  /** Appends `item` at the end. */
  push (item: T): void {
    this.items.push(item)
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift (): T | undefined {
    if (this.head === this.items.length) return undefined
    const item = this.items[this.head]
    // Drop the reference at once: a consumed event must not stay reachable from the queue.
    this.items[this.head++] = undefined
    if (this.head === this.items.length) this.clear()
    else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** The item `index` places after the oldest (0 is the oldest). */
  at (index: number): T {
    return this.items[this.head + index] as T
  }

  /** Removes every item. */
  clear (): void {
    this.items = []
    this.head = 0
  }
}
