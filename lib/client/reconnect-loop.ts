/**
 * The life of a subscription (WHATWG HTML §9.2.3, over `fetch`): connect, read events, and
 * after anything but the server's end event, a 204, a fatal error or an abort, wait and
 * connect again, sending the cursor as `Last-Event-ID`.
 */
import { CLIENT_ERROR_CODES, StreamClientError, isStreamClientError } from './client-error.js'
import type { SubscriptionEvent } from './event-types.js'
import { reconnectDelay, retryAfterMs, sleep } from './reconnect-delay.js'
import { errorFromResponse } from './response-error.js'
import { ResumableFault, readSseResponse, type SubscriptionState } from './sse-response.js'
import type { SubscribeConfig } from './subscribe-options.js'

// Statuses that say "not now" rather than "never": a timeout, too many streams (the plugin's
// 429 per client and 503 overall), a server or proxy that is down or restarting. Any other
// failure status would fail the same way again, so it ends the subscription.
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504])
// §9.2.3: a response whose MIME type is not text/event-stream fails the connection for good.
const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i

/**
 * Yields the events of every connection in turn until the stream is over. Returns after the
 * end event, a 204 (§9.2.3: "stop reconnecting") or an abort of `signal`.
 *
 * @throws a {@link StreamClientError} that ends the subscription: a status that will not
 *   change, a response that is not an event stream, a non-resumable in-band error (the
 *   server's code), or `FST_STREAM_CLIENT_RETRIES_EXHAUSTED`; whatever `parse` or `onOpen` throws.
 */
export async function * runSubscription (config: SubscribeConfig, state: SubscriptionState, signal: AbortSignal): AsyncGenerator<SubscriptionEvent, void, undefined> {
  const context = { endEvent: config.endEvent, errorEvent: config.errorEvent, parse: config.parse, signal }
  let failures = 0
  while (!signal.aborted) {
    let reason: StreamClientError
    let waitMs = 0
    try {
      const body = await connect(config, state.lastEventId, signal)
      if (body === undefined) return
      failures = 0
      if (yield * readSseResponse(body, state, context)) return
      reason = new StreamClientError(CLIENT_ERROR_CODES.CLOSED, 'fastify-stream: the event stream ended without its end event; reconnecting to resume')
    } catch (err) {
      if (signal.aborted) return
      if (err instanceof Refused) {
        failures++
        reason = err.error
        waitMs = err.waitMs
      } else if (err instanceof ResumableFault) {
        reason = err.error
      } else if (isStreamClientError(err) && err.code === CLIENT_ERROR_CODES.NETWORK) {
        reason = err
      } else {
        throw err
      }
    }
    if (failures >= config.maxAttempts) {
      throw new StreamClientError(CLIENT_ERROR_CODES.RETRIES_EXHAUSTED, `fastify-stream: gave up after ${failures} failed attempts to connect (${reason.message}); raise maxAttempts, or subscribe again later`, { cause: reason, status: reason.status })
    }
    const delayMs = Math.max(reconnectDelay(state.retryMs, failures, config.maxRetryMs), waitMs)
    config.onRetry?.({ error: reason, delayMs, attempt: failures + 1 })
    await sleep(delayMs, signal)
  }
}

/** A connection attempt that failed in a way worth trying again, after `waitMs` at least. */
class Refused {
  readonly error: StreamClientError
  readonly waitMs: number
  constructor (error: StreamClientError, waitMs: number) {
    this.error = error
    this.waitMs = waitMs
  }
}

/**
 * Sends the request; resolves to the event stream's body, or `undefined` for a 204.
 * @throws {@link Refused} when trying again may work; a {@link StreamClientError} when not.
 */
async function connect (config: SubscribeConfig, lastEventId: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
  let response: Response
  try {
    response = await untilAborted(config.fetch(config.url, { ...config.init, headers: requestHeaders(config.headers, lastEventId), signal }), signal)
  } catch (err) {
    signal.throwIfAborted()
    throw new Refused(new StreamClientError(CLIENT_ERROR_CODES.NETWORK, `fastify-stream: could not connect to ${config.url} (${(err as Error).message}); retrying`, { cause: err }), 0)
  }
  if (response.status === 204) {
    await cancelBody(response)
    return undefined
  }
  if (!response.ok) {
    const error = await errorFromResponse(response, signal)
    if (RETRY_STATUSES.has(response.status)) throw new Refused(error, retryAfterMs(response.headers.get('retry-after')))
    throw error
  }
  const type = response.headers.get('content-type') ?? ''
  if (response.body === null || !EVENT_STREAM.test(type)) {
    await cancelBody(response)
    throw new StreamClientError(CLIENT_ERROR_CODES.CONTENT_TYPE, `fastify-stream: ${config.url} answered ${response.status} with "${type}", not an event stream; ask the route for SSE (reply.stream with the sse format)`, { status: response.status })
  }
  config.onOpen?.(response)
  return response.body
}

/** The request headers: the caller's, then `accept` unless set, then the cursor. */
function requestHeaders (init: HeadersInit | undefined, lastEventId: string): Headers {
  const headers = new Headers(init)
  if (!headers.has('accept')) headers.set('accept', 'text/event-stream')
  // §9.2.4 sends the cursor UTF-8 encoded; a header value is a byte string, one char per byte.
  if (lastEventId !== '') headers.set('last-event-id', utf8Bytes(lastEventId))
  return headers
}

function utf8Bytes (text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text
  let bytes = ''
  for (const byte of new TextEncoder().encode(text)) bytes += String.fromCharCode(byte)
  return bytes
}

/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts: a `fetch` that
 * ignores its signal cannot hold the subscription. A response that comes after is cancelled.
 */
function untilAborted (promise: Promise<Response>, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      reject(signal.reason)
      promise.then(cancelBody, ignore)
    }
    signal.addEventListener('abort', abort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

/** Releases a response's connection; never rejects (a body that already failed is released). */
async function cancelBody (response: Response): Promise<void> {
  await response.body?.cancel().catch(ignore)
}

function ignore (): void {}
