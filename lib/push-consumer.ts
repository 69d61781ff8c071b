/**
 * An optional fast path between a source and the pump. A source that fans out (the hub) can
 * hand an item straight to a consumer that is waiting on it and ready to write, instead of
 * resolving a promise per item per subscriber. The async-iterator contract is unchanged: when
 * the consumer declines, the source resolves its pending next() as usual.
 */

/** A consumer that may take items synchronously. */
export interface PushConsumer {
  /**
   * Writes `item` now if the consumer is idle-waiting and its socket has room.
   * @returns false when it cannot; the source then delivers through next() instead.
   */
  accept (item: unknown): boolean
}

/** A source that can push to a consumer. */
export interface PushSource {
  /** Called once by the consumer; the source may then call `accept` while next() is pending. */
  attachConsumer (consumer: PushConsumer): void
}

/** True when `iterator` offers the push path. */
export function isPushSource (iterator: unknown): iterator is PushSource {
  return typeof (iterator as Partial<PushSource> | undefined)?.attachConsumer === 'function'
}
