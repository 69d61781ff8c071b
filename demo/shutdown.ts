/**
 * Graceful shutdown on SIGINT/SIGTERM: `app.close()` ends every stream with its final
 * frame (the stream plugin's preClose hook), then the process exits 0. A deadline keeps a
 * stuck client or plugin from holding the process hostage.
 */
import type { FastifyInstance } from 'fastify'

/** Options of {@link closeOnSignals}. */
export interface ShutdownOptions {
  /** Exit with code 1 if close() has not finished after this many ms (default 1800). */
  deadlineMs?: number
  /** Replaces `process.exit` (tests). */
  exit?: (code: number) => void
  /** Signals to handle (default SIGINT and SIGTERM). */
  signals?: readonly NodeJS.Signals[]
}

// The issue asks for an exit within 2 s; this leaves time for the exit itself.
const DEFAULT_DEADLINE_MS = 1800

/**
 * Closes `app` on the first signal and exits 0 once it has closed. A second signal exits
 * at once with 130 (128 + SIGINT), for someone who does not want to wait.
 *
 * @returns a function that removes the signal handlers.
 */
export function closeOnSignals (app: FastifyInstance, options: ShutdownOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS
  let closing = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) return exit(130)
    closing = true
    app.log.info({ signal, openStreams: app.streams.open }, 'closing: ending open streams')
    // Not unref'd: a close stuck on a promise (no handle left) must still end in exit(1),
    // not in a silent natural exit.
    const deadline = setTimeout(() => {
      app.log.error({ deadlineMs }, 'close() did not finish in time; exiting anyway')
      exit(1)
    }, deadlineMs)
    app.close().then(() => {
      clearTimeout(deadline)
      exit(0)
    }, (err: unknown) => {
      app.log.error({ err }, 'close() failed')
      exit(1)
    })
  }
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  for (const signal of signals) process.on(signal, onSignal)
  return () => {
    for (const signal of signals) process.off(signal, onSignal)
  }
}
