/**
 * How a stream that fails ends on the wire: what the client may read of the error, and how a
 * format without an in-band error record signals truncation.
 */
import type { StreamFault } from '../framing/encoder.js'
import { errors, isStreamError } from '../errors.js'
import type { ResponseSink } from './response-sink.js'

/**
 * True when a stream ends because its hub subscriber fell behind (`overflow: 'disconnect'`):
 * a client's signal, not a failure. The client resumes from history with its cursor.
 */
export function isSlowConsumer (err: unknown): boolean {
  return isStreamError(err) && err.code === 'FST_STREAM_SLOW_CONSUMER'
}

/** What the client may see of an error: our own codes and messages, never a source's. */
export function toFault (err: unknown): StreamFault {
  if (isStreamError(err)) return { code: err.code, message: err.message }
  const failed = new errors.FST_STREAM_SOURCE_FAILED()
  return { code: failed.code, message: failed.message }
}

/**
 * Ends the response so the client sees an incomplete body, after what was written is sent.
 * HTTP/1.1: ending the socket sends what is buffered, then FIN without the final chunk.
 * HTTP/2 has no such half-close: once the data is handed over, reset the stream with an error
 * code (a plain destroy would say NO_ERROR).
 */
export function abortAfterFlush (res: ResponseSink): void {
  if (res.endIncomplete !== undefined) return res.endIncomplete()
  const socket = res.socket
  if (res.stream === undefined && socket != null) socket.end()
  else res.write('', () => { res.destroy(new errors.FST_STREAM_SOURCE_FAILED()) })
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
export function withGrace (promise: Promise<undefined>, ms: number): Promise<undefined> {
  let timer: NodeJS.Timeout | undefined
  const grace = new Promise<undefined>(resolve => { timer = setTimeout(resolve, ms, undefined).unref() })
  return Promise.race([promise, grace]).finally(() => clearTimeout(timer))
}

/**
 * Resolves once what `res` was given has been handed to the OS ('finish' of the response or,
 * after an abort, of its socket), or it closed. The client need not read it yet: the kernel
 * delivers what it holds even after the process exits. A client that stops reading could
 * keep data in Node's buffers forever, so after `ms` the response is destroyed: shutting down
 * must not wait on a stalled reader.
 */
export function closeWithin (res: ResponseSink, ms: number): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(destroyResponse, ms, res).unref()
    const done = (): void => {
      clearTimeout(timer)
      resolve()
    }
    res.once('finish', done)
    res.once('close', done)
    res.socket?.once('finish', done)
  })
}

function destroyResponse (res: ResponseSink): void {
  res.destroy()
}
