/**
 * When `subscribe()` tries again. WHATWG HTML §9.2.3: wait the reconnection time (the
 * server's `retry:` hint, else the client's default), and after a failed attempt the user
 * agent may back off exponentially; here it does, with jitter, so that the clients of a
 * restarted server do not all come back in the same millisecond.
 */

/** The reconnection time until the server sends `retry:`, in milliseconds. */
export const DEFAULT_RETRY_MS = 1000
/** The longest back-off after failures, unless the server's hint is longer, in milliseconds. */
export const DEFAULT_MAX_RETRY_MS = 30_000
// Each delay is stretched by up to this fraction, never shortened: the server's hint is a minimum.
const JITTER = 0.2
// A server may say `retry: 0` (reconnect at once after a clean close); failed attempts still
// back off from this, or a refused connection would spin.
const FAILURE_FLOOR_MS = 100

/**
 * The wait before the next attempt, in milliseconds: `retryMs` after a stream that was open,
 * doubled for each failed attempt in a row (up to `maxRetryMs`, or `retryMs` when the server
 * asked for more), plus up to 20% jitter.
 *
 * @param failures failed attempts since the last open stream.
 */
export function reconnectDelay (retryMs: number, failures: number, maxRetryMs: number, random: () => number = Math.random): number {
  const base = failures === 0 ? retryMs : Math.max(retryMs, FAILURE_FLOOR_MS)
  const backedOff = Math.min(base * 2 ** failures, Math.max(maxRetryMs, retryMs))
  return Math.round(backedOff * (1 + JITTER * random()))
}

/**
 * The `Retry-After` header (RFC 9110 §10.2.3: seconds, or an HTTP date) in milliseconds from
 * `now`; 0 when absent or unreadable.
 */
export function retryAfterMs (value: string | null, now: number = Date.now()): number {
  if (value === null) return 0
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? 0 : Math.max(0, date - now)
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted) return resolve()
    // Not unref'd in Node: a subscription waiting to reconnect is work in progress, like the
    // open request it replaces, and must keep a script alive until it is closed.
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
