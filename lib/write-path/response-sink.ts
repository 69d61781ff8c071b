/**
 * The part of a response the pump touches. `node:http`'s `ServerResponse` and
 * `node:http2`'s `Http2ServerResponse` both satisfy it, so the core never imports Fastify.
 */
import type { Duplex } from 'node:stream'

/** A writable HTTP response, as the pump sees it. */
export interface ResponseSink {
  /** Writes a body chunk; `false` means wait for `drain`. */
  write (chunk: string | Buffer, callback?: () => void): boolean
  /** Ends the body cleanly. */
  end (): unknown
  /** Tears the response down without a clean end. */
  destroy (err?: Error): unknown
  /**
   * Ends the body so the client sees it incomplete, once what was written is sent: only a
   * sink that hands its bytes to the response later than its writes (brotli-sink.ts) has it.
   */
  endIncomplete? (): void
  /** Sends the head now, before any body byte. */
  flushHeaders? (): void
  /** The HTTP/1 socket, when there is one. */
  readonly socket?: Duplex | null
  /** The HTTP/2 stream, only on `Http2ServerResponse`. */
  readonly stream?: unknown
  on (event: 'close' | 'error' | 'drain', listener: (...args: any[]) => void): unknown
  once (event: 'close' | 'finish', listener: () => void): unknown
  off (event: 'close' | 'error' | 'drain', listener: (...args: any[]) => void): unknown
}
