/**
 * `subscribe()`: Server-Sent Events over `fetch`, so a stream can carry headers
 * (`Authorization`), use any method and body, and be typed by an event map shared with the
 * server. It reconnects like `EventSource` and resumes with `Last-Event-ID`.
 */
import { CLIENT_ERROR_CODES, StreamClientError } from './client-error.js'
import type { AnyEvents, EventOf } from './event-types.js'
import { runSubscription } from './reconnect-loop.js'
import type { SubscriptionState } from './sse-response.js'
import { resolveSubscribeOptions, type SubscribeConfig, type SubscribeOptions } from './subscribe-options.js'

/** A running subscription: iterate it (once), or give `onEvent`; `done` says how it ended. */
export interface EventSubscription<M extends object = AnyEvents> extends AsyncIterable<EventOf<M>> {
  /** The cursor: the last event id received, sent as `Last-Event-ID` on reconnection; `''` for none. */
  readonly lastEventId: string
  /**
   * Resolves when the subscription is over for good: after the server's end event, a 204,
   * `close()` or an abort. Rejects with the error that ended it. Without `onEvent`, the
   * iteration throws that error too, and `done` never counts as an unhandled rejection.
   */
  readonly done: Promise<void>
  /** Ends the subscription now: the open request is aborted and nothing reconnects. */
  close (): void
}

/**
 * Subscribes to an SSE stream, such as a `reply.stream()` route or a hub topic. Without
 * `onEvent` the connection opens at the first `next()` of the iteration, and the body is read
 * only as fast as the loop takes events; with `onEvent` it opens at once.
 *
 * It reconnects after a dropped connection, a clean close without the end event, a resumable
 * in-band error (`FST_STREAM_SHUTDOWN`, `_LIFETIME_OVER`, `_SLOW_CONSUMER`), a network error
 * or a 408/429/5xx answer: after the server's `retry:` time (else `retryMs`), doubled for
 * each failed attempt up to `maxRetryMs`, with up to 20% jitter, and at least `Retry-After`.
 * It stops for good after the end event, a 204, or an abort.
 *
 * @example
 * for await (const event of subscribe<ChatEvents>('/chat', { headers: { authorization } })) {
 *   if (event.type === 'chat') show(event.data.text)
 * }
 * @throws a {@link StreamClientError} `FST_STREAM_INVALID_OPTION` at once for a bad option.
 *   The iteration (or `done`) fails with a {@link StreamClientError}: the server's code for an
 *   in-band error or an error response that names one (`FST_STREAM_SOURCE_FAILED`, `…_NOT_ACCEPTABLE`),
 *   `FST_STREAM_CLIENT_HTTP_STATUS`, `_CONTENT_TYPE` or `_RETRIES_EXHAUSTED`.
 */
export function subscribe<M extends object = AnyEvents> (url: string | URL, options: SubscribeOptions<M> = {}): EventSubscription<M> {
  return new Subscription<M>(resolveSubscribeOptions(url, options), options.onEvent)
}

class Subscription<M extends object> implements EventSubscription<M> {
  readonly done: Promise<void>
  readonly #config: SubscribeConfig
  readonly #onEvent: ((event: EventOf<M>) => void) | undefined
  readonly #state: SubscriptionState
  readonly #stop = new AbortController()
  #settle!: (error?: unknown) => void
  #started = false
  #settled = false
  // An arrow property, so it can be the abort listener and remove itself.
  readonly #close = (): void => {
    this.#stop.abort()
    if (!this.#started) this.#finish(undefined)
  }

  constructor (config: SubscribeConfig, onEvent: ((event: EventOf<M>) => void) | undefined) {
    this.#config = config
    this.#onEvent = onEvent
    this.#state = { lastEventId: config.lastEventId, retryMs: config.retryMs }
    this.done = new Promise<void>((resolve, reject) => {
      this.#settle = error => error === undefined ? resolve() : reject(error)
    })
    const signal = config.signal
    if (signal?.aborted === true) this.#close()
    else signal?.addEventListener('abort', this.#close, { once: true })
    if (onEvent !== undefined) {
      this.#started = true
      this.#push(onEvent)
    } else {
      // The iteration throws the same error; `done` is there for those who also want it.
      this.done.catch(ignore)
    }
  }

  get lastEventId (): string {
    return this.#state.lastEventId
  }

  close (): void {
    this.#close()
  }

  [Symbol.asyncIterator] (): AsyncIterator<EventOf<M>> {
    if (this.#started) {
      throw new StreamClientError(CLIENT_ERROR_CODES.CONSUMED, this.#onEvent === undefined
        ? 'fastify-stream: this subscription is already being iterated; subscribe() again for a second reader'
        : 'fastify-stream: this subscription delivers its events to onEvent; iterate a subscription made without onEvent')
    }
    this.#started = true
    return this.#iterate()
  }

  async * #iterate (): AsyncGenerator<EventOf<M>, void, undefined> {
    let failure: unknown
    try {
      yield * this.#events()
    } catch (err) {
      failure = err
      throw err
    } finally {
      this.#finish(failure)
    }
  }

  async #push (onEvent: (event: EventOf<M>) => void): Promise<void> {
    let failure: unknown
    try {
      for await (const event of this.#events()) onEvent(event)
    } catch (err) {
      failure = err
    }
    this.#finish(failure)
  }

  #events (): AsyncGenerator<EventOf<M>, void, undefined> {
    // The one place the map meets the wire: its shapes are what the server promised to send.
    return runSubscription(this.#config, this.#state, this.#stop.signal) as AsyncGenerator<EventOf<M>, void, undefined>
  }

  #finish (failure: unknown): void {
    if (this.#settled) return
    this.#settled = true
    this.#config.signal?.removeEventListener('abort', this.#close)
    this.#stop.abort()
    this.#settle(failure)
  }
}

function ignore (): void {}
