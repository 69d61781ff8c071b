/**
 * An optional fast path between a source and the pump. A source that fans out (the hub) can
 * hand an item straight to a consumer that is waiting on it and ready to write, instead of
 * resolving a promise per item per subscriber. An idle consumer need not even wait on a
 * promise: it parks, holding no pending next() and no suspended loop, and the source wakes it
 * when next() has something again. The async-iterator contract is unchanged: when the
 * consumer declines an item, next() delivers it as usual.
 */

/** A consumer that may take items synchronously. */
export interface PushConsumer {
  /**
   * Writes `item` now if the consumer is idle-waiting and its socket has room.
   * @returns false when it cannot; the source then delivers through next() instead.
   */
  accept (item: unknown): boolean
  /** After {@link PushSource.park}: next() has something again (an item, the end or a failure). */
  resume (): void
  /**
   * The source failed while the consumer was neither parked nor waiting in next(): it may be
   * stuck on a reader that stopped reading (the reason a hub subscription overflows), and then
   * must end now, not when that reader reads again, which may be never.
   */
  sourceFailed (err: unknown): void
}

/** A source that can push to a consumer. */
export interface PushSource {
  /** Called once by the consumer; the source may then call `accept` while it waits. */
  attachConsumer (consumer: PushConsumer): void
  /**
   * Called instead of next() by a consumer with nothing else to do. True: nothing is ready,
   * and the source will call `accept` with each item, or `resume` once next() has something.
   * False: call next() now.
   */
  park (): boolean
}

/** True when `iterator` offers the push path. */
export function isPushSource (iterator: unknown): iterator is PushSource {
  const source = iterator as Partial<PushSource> | undefined
  return typeof source?.attachConsumer === 'function' && typeof source.park === 'function'
}
