/**
 * What every `reply.stream()` of one plugin instance shares: options, counters, the open
 * streams (for shutdown), and pump configs and encoders made once per distinct setting, so an
 * idle stream holds neither a closure nor an encoder of its own.
 */
import type { FastifyBaseLogger, FastifyReply } from 'fastify'
import { createEncoder } from '../lib/framing/create-encoder.js'
import type { Encoder, StreamFormat } from '../lib/framing/encoder.js'
import { StreamCounters } from '../lib/write-path/counters.js'
import type { PumpConfig, PumpHandle } from '../lib/write-path/pump-config.js'
import { ClientLimits } from './client-limits.js'
import type { ResolvedOptions } from './options.js'
import type { RouteOptionsCache } from './route-options.js'
import { writeHead, type StreamCoding } from './write-head.js'

// Per-call options are usually a handful of literals repeated on every request, so configs
// and encoders are cached by the values that shape them. The bound keeps a route that varies
// them per request (say, heartbeatMs from a query) from growing the caches without end.
const MAX_CACHED = 64

/**
 * What the plugin's hooks need of one stream. The reply is let go once the head is out: an
 * idle stream then holds neither Fastify's request nor its reply (about 400 bytes).
 */
export interface StreamOwner {
  /** The reply, until the head is written; `undefined` after. */
  reply: FastifyReply | undefined
  /** The request's logger (with its request id, when logging is on). */
  readonly log: FastifyBaseLogger
  /** The route's method and URL pattern, for the lingering warning. */
  readonly method: string
  readonly url: string | undefined
  /** The slot taken in {@link ClientLimits}, given back when the stream ends. */
  readonly client: string
  /** With compression on: the coding chosen for this stream, for the head. */
  readonly coding: StreamCoding | undefined
}

/** A stream of this plugin, as its hooks see it. */
export type ReplyPump = PumpHandle<StreamOwner>

/** Shared state of one plugin instance. */
export interface StreamRegistry {
  options: ResolvedOptions
  counters: StreamCounters
  /** Open pumps, so `fastify.close()` can end them. */
  open: Set<ReplyPump>
  /** Streams per client, for `maxStreamsPerClient`. */
  clients: ClientLimits
  /** Routes already warned about a lingering source (one warning per route). */
  lingerWarned: Set<string>
  /** Per-call options resolved once per route (route-options.ts). */
  routeOptions: RouteOptionsCache
  /** Set once the server starts closing: new streams are refused. */
  closing: boolean
  /** Pump configs by heartbeat and negotiation (all a config depends on). */
  configs: Map<string, PumpConfig<StreamOwner>>
  /** Stateless encoders (SSE, NDJSON) by the option values that shape their frames. */
  encoders: Map<string, Encoder>
  /**
   * Encoders of per-call options with a serializer of their own, by the route's resolved
   * options (route-options.ts keeps one object per route): every stream of that route
   * shares one, so a hub event is serialized once for the route, not once per subscriber.
   */
  ownEncoders: WeakMap<ResolvedOptions, Map<StreamFormat, Encoder>>
  /** Where encoders report a questionable event name (the instance's logger). */
  warn: (message: string) => void
}

/** Creates the registry for validated plugin options. */
export function createRegistry (options: ResolvedOptions, warn: (message: string) => void): StreamRegistry {
  return {
    options,
    counters: new StreamCounters(),
    open: new Set(),
    clients: new ClientLimits(options.maxStreamsPerClient, options.clientKey),
    lingerWarned: new Set(),
    routeOptions: new WeakMap(),
    closing: false,
    configs: new Map(),
    encoders: new Map(),
    ownEncoders: new WeakMap(),
    warn
  }
}

/** The pump config for `options`, shared by every stream with the same settings. */
export function configFor (registry: StreamRegistry, options: ResolvedOptions): PumpConfig<StreamOwner> {
  const negotiated = options.format === undefined
  const base = registry.options
  // Most calls keep the plugin's timings: a constant key, no string built per request.
  const key = options.heartbeatMs === base.heartbeatMs && options.maxLifetimeMs === base.maxLifetimeMs
    ? (negotiated ? 'negotiated' : 'forced')
    : `${options.heartbeatMs}|${options.maxLifetimeMs}|${negotiated}`
  return registry.configs.get(key) ?? remember(registry.configs, key, createConfig(registry, options, negotiated))
}

