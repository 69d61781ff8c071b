/**
 * Waits until a counter stops moving. Proving that something does *not* happen needs a
 * window; this one is bounded (at most `limitMs`) and returns as soon as the value holds.
 */
import { setTimeout as delay } from 'node:timers/promises'

/** Resolves with the value once `read()` is unchanged for `quietMs`; rejects after `limitMs`. */
export async function waitUntilStable (read: () => number, quietMs = 150, limitMs = 10_000): Promise<number> {
  const deadline = performance.now() + limitMs
  let value = read()
  let since = performance.now()
  while (performance.now() < deadline) {
    await delay(Math.min(25, quietMs))
    const now = read()
    if (now !== value) {
      value = now
      since = performance.now()
    } else if (performance.now() - since >= quietMs) {
      return value
    }
  }
  throw new Error(`value still changing after ${limitMs} ms`)
}
