/**
 * Every error fastify-stream raises, built with `@fastify/error` so each has a stable
 * `FST_STREAM_*` code, an HTTP status for Fastify's error handler, and a message that says
 * how to fix the problem.
 */
import createError from '@fastify/error'

/** One fastify-stream error, as `new errors.FST_STREAM_X(...)` makes it. */
export interface StreamErrorOf<C extends string, S extends number> extends Error {
  code: C
  statusCode: S
  name: string
}

/**
 * The constructor of one fastify-stream error: callable with or without `new`, usable with
 * `instanceof`. Declared here, not taken from `@fastify/error`'s `export =` namespace, so the
 * published declarations resolve under every `moduleResolution` (bundler included) without
 * `esModuleInterop`.
 */
export interface StreamErrorConstructor<C extends string, S extends number> {
  new (...args: unknown[]): StreamErrorOf<C, S>
  (...args: unknown[]): StreamErrorOf<C, S>
  readonly prototype: StreamErrorOf<C, S>
}

function defineError<C extends string, S extends number> (code: C, message: string, statusCode: S, Base?: ErrorConstructor): StreamErrorConstructor<C, S> {
  return createError(code, message, statusCode, Base) as unknown as StreamErrorConstructor<C, S>
}

/**
 * The error constructors, keyed by code. Use them with `instanceof` or compare `err.code`.
 * docs/behaviour.md lists every code with its meaning.
 */