/**
 * The encoder for `format` and `options`. SSE and NDJSON encoders keep no state, so streams
 * with the same settings share one (with a serializer of their own: streams of the same
 * route); CSV remembers its header, so each stream gets its own.
 */
export function encoderFor (registry: StreamRegistry, options: ResolvedOptions, format: StreamFormat): Encoder {
  const base = registry.options
  if (format === 'csv') return createEncoder(format, options)
  if (options.serializer !== base.serializer) return ownEncoder(registry, options, format)
  const framedAsBase = options.retryMs === base.retryMs && options.endEvent === base.endEvent && options.errorEvent === base.errorEvent
  const key = format === 'sse' && !framedAsBase ? `sse|${options.retryMs}|${options.endEvent}|${options.errorEvent}` : format
  return registry.encoders.get(key) ?? remember(registry.encoders, key, createEncoder(format, { ...options, onWarning: registry.warn }))
}

function ownEncoder (registry: StreamRegistry, options: ResolvedOptions, format: StreamFormat): Encoder {
  return routeEncoder(registry, options, format, () => createEncoder(format, { ...options, onWarning: registry.warn }))
}

/**
 * The encoder of one route's resolved `options` and `format`, made by `make` on a miss and
 * shared by that route's streams (CSV excepted: it keeps state, so each stream makes one).
 */
export function routeEncoder (registry: StreamRegistry, options: ResolvedOptions, format: StreamFormat, make: () => Encoder): Encoder {
  if (format === 'csv') return make()
  let byFormat = registry.ownEncoders.get(options)
  if (byFormat === undefined) registry.ownEncoders.set(options, byFormat = new Map())
  return byFormat.get(format) ?? remember(byFormat, format, make())
}

// Called only on a miss (after `??`), so a hit allocates nothing on the stream-start path.
function remember<T> (cache: Map<string, T>, key: string, value: T): T {
  if (cache.size < MAX_CACHED) cache.set(key, value)
  return value
}

function createConfig (registry: StreamRegistry, options: ResolvedOptions, negotiated: boolean): PumpConfig<StreamOwner> {
  return {
    heartbeatMs: options.heartbeatMs,
    lifetimeMs: options.maxLifetimeMs,
    counters: registry.counters,
    writeHead: pump => {
      const owner = pump.owner
      const reply = owner.reply
      // The pump writes its head once, so the reply is always still held here.
      /* c8 ignore next */
      if (reply === undefined) return
      owner.reply = undefined
      writeHead(reply, pump.encoder, negotiated, owner.coding)
    },
    onFault: (pump, err) => {
      pump.owner.log.error({ err, route: routeOf(pump.owner) }, 'fastify-stream: the stream failed after its headers were sent')
    },
    // Once per stream, with no stack: it says which client fell behind, not where code failed.
    onSlowConsumer: pump => {
      const owner = pump.owner
      owner.log.warn({ route: routeOf(owner), client: owner.client }, 'fastify-stream: a hub subscriber fell behind and was disconnected (overflow: \'disconnect\'); it resumes from history with its Last-Event-ID')
    },
    onClose: pump => {
      registry.clients.release(pump.owner.client)
      registry.open.delete(pump)
    },
    onLinger: pump => warnLingering(registry, pump.owner)
  }
}

// Once per route: the fix is in the route's source, and a busy route would flood the log.
function warnLingering (registry: StreamRegistry, owner: StreamOwner): void {
  const route = routeOf(owner)
  if (registry.lingerWarned.has(route)) return
  registry.lingerWarned.add(route)
  owner.log.warn({ route }, 'fastify-stream: a stream source is still running seconds after its stream ended; pass the factory\'s signal to every await (setTimeout(ms, v, { signal }), fetch(url, { signal }), events.once(emitter, name, { signal })) so it stops when the client goes')
}

function routeOf (owner: StreamOwner): string {
  return `${owner.method} ${String(owner.url)}`
}
