/**
 * What every `reply.stream()` of one plugin instance shares: options, counters, the open
 * streams (for shutdown), and pump configs and encoders made once per distinct setting, so an
 * idle stream holds neither a closure nor an encoder of its own.
 */
import type { FastifyReply } from 'fastify'
import {
  createEncoder,
  StreamCounters,
  type Encoder,
  type PumpConfig,
  type StreamFormat,
  type StreamPump
} from '../lib/index.js'
import type { ResolvedOptions } from './options.js'
import { writeHead } from './write-head.js'

// Per-call options are usually a handful of literals repeated on every request, so configs
// and encoders are cached by the values that shape them. The bound keeps a route that varies
// them per request (say, heartbeatMs from a query) from growing the caches without end.
const MAX_CACHED = 64

/** Shared state of one plugin instance. */
export interface StreamRegistry {
  options: ResolvedOptions
  counters: StreamCounters
  /** Open pumps, so `fastify.close()` can end them. */
  open: Set<StreamPump>
  /** Set once the server starts closing: new streams are refused. */
  closing: boolean
  /** Pump configs by heartbeat and negotiation (all a config depends on). */
  configs: Map<string, PumpConfig>
  /** Stateless encoders (SSE, NDJSON) by the option values that shape their frames. */
  encoders: Map<string, Encoder>
  /** Where encoders report a questionable event name (the instance's logger). */
  warn: (message: string) => void
}

/** Creates the registry for validated plugin options. */
export function createRegistry (options: ResolvedOptions, warn: (message: string) => void): StreamRegistry {
  return { options, counters: new StreamCounters(), open: new Set<StreamPump>(), closing: false, configs: new Map(), encoders: new Map(), warn }
}

/** The pump config for `options`, shared by every stream with the same settings. */
export function configFor (registry: StreamRegistry, options: ResolvedOptions): PumpConfig {
  const negotiated = options.format === undefined
  // Most calls keep the plugin's heartbeat: a constant key, no string built per request.
  const key = options.heartbeatMs === registry.options.heartbeatMs
    ? (negotiated ? 'negotiated' : 'forced')
    : `${options.heartbeatMs}|${negotiated}`
  return registry.configs.get(key) ?? remember(registry.configs, key, createConfig(registry, options.heartbeatMs, negotiated))
}

/**
 * The encoder for `format` and `options`. SSE and NDJSON encoders keep no state, so streams
 * with the same settings share one; CSV remembers its header, and a custom serializer per
 * call has no stable identity to key on, so those get their own.
 */
export function encoderFor (registry: StreamRegistry, options: ResolvedOptions, format: StreamFormat): Encoder {
  const base = registry.options
  if (format === 'csv') return createEncoder(format, options)
  if (options.serializer !== base.serializer) return createEncoder(format, { ...options, onWarning: registry.warn })
  const framedAsBase = options.retryMs === base.retryMs && options.endEvent === base.endEvent && options.errorEvent === base.errorEvent
  const key = format === 'sse' && !framedAsBase ? `sse|${options.retryMs}|${options.endEvent}|${options.errorEvent}` : format
  return registry.encoders.get(key) ?? remember(registry.encoders, key, createEncoder(format, { ...options, onWarning: registry.warn }))
}

// Called only on a miss (after `??`), so a hit allocates nothing on the stream-start path.
function remember<T> (cache: Map<string, T>, key: string, value: T): T {
  if (cache.size < MAX_CACHED) cache.set(key, value)
  return value
}

function createConfig (registry: StreamRegistry, heartbeatMs: number, negotiated: boolean): PumpConfig {
  return {
    heartbeatMs,
    counters: registry.counters,
    writeHead: pump => writeHead(pump.owner as FastifyReply, pump.encoder, negotiated),
    onFault: (pump, err) => {
      (pump.owner as FastifyReply).request.log.error({ err }, 'fastify-stream: the stream failed after its headers were sent')
    },
    onClose: pump => { registry.open.delete(pump) }
  }
}
