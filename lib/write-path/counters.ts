/**
 * Live counters for one server (`fastify.streams`). Plain numbers on one object, bumped in
 * place, so reading them costs nothing and the monitoring route can sample them.
 */

/** Counters shared by every stream of one plugin instance and its hub. */
export class StreamCounters {
  /** Streams open right now. */
  open = 0
  /** Streams opened since start. */
  opened = 0
  /** Items written (heartbeats and preambles excluded). */
  events = 0
  /** Body bytes written. */
  bytes = 0
  /** Streams that ended on a source or encoding error. */
  errors = 0
  /** Streams whose client left before the end. */
  aborted = 0
  /** Idle heartbeat frames written. */
  heartbeats = 0
  /** Requests refused because `maxStreams` streams were open. */
  rejected = 0
  /** Streams that resumed from a `Last-Event-ID`. */
  resumes = 0
  /** Requests refused by `maxStreamsPerClient`. */
  rejectedPerClient = 0
  /**
   * Sources still running a few seconds after their stream ended: an `async function*`
   * stuck in an `await` that ignores its `signal`. Each is a leak until it finishes.
   */
  lingering = 0
}
