/**
 * The contract between a wire format and the pump. An encoder turns items into frames; the
 * pump decides when frames reach the socket.
 */

/** The wire formats fastify-stream speaks. */
export type StreamFormat = 'sse' | 'ndjson' | 'csv'

/** Every format, in the order used when nothing else decides. */
export const STREAM_FORMATS: readonly StreamFormat[] = ['sse', 'ndjson', 'csv']

/** The `{ code, message }` pair sent to a client when a stream ends abnormally. */
export interface StreamFault {
  code: string
  message: string
}

/**
 * Frames items for one stream. Encoders may keep state (the CSV header row), so create one
 * per stream. Every method returns a string, `''` when the format has nothing to write.
 */
export interface Encoder {
  /** Which format this encoder writes. */
  readonly format: StreamFormat
  /** The value of the `Content-Type` response header. */
  readonly contentType: string
  /** The idle keep-alive frame, or `''` when the format has none (NDJSON, CSV). */
  readonly heartbeatFrame: string
  /** What is written right after the headers, so clients see the stream open at once. */
  preamble (): string
  /**
   * Frames one item.
   * @throws a `FST_STREAM_*` error when the item cannot be framed; nothing is written then.
   */
  encode (item: unknown): string
  /** The in-band record for a stream that ends abnormally, or `''` (CSV has none). */
  faultFrame (fault: StreamFault): string
  /** The terminal frame of a finite stream, or `''`. */
  endFrame (): string
  /**
   * What ends a stream the server closes on purpose while the source goes on (its maximum
   * lifetime), so the client reconnects and resumes: SSE sends a `retry:` hint; `''` elsewhere.
   */
  reconnectFrame (): string
  /** True when the format can tell a truncated stream from a complete one only by an abort. */
  readonly abortOnFault: boolean
  /**
   * True when this encoder keeps no state between items, so the frame it makes for a shared
   * (hub) event can be cached on the event and reused by every stream with this encoder.
   */
  readonly shareable: boolean
}
