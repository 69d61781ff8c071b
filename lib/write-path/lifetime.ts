/**
 * A stream's maximum lifetime: after about `lifetimeMs` it ends cleanly so the client
 * reconnects, which spreads long-lived connections over new instances after a deploy. One
 * timer per stream, with the stream as its argument (no closure per stream).
 */

// Lifetimes are spread by up to this fraction either way, so streams opened together (after
// a deploy) do not all reconnect in the same second.
const LIFETIME_JITTER = 0.1

/** What the lifetime needs from a stream. */
export interface LifetimeTarget {
  /** The current timer, kept by the stream so that it can clear it. */
  lifetimeTimer: NodeJS.Timeout | undefined
  /** Ends the stream for a reconnect. */
  retire (): void
}

/** Starts `target`'s lifetime of about `lifetimeMs` (±10 %); 0 means forever. */
export function armLifetime (target: LifetimeTarget, lifetimeMs: number): void {
  if (lifetimeMs <= 0) return
  const jittered = lifetimeMs * (1 - LIFETIME_JITTER + 2 * LIFETIME_JITTER * Math.random())
  target.lifetimeTimer = setTimeout(lifetimeDue, jittered, target).unref()
}

function lifetimeDue (target: LifetimeTarget): void {
  target.lifetimeTimer = undefined
  target.retire()
}
