/**
 * What a pump is given. The per-stream parts live on the pump itself; the hooks are shared by
 * every stream of one configuration and receive the stream, so an idle stream holds no closures.
 */
import type { StreamCounters } from './counters.js'
import type { Encoder } from '../framing/encoder.js'
import type { SourceContext } from './source.js'

/** The counters a pump updates (a {@link StreamCounters} fits). */
export type PumpCounters = Pick<StreamCounters, 'open' | 'opened' | 'events' | 'bytes' | 'errors' | 'aborted' | 'heartbeats' | 'lingering'>

/** What the shared hooks see of one stream: its owner (the plugin: the reply) and encoder. */
export interface PumpHandle<O> {
  /** What the creator attached, such as the Fastify reply. */
  readonly owner: O
  /** The stream's encoder. */
  readonly encoder: Encoder
  /** Ends the stream for a server shutdown (see StreamPump.shutdown), aborting its source with `reason`. */
  shutdown (reason?: Error): Promise<void>
}

/** Settings and hooks shared by many pumps; create one per configuration, not per stream. */
export interface PumpConfig<O> {
  /** Write a heartbeat after this many idle milliseconds; 0 disables. */
  heartbeatMs: number
  /** End the stream for a reconnect after about this many milliseconds (±10 %); 0 never. */
  lifetimeMs: number
  /** Shared counters to update. */
  counters: PumpCounters
  /** Writes the status line and headers. Called once, just before the first body byte. */
  writeHead: (pump: PumpHandle<O>) => void
  /** Called once when the source or encoder fails after the head was written. */
  onFault?: (pump: PumpHandle<O>, err: unknown) => void
  /**
   * Called once, instead of `onFault`, when the stream ends because its hub subscriber fell
   * behind (FST_STREAM_SLOW_CONSUMER): a signal about the client, not a failure.
   */
  onSlowConsumer?: (pump: PumpHandle<O>) => void
  /** Called once when the stream is over, whatever the reason. */
  onClose?: (pump: PumpHandle<O>) => void
  /** Called when the source has still not finished a few seconds after its stream ended. */
  onLinger?: (pump: PumpHandle<O>) => void
}

/** The per-stream inputs of a pump. */
export interface PumpInit<O> {
  /** Frames items. Stateless encoders (SSE, NDJSON) may be shared; CSV needs one per stream. */
  encoder: Encoder
  /** The shared settings and hooks. */
  config: PumpConfig<O>
  /** What the hooks need to find again, such as the Fastify reply. */
  owner: O
  /**
   * For a factory source: aborted when the stream ends for any reason, with its signal in
   * `context`. An iterable is stopped through its iterator's return() alone.
   */
  factory?: { controller: AbortController, context: SourceContext }
}
