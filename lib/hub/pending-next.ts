/**
 * A subscriber's pending `next()`: the promise its consumer awaits, settled later by the
 * fan-out (an event), or by the subscription's end (done, or its failure).
 */
import type { SseEvent } from '../framing/sse-event.js'

/** The result of a finished iterator, shared: it holds nothing. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/** One pending `next()` of a subscription. */
export class PendingNext {
  readonly promise: Promise<IteratorResult<SseEvent, undefined>>
  resolve!: (result: IteratorResult<SseEvent, undefined>) => void
  reject!: (err: unknown) => void

  constructor () {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }
}
