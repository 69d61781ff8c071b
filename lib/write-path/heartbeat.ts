/**
 * The idle heartbeat: a comment frame only when nothing was written for a whole interval, so
 * proxies keep an idle stream open while a busy one pays nothing. One timer per stream,
 * re-armed from the last write, with the stream as its argument (no closure per stream).
 */

/** What the heartbeat needs from a stream. */
export interface HeartbeatTarget {
  /** The interval, in ms; 0 means no heartbeat. */
  readonly heartbeatMs: number
  /** When the stream last wrote body bytes (ms since the epoch). */
  readonly lastWriteAt: number
  /** The current timer, kept by the stream so that it can clear it. */
  heartbeatTimer: NodeJS.Timeout | undefined
  /** Writes one heartbeat frame now. */
  writeHeartbeat (): void
}

/** Starts `target`'s heartbeat, due one interval from now. */
export function armHeartbeat (target: HeartbeatTarget): void {
  if (target.heartbeatMs > 0) target.heartbeatTimer = setTimeout(heartbeatDue, target.heartbeatMs, target).unref()
}

function heartbeatDue (target: HeartbeatTarget): void {
  const ms = target.heartbeatMs
  const idleFor = Date.now() - target.lastWriteAt
  if (idleFor >= ms) target.writeHeartbeat()
  // A fresh timer each time: the next check is due a full interval after the last write.
  target.heartbeatTimer = setTimeout(heartbeatDue, idleFor >= ms ? ms : ms - idleFor, target).unref()
}
