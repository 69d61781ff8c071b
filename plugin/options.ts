/**
 * Option validation, done once at register time (and once per call for per-call options),
 * so a mistake fails loudly with FST_STREAM_INVALID_OPTION instead of misbehaving later.
 */
import type { FastifyRequest } from 'fastify'
import { errors } from '../lib/errors.js'
import { STREAM_FORMATS, type StreamFormat } from '../lib/framing/encoder.js'
import type { Serializer } from '../lib/framing/serialize.js'
import { isEventName } from '../lib/framing/sse-event.js'
import { isIntegerIn } from '../lib/option-checks.js'
import { checkCompressOption, type CompressOption } from '../lib/http/compress-option.js'
import { checkHubOption, type HubOption } from './decorate-hub.js'

/** Options shared by the plugin and `reply.stream()`; per-call values win. */
export interface StreamDefaults {
  /** Idle heartbeat for SSE, in ms (default 15000; 0 disables). */
  heartbeatMs?: number
  /** Reconnection delay sent once at open as `retry:`, in ms (default: none). */
  retryMs?: number
  /** Replaces `JSON.stringify` for non-string items. Its output must not contain CR/LF. */
  serializer?: Serializer
  /** Name of the terminal event of a finite SSE stream (default `'end'`); `false` disables. */
  endEvent?: string | false
  /** Name of the in-band SSE error event (default `'stream-error'`). */
  errorEvent?: string
  /** CSV header row and field order (default: the first item's keys). */
  columns?: readonly string[]
  /** Guard CSV cells against formula injection (default true). */
  csvInjection?: boolean
  /** Start CSV output with a UTF-8 BOM for Excel (default false). */
  bom?: boolean
  /**
   * Check each item against the item schema its route declares, with the route's validator
   * compiler, before it is encoded (default false). A mismatch ends that stream with
   * FST_STREAM_INVALID_ITEM naming the failing path.
   */
  validateItems?: boolean
  /**
   * Compress streams for clients that accept it (`Accept-Encoding`), each write flushed so
   * nothing waits in the compressor (default false). `true`, or `{ encodings, zlibOptions, brotliOptions,
   * dictionaryBytes }`. See docs/compression.md.
   */
  compress?: CompressOption
  /**
   * End a stream after this many ms, ±10 % jitter (default 0: never). SSE ends with a `retry:`
   * hint, so `EventSource` reconnects with its `Last-Event-ID` and resumes; connections then
   * rebalance across instances after a deploy or a scale-out.
   */
  maxLifetimeMs?: number
}

/** Options of `reply.stream(source, options)`. */
export interface ReplyStreamOptions extends StreamDefaults {
  /** Force this format instead of negotiating from `Accept`. */
  format?: StreamFormat
  /** The formats this route offers; an `Accept` admitting none of them gets 406. */
  formats?: readonly StreamFormat[]
  /** This route's format when `Accept` is absent, `*\/*` or names no streaming type. */
  defaultFormat?: StreamFormat
}

/** Options of the plugin: `app.register(fastifyStream, options)`. */
export interface FastifyStreamOptions extends StreamDefaults {
  /** Format used when `Accept` is absent or names no streaming type (default `'ndjson'`). */
  defaultFormat?: StreamFormat
  /** Longest `Last-Event-ID` accepted, in characters (default 256); longer ones are ignored. */
  maxLastEventIdLength?: number
  /** Query parameter read when the header is absent (default `'lastEventId'`); `false` disables. */
  lastEventIdQuery?: string | false
  /** Most streams open at once on this instance (default 10000); more get 503. */
  maxStreams?: number
  /** Most streams one client (see `clientKey`) may hold open at once (default 1000); more get 429. */
  maxStreamsPerClient?: number
  /** Who a request's client is, for `maxStreamsPerClient` (default `request.ip`, so `trustProxy` applies). */
  clientKey?: (request: FastifyRequest) => string
  /** The broadcast hub behind `fastify.hub`: hub options (`historySize`, `maxQueue`, `overflow`, `adapter`) or a hub from `createHub()`. Default: in memory. */
  hub?: HubOption
}

/** Plugin options after validation, with every default filled in. */
export interface ResolvedOptions extends ReplyStreamOptions {
  heartbeatMs: number
  defaultFormat: StreamFormat
  maxLastEventIdLength: number
  lastEventIdQuery: string | false
  maxStreams: number
  maxStreamsPerClient: number
  clientKey: (request: FastifyRequest) => string
  maxLifetimeMs: number
}

const MAX_TIMER_MS = 2 ** 31 - 1
const NAME_RULE = 'must be a non-empty string without CR or LF'

type Check = (value: unknown) => string | undefined

