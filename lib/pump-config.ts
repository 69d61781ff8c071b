/**
 * What a pump is given. The per-stream parts live on the pump itself; the hooks are shared by
 * every stream of one configuration and receive the pump, so an idle stream holds no closures.
 */
import type { StreamCounters } from './counters.js'
import type { Encoder } from './encoder.js'
import type { StreamPump } from './pump.js'
import type { SourceContext } from './source.js'

/** Settings and hooks shared by many pumps; create one per configuration, not per stream. */
export interface PumpConfig {
  /** Write a heartbeat after this many idle milliseconds; 0 disables. */
  heartbeatMs: number
  /** End the stream for a reconnect after about this many milliseconds (±10 %); 0 never. */
  lifetimeMs: number
  /** Shared counters to update. */
  counters: StreamCounters
  /** Writes the status line and headers. Called once, just before the first body byte. */
  writeHead: (pump: StreamPump) => void
  /** Called once when the source or encoder fails after the head was written. */
  onFault?: (pump: StreamPump, err: unknown) => void
  /** Called once when the stream is over, whatever the reason. */
  onClose?: (pump: StreamPump) => void
  /** Called when the source has still not finished a few seconds after its stream ended. */
  onLinger?: (pump: StreamPump) => void
}

/** The per-stream inputs of a pump. */
export interface PumpInit {
  /** Frames items. Stateless encoders (SSE, NDJSON) may be shared; CSV needs one per stream. */
  encoder: Encoder
  /**
   * Aborted when the stream ends for any reason; its signal is in `context`. Needed only
   * for factory sources: an iterable is stopped through its iterator's return().
   */
  controller?: AbortController
  /** Passed to a source factory (required when the source is one). */
  context?: SourceContext
  /** The shared settings and hooks. */
  config: PumpConfig
  /** Anything the hooks need to find again, such as the Fastify reply. */
  owner?: unknown
}