export const errors = {
  /** A plugin or per-call option is out of range or of the wrong type (thrown at register). */
  FST_STREAM_INVALID_OPTION: defineError(
    'FST_STREAM_INVALID_OPTION',
    'fastify-stream: option "%s" %s',
    500,
    TypeError
  ),
  /** `reply.stream()` was given something that is not an iterable, a Readable or a factory. */
  FST_STREAM_INVALID_SOURCE: defineError(
    'FST_STREAM_INVALID_SOURCE',
    'fastify-stream: the stream source must be an AsyncIterable, an Iterable, an object-mode Readable, or a factory returning one; got %s',
    500,
    TypeError
  ),
  /** An SSE `event` name contained CR or LF, which would inject fields (WHATWG HTML §9.2.6). */
  FST_STREAM_INVALID_EVENT: defineError(
    'FST_STREAM_INVALID_EVENT',
    'fastify-stream: an SSE event name must be a string without CR or LF; remove line breaks from "event"',
    500,
    TypeError
  ),
  /** An SSE `id` contained CR, LF or NUL; a NUL makes clients drop the field and break resume. */
  FST_STREAM_INVALID_ID: defineError(
    'FST_STREAM_INVALID_ID',
    'fastify-stream: an SSE id must be a string or safe integer without CR, LF or NUL; clean the "id" value',
    500,
    TypeError
  ),
  /** An SSE `retry` was not a non-negative safe integer, so clients would silently ignore it. */
  FST_STREAM_INVALID_RETRY: defineError(
    'FST_STREAM_INVALID_RETRY',
    'fastify-stream: an SSE retry must be a non-negative safe integer of milliseconds; got %s',
    500,
    RangeError
  ),
  /** An SSE comment was not a string. */
  FST_STREAM_INVALID_COMMENT: defineError(
    'FST_STREAM_INVALID_COMMENT',
    'fastify-stream: an SSE comment must be a string',
    500,
    TypeError
  ),
  /** An item could not be turned into text: `undefined`, a function, a symbol, a BigInt or a cycle. */
  FST_STREAM_UNSERIALIZABLE: defineError(
    'FST_STREAM_UNSERIALIZABLE',
    'fastify-stream: an item could not be serialized (%s); yield JSON-compatible values or pass a serializer',
    500,
    TypeError
  ),
  /** A custom serializer returned a non-string or text with a raw line break, which would break framing. */
  FST_STREAM_FRAMING: defineError(
    'FST_STREAM_FRAMING',
    'fastify-stream: the serializer must return a string without raw CR or LF (%s); escape line breaks, as JSON.stringify does',
    500,
    TypeError
  ),
  /**
   * An item does not match the item schema its route declares (with `validateItems`), or is an
   * SSE event the route does not declare. Ends that one stream; the message names the path.
   */
  FST_STREAM_INVALID_ITEM: defineError(
    'FST_STREAM_INVALID_ITEM',
    'fastify-stream: an item does not match the route\'s item schema: %s',
    500,
    TypeError
  ),
  /** The request's `Accept` header admits none of the formats the route offers. */
  FST_STREAM_NOT_ACCEPTABLE: defineError(
    'FST_STREAM_NOT_ACCEPTABLE',
    'fastify-stream: none of the offered formats (%s) is acceptable; send an Accept header that admits one of them',
    406
  ),
  /** The instance already has `maxStreams` streams open. */
  FST_STREAM_TOO_MANY_STREAMS: defineError(
    'FST_STREAM_TOO_MANY_STREAMS',
    'fastify-stream: too many open streams; try again later',
    503
  ),
  /** One client (by the plugin's `clientKey`) already has `maxStreamsPerClient` streams open. */
  FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT: defineError(
    'FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT',
    'fastify-stream: this client has too many open streams; close one, or share one stream across tabs, then retry',
    429
  ),
  /** `reply.stream()` was called on a reply that is already streaming or sent. */
  FST_STREAM_ALREADY_STARTED: defineError(
    'FST_STREAM_ALREADY_STARTED',
    'fastify-stream: this reply has already been sent or is streaming; call reply.stream() once per request',
    500
  ),
  /** Sent in-band when the source threw mid-stream; the message hides the source's internals. */
  FST_STREAM_SOURCE_FAILED: defineError(
    'FST_STREAM_SOURCE_FAILED',
    'fastify-stream: the stream source failed',
    500
  ),
  /** Sent in-band (NDJSON) and used as the abort reason when the server shuts down. */
  FST_STREAM_SHUTDOWN: defineError(
    'FST_STREAM_SHUTDOWN',
    'fastify-stream: the server is shutting down; reconnect to resume',
    503
  ),
  /** The abort reason given to a source's `signal` when its stream reached `maxLifetimeMs`. */
  FST_STREAM_LIFETIME_OVER: defineError(
    'FST_STREAM_LIFETIME_OVER',
    'fastify-stream: the stream reached its maximum lifetime; reconnect to resume',
    503
  ),
  /** The abort reason given to a source's `signal` when the client goes away. */
  FST_STREAM_CLIENT_GONE: defineError(
    'FST_STREAM_CLIENT_GONE',
    'fastify-stream: the client closed the connection',
    499
  ),
  /** A hub topic name is empty, too long or uses characters outside `[A-Za-z0-9_.:-]`. */
  FST_STREAM_INVALID_TOPIC: defineError(
    'FST_STREAM_INVALID_TOPIC',
    'fastify-stream: topic names are 1-%s characters of [A-Za-z0-9_.:-]; got %s',
    // A topic usually comes from the request (a path or query value), so a bad one is the
    // client's mistake; routes can check first with isValidTopic().
    400,
    TypeError
  ),
  /** The hub's backend (Redis) cannot take the publish right now; the event was certainly not stored. */
  FST_STREAM_HUB_UNAVAILABLE: defineError(
    'FST_STREAM_HUB_UNAVAILABLE',
    'fastify-stream: the hub backend is unavailable (%s); retry the publish once it is back',
    503
  ),
  /**
   * A publish was sent to the hub's backend but not confirmed in time (no answer, or fewer
   * replicas than `minReplicas` confirmed it): it may or may not be stored, or kept.
   */
  FST_STREAM_HUB_OUTCOME_UNKNOWN: defineError(
    'FST_STREAM_HUB_OUTCOME_UNKNOWN',
    'fastify-stream: the hub backend did not confirm the publish in time (%s), so the event may or may not be stored; retry with the same idempotencyKey to publish it exactly once',
    504
  ),
  /** The hub was closed; publish and subscribe no longer work. */
  FST_STREAM_HUB_CLOSED: defineError(
    'FST_STREAM_HUB_CLOSED',
    'fastify-stream: the hub is closed',
    503
  ),
  /** A subscriber fell more than `maxQueue` events behind under the `disconnect` policy. */
  FST_STREAM_SLOW_CONSUMER: defineError(
    'FST_STREAM_SLOW_CONSUMER',
    'fastify-stream: the subscriber fell too far behind and was disconnected; reconnect with Last-Event-ID to resume from history',
    503
  )
}

/** The shape of every fastify-stream error. */
export interface StreamError extends Error {
  code: string
  statusCode?: number
}

/** True for errors raised by fastify-stream itself (their code starts with `FST_STREAM_`). */
export function isStreamError (err: unknown): err is StreamError {
  return err instanceof Error && typeof (err as StreamError).code === 'string' &&
    (err as StreamError).code.startsWith('FST_STREAM_')
}
