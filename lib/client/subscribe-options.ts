/**
 * The options of `subscribe()`, checked once when it is called (a bad value throws there,
 * not at the first reconnect).
 */
import { CLIENT_ERROR_CODES, StreamClientError } from './client-error.js'
import type { AnyEvents, EventOf } from './event-types.js'
import { DEFAULT_MAX_RETRY_MS, DEFAULT_RETRY_MS } from './reconnect-delay.js'

/** A `fetch` as `subscribe()` calls it: the global one, undici's, or a wrapper of either. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

/** A request body that can be sent again on every reconnection (so not a `ReadableStream`). */
export type ReusableBody = string | Blob | BufferSource | FormData | URLSearchParams

/** Why a reconnection is about to happen, and when. */
export interface RetryInfo {
  /** What ended the last attempt: `FST_STREAM_CLIENT_CLOSED`, `_NETWORK`, `FST_STREAM_SHUTDOWN`, a 503… */
  error: StreamClientError
  /** The wait before the next attempt, in milliseconds. */
  delayMs: number
  /** Which attempt the next one is since the stream was last open: 1, 2, … */
  attempt: number
}

/** Options of `subscribe()`. `M` is the event map shared with the server. */
export interface SubscribeOptions<M extends object = AnyEvents> {
  /** The HTTP method; default `GET`. */
  method?: string | undefined
  /** Request headers, such as `authorization`. `accept: text/event-stream` is added unless set. */
  headers?: HeadersInit | undefined
  /** The request body, sent again on each reconnection. */
  body?: ReusableBody | null | undefined
  /** `fetch`'s credentials mode; default `fetch`'s own (`same-origin`). */
  credentials?: RequestCredentials | undefined
  /** Ends the subscription for good: no reconnection, the iteration ends, `done` resolves. */
  signal?: AbortSignal | undefined
  /** The cursor of the first request (as `Last-Event-ID`), to resume a stream seen before. */
  lastEventId?: string | undefined
  /** The `fetch` to use; default the global one. */
  fetch?: FetchLike | undefined
  /** The reconnection time until the server sends `retry:`, in ms; default 1000. */
  retryMs?: number | undefined
  /** The longest back-off after failed attempts, in ms; default 30000. A longer `retry:` wins. */
  maxRetryMs?: number | undefined
  /** Failed attempts in a row before giving up with `FST_STREAM_CLIENT_RETRIES_EXHAUSTED`; default `Infinity`. */
  maxAttempts?: number | undefined
  /** The server's terminal event (the plugin's `endEvent`); default `'end'`; `false` when the server sends none. */
  endEvent?: string | false | undefined
  /** The server's in-band error event (the plugin's `errorEvent`); default `'stream-error'`. */
  errorEvent?: string | undefined
  /**
   * Turns an event's data text into `event.data`. Default: `JSON.parse`, or the text itself
   * when it is not JSON (the plugin sends strings as they are, everything else as JSON). The
   * hub's `reset` data is always JSON.
   */
  parse?: ((text: string, type: string) => unknown) | undefined
  /** Called for each successful connection (the first and every reconnection). */
  onOpen?: ((response: Response) => void) | undefined
  /** Called for each event. With it the subscription starts at once and cannot be iterated. */
  onEvent?: ((event: EventOf<M>) => void) | undefined
  /** Called before each wait for a reconnection. */
  onRetry?: ((info: RetryInfo) => void) | undefined
}

/** The options with their defaults, checked; `onEvent` stays with the subscription, which knows its map. */
export interface SubscribeConfig {
  url: string
  init: RequestInit
  headers: HeadersInit | undefined
  signal: AbortSignal | undefined
  lastEventId: string
  fetch: FetchLike
  retryMs: number
  maxRetryMs: number
  maxAttempts: number
  endEvent: string | false
  errorEvent: string
  parse: (text: string, type: string) => unknown
  onOpen: ((response: Response) => void) | undefined
  onRetry: ((info: RetryInfo) => void) | undefined
}

/**
 * Checks the options and fills in the defaults.
 *
 * @throws a {@link StreamClientError} `FST_STREAM_INVALID_OPTION` naming the option.
 */
export function resolveSubscribeOptions<M extends object> (url: string | URL, options: SubscribeOptions<M>): SubscribeConfig {
  if (typeof url !== 'string' && !(url instanceof URL)) throw invalid('url', 'must be a string or a URL')
  const body = options.body ?? null
  // A stream can be sent once; every reconnection re-sends the body.
  if (body instanceof ReadableStream) throw invalid('body', 'cannot be a ReadableStream: it is sent again on every reconnection; pass a string, a Blob or a BufferSource')
  const init: RequestInit = { method: options.method ?? 'GET', body, cache: 'no-store' }
  if (options.credentials !== undefined) init.credentials = options.credentials
  check('onEvent', options.onEvent, undefined, isFunction, 'must be a function')
  return {
    url: String(url),
    init,
    headers: options.headers,
    signal: options.signal,
    lastEventId: check('lastEventId', options.lastEventId, '', value => typeof value === 'string', 'must be a string'),
    fetch: check('fetch', options.fetch, globalFetch(), isFunction, 'must be a function'),
    retryMs: check('retryMs', options.retryMs, DEFAULT_RETRY_MS, isDelay, 'must be a non-negative integer of milliseconds'),
    maxRetryMs: check('maxRetryMs', options.maxRetryMs, DEFAULT_MAX_RETRY_MS, isDelay, 'must be a non-negative integer of milliseconds'),
    maxAttempts: check('maxAttempts', options.maxAttempts, Infinity, value => value === Infinity || (Number.isInteger(value) && (value as number) >= 1), 'must be a positive integer or Infinity'),
    endEvent: check('endEvent', options.endEvent, 'end', value => value === false || isEventName(value), 'must be an event name without CR or LF, or false'),
    errorEvent: check('errorEvent', options.errorEvent, 'stream-error', isEventName, 'must be an event name without CR or LF'),
    parse: check('parse', options.parse, parseData, isFunction, 'must be a function'),
    onOpen: check('onOpen', options.onOpen, undefined, isFunction, 'must be a function'),
    onRetry: check('onRetry', options.onRetry, undefined, isFunction, 'must be a function')
  }
}

/** The default `parse`: JSON when the text is JSON, else the text. */
export function parseData (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function check<T> (name: string, value: T | undefined, fallback: T, valid: (value: unknown) => boolean, rule: string): T {
  if (value === undefined) return fallback
  if (!valid(value)) throw invalid(name, rule)
  return value
}

function invalid (name: string, rule: string): StreamClientError {
  return new StreamClientError(CLIENT_ERROR_CODES.INVALID_OPTION, `fastify-stream: option "${name}" ${rule}`)
}

function globalFetch (): FetchLike {
  // Looked up at call time, so a test or polyfill that replaces globalThis.fetch is used.
  return (url, init) => globalThis.fetch(url, init)
}

function isFunction (value: unknown): boolean {
  return typeof value === 'function'
}

function isDelay (value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function isEventName (value: unknown): boolean {
  return typeof value === 'string' && value !== '' && !/[\r\n]/.test(value)
}
