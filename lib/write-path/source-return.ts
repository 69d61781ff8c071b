/**
 * Stopping a source when its stream ends: its signal aborts and its iterator's `return()` is
 * called, even while the pump waits on it. An `async function*` suspended in an await that
 * ignores the signal cannot be stopped (JavaScript queues `return()` behind that await), so
 * such a source is counted as lingering until it finally finishes: the one leak no library
 * can prevent, made visible.
 */
import { errors } from '../errors.js'
import { isThenable, type AnyIterator } from './source.js'
import { withGrace } from './stream-end.js'

// Shutdown waits this long for a source's `finally` before letting close() go on.
const RETURN_GRACE_MS = 1000
// A source still busy this long after its stream ended is ignoring its signal: a leak.
const LINGER_MS = 3000

/** Where a lingering source is counted. */
export interface LingerCounter {
  /** The source has not finished LINGER_MS after its stream ended. */
  linger (): void
  /** The source finished; `lingered` when it had been counted by {@link LingerCounter.linger}. */
  unlinger (lingered: boolean): void
}

/**
 * Aborts `controller` (with `reason`, else FST_STREAM_CLIENT_GONE) and calls `iterator`'s
 * `return()`. Resolves once that settles, or after a grace period for a source that ignores
 * its signal; a return() that throws or rejects has nothing left to clean up for us.
 */
export function returnSource (iterator: AnyIterator | undefined, controller: AbortController | undefined, reason: unknown, counter: LingerCounter): Promise<undefined> {
  if (controller !== undefined && !controller.signal.aborted) controller.abort(reason ?? new errors.FST_STREAM_CLIENT_GONE())
  let returning: unknown
  try {
    returning = iterator?.return?.()
  } catch {
    return Promise.resolve(undefined)
  }
  if (!isThenable(returning)) return Promise.resolve(undefined)
  const settled = Promise.resolve(returning).then(noop, noop)
  watchLinger(counter, settled)
  return withGrace(settled, RETURN_GRACE_MS)
}

/**
 * Counts the source as lingering while its return() has not settled LINGER_MS after the
 * stream ended. Only streams that end with an async return() get here, never idle ones.
 */
function watchLinger (counter: LingerCounter, settled: Promise<undefined>): void {
  let lingered = false
  const timer = setTimeout(() => { lingered = true; counter.linger() }, LINGER_MS).unref()
  settled.then(() => {
    clearTimeout(timer)
    counter.unlinger(lingered)
  }, noop)
}

function noop (): undefined {}
