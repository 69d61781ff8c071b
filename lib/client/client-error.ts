/**
 * The one error type of `fastify-stream/client`. It carries a `FST_STREAM_*` code: the
 * server's own when the server said what went wrong (an in-band error record, or the JSON
 * body of an error response), else one of the client codes below. The server's errors are
 * built with `@fastify/error`, which needs Node's `util`, so the client has its own class.
 */

/** Every code a {@link StreamClientError} can carry. */
export type StreamErrorCode = `FST_STREAM_${string}`

/** The codes the client raises itself; server codes (`FST_STREAM_SHUTDOWN`, …) pass through. */
export const CLIENT_ERROR_CODES = {
  /** An option of `subscribe()` or `readNdjson()` is out of range or of the wrong type. */
  INVALID_OPTION: 'FST_STREAM_INVALID_OPTION',
  /** The server answered with a status the client cannot use and sent no `FST_STREAM_*` code. */
  HTTP_STATUS: 'FST_STREAM_CLIENT_HTTP_STATUS',
  /** `subscribe()` got a 200 that is not `text/event-stream` (WHATWG HTML §9.2.3 fails it). */
  CONTENT_TYPE: 'FST_STREAM_CLIENT_CONTENT_TYPE',
  /** An NDJSON line is not a JSON text. */
  INVALID_JSON: 'FST_STREAM_CLIENT_INVALID_JSON',
  /** The request failed, or the connection broke mid-body. `cause` holds the platform's error. */
  NETWORK: 'FST_STREAM_CLIENT_NETWORK',
  /** An SSE response ended without the server's end event (a restart, a proxy timeout). */
  CLOSED: 'FST_STREAM_CLIENT_CLOSED',
  /** `subscribe()` gave up after `maxAttempts` failed connections in a row; `cause` is the last. */
  RETRIES_EXHAUSTED: 'FST_STREAM_CLIENT_RETRIES_EXHAUSTED',
  /** A subscription was iterated twice, or iterated although it has an `onEvent` callback. */
  CONSUMED: 'FST_STREAM_CLIENT_CONSUMED'
} as const

/** What else an error may say beyond its code and message. */
export interface StreamClientErrorDetails {
  /** The HTTP status of the response that caused it, if any. */
  status?: number | undefined
  /** The underlying error (a `TypeError` from `fetch`, a `SyntaxError` from `JSON.parse`). */
  cause?: unknown
}

/**
 * A failure of a stream as the client sees it. Compare `err.code` with a `FST_STREAM_*`
 * code; `status` is set when a response caused it.
 */
export class StreamClientError extends Error {
  /** The `FST_STREAM_*` code: the server's, or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: StreamErrorCode
  /** The HTTP status of the response that caused it, or `undefined`. */
  readonly status: number | undefined

  /**
   * @param code a `FST_STREAM_*` code.
   * @param message what happened and how to fix it, starting with `fastify-stream:`.
   */
  constructor (code: StreamErrorCode, message: string, details: StreamClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'StreamClientError'
    this.code = code
    this.status = details.status
  }
}

/** True for an error of this client (by any copy of the package: checked by shape, not class). */
export function isStreamClientError (err: unknown): err is StreamClientError {
  return err instanceof Error && err.name === 'StreamClientError' && isStreamErrorCode((err as StreamClientError).code)
}

/** True for a string that has the shape of a `FST_STREAM_*` code. */
export function isStreamErrorCode (code: unknown): code is StreamErrorCode {
  return typeof code === 'string' && code.startsWith('FST_STREAM_')
}