// One rule per option: it returns what is wrong, phrased to finish "option X ...".
const CHECKS: Record<string, Check> = {
  heartbeatMs: value => isIntegerIn(value, 0, MAX_TIMER_MS) ? undefined : `must be an integer from 0 to ${MAX_TIMER_MS} (ms; 0 disables heartbeats)`,
  retryMs: value => isIntegerIn(value, 0, Number.MAX_SAFE_INTEGER) ? undefined : 'must be a non-negative integer (ms)',
  serializer: value => typeof value === 'function' ? undefined : 'must be a function (value) => string',
  endEvent: value => value === false || isEventName(value) ? undefined : `${NAME_RULE}, or false`,
  errorEvent: value => isEventName(value) ? undefined : NAME_RULE,
  columns: value => Array.isArray(value) && value.every(c => typeof c === 'string') ? undefined : 'must be an array of strings',
  csvInjection: value => typeof value === 'boolean' ? undefined : 'must be a boolean',
  bom: value => typeof value === 'boolean' ? undefined : 'must be a boolean',
  validateItems: value => typeof value === 'boolean' ? undefined : 'must be a boolean',
  compress: checkCompressOption,
  format: value => isFormat(value) ? undefined : `must be one of ${STREAM_FORMATS.join(', ')}`,
  formats: value => Array.isArray(value) && value.length > 0 && value.every(isFormat) ? undefined : `must be a non-empty array of ${STREAM_FORMATS.join(', ')}`,
  defaultFormat: value => isFormat(value) ? undefined : `must be one of ${STREAM_FORMATS.join(', ')}`,
  maxLastEventIdLength: value => isIntegerIn(value, 1, 65536) ? undefined : 'must be an integer from 1 to 65536 (characters)',
  lastEventIdQuery: value => value === false || (typeof value === 'string' && value !== '') ? undefined : 'must be a query parameter name, or false',
  maxStreams: value => isCap(value) ? undefined : 'must be a positive integer, or Infinity',
  maxStreamsPerClient: value => isCap(value) ? undefined : 'must be a positive integer, or Infinity',
  clientKey: value => typeof value === 'function' ? undefined : 'must be a function (request) => string, such as request => request.ip',
  maxLifetimeMs: value => isIntegerIn(value, 0, MAX_TIMER_MS) ? undefined : `must be an integer from 0 to ${MAX_TIMER_MS} (ms; 0 means no limit)`,
  hub: checkHubOption
}

const CALL_KEYS = new Set(['heartbeatMs', 'retryMs', 'serializer', 'endEvent', 'errorEvent', 'columns', 'csvInjection', 'bom', 'validateItems', 'compress', 'maxLifetimeMs', 'format', 'formats', 'defaultFormat'])
// format and formats describe one route's offer, so they exist per call only.
const PLUGIN_KEYS = new Set([...CALL_KEYS, 'maxLastEventIdLength', 'lastEventIdQuery', 'maxStreams', 'maxStreamsPerClient', 'clientKey', 'hub'])
PLUGIN_KEYS.delete('format')
PLUGIN_KEYS.delete('formats')
// Fastify passes its own register options through to the plugin.
const FASTIFY_KEYS = new Set(['prefix', 'logLevel', 'logSerializers'])

/**
 * Validates plugin options and fills in defaults.
 * @throws FST_STREAM_INVALID_OPTION naming the option and how to fix it.
 */
export function resolveOptions (options: FastifyStreamOptions): ResolvedOptions {
  checkOptions(options as Record<string, unknown>, PLUGIN_KEYS)
  return {
    ...options,
    heartbeatMs: options.heartbeatMs ?? 15000,
    defaultFormat: options.defaultFormat ?? 'ndjson',
    maxLastEventIdLength: options.maxLastEventIdLength ?? 256,
    lastEventIdQuery: options.lastEventIdQuery ?? 'lastEventId',
    maxStreams: options.maxStreams ?? 10000,
    maxStreamsPerClient: options.maxStreamsPerClient ?? 1000,
    clientKey: options.clientKey ?? clientIp,
    maxLifetimeMs: options.maxLifetimeMs ?? 0
  }
}

/**
 * Validates per-call options and layers them over the plugin's.
 * @throws FST_STREAM_INVALID_OPTION naming the option and how to fix it.
 */
export function mergeCallOptions (defaults: ResolvedOptions, options: ReplyStreamOptions): ResolvedOptions {
  checkObject(options)
  // Runs on every request that passes options, so one pass, no intermediate arrays.
  const merged: ResolvedOptions = { ...defaults }
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key]
    if (value === undefined) continue
    checkOption(key, value, CALL_KEYS)
    ;(merged as unknown as Record<string, unknown>)[key] = value
  }
  return merged
}

function checkOptions (options: Record<string, unknown>, allowed: Set<string>): void {
  checkObject(options)
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) checkOption(key, value, allowed)
  }
}

function checkObject (options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new errors.FST_STREAM_INVALID_OPTION('options', 'must be an object')
  }
}

function checkOption (key: string, value: unknown, allowed: Set<string>): void {
  if (FASTIFY_KEYS.has(key)) return
  if (!allowed.has(key)) throw new errors.FST_STREAM_INVALID_OPTION(key, 'is not an option here; check its spelling against the options table in the README')
  const problem = CHECKS[key]?.(value)
  if (problem !== undefined) throw new errors.FST_STREAM_INVALID_OPTION(key, problem)
}

function clientIp (request: FastifyRequest): string {
  return request.ip
}

function isCap (value: unknown): boolean {
  return value === Infinity || isIntegerIn(value, 1, Number.MAX_SAFE_INTEGER)
}

function isFormat (value: unknown): value is StreamFormat {
  return STREAM_FORMATS.includes(value as StreamFormat)
}
