/**
 * The pump: one stream's lifecycle, from STARTING through OPEN to ENDED (pump-state.ts). It
 * is built in layers, one file each: the frame writer joins frames into writes and keeps the
 * fairness budget (frame-writer.ts), the source reader pulls items with backpressure
 * (source-reader.ts), the opening writes the head (stream-opening.ts), and this class ends
 * the stream exactly once: at the source's end, on a failure, when the client leaves, at its
 * maximum lifetime (lifetime.ts) or at shutdown, and stops the source (source-return.ts).
 *
 * Data flows one way: source → encoder → frame writer → socket. Every wait (source, drain)
 * also ends on close, so a stream never outlives its connection. An idle stream is this
 * object, two listeners and whatever its source holds: no per-stream closures, promises or
 * timers beyond the heartbeat (heartbeat.ts), so tens of thousands fit in one process.
 */
import { errors } from '../errors.js'
import type { PumpInit } from './pump-config.js'
import { ENDED, OPEN, STARTING } from './pump-state.js'
import type { ResponseSink } from './response-sink.js'
import { returnSource } from './source-return.js'
import { abortAfterFlush, closeWithin, isSlowConsumer, toFault } from './stream-end.js'
import { StreamOpening } from './stream-opening.js'

// A client that does not read its last frame (the shutdown or an error) may keep its socket
// this long, no more: close() must finish, and a stalled reader must let go, even if it
// never reads again.
const LAST_FRAME_FLUSH_MS = 1000

/**
 * Streams one source to one response. Call {@link StreamPump.start} once.
 * @typeParam O what the creator attaches for its hooks (the plugin: the Fastify reply).
 */
export class StreamPump<O = undefined> extends StreamOpening<O> {
  private readonly controller: AbortController | undefined
  private returned: Promise<undefined> | undefined = undefined
  private released = false

  /**
   * @param res the response (node:http `ServerResponse` or `Http2ServerResponse`).
   * @param source anything `openSource()` (source.ts) accepts.
   * @param init the encoder, shared config, owner, and for a factory its controller and context.
   */
  constructor (res: ResponseSink, source: unknown, init: PumpInit<O>) {
    super(res, source, init)
    this.controller = init.factory?.controller
    this.onClose = this.onClose.bind(this)
    this.onDrain = this.onDrain.bind(this)
    res.on('close', this.onClose)
    res.on('error', this.onClose)
    res.on('drain', this.onDrain)
    this.config.counters.open++
    this.config.counters.opened++
  }

  /**
   * Ends the stream for a server shutdown: aborts the source, sends the format's fault frame
   * (`FST_STREAM_SHUTDOWN`) and closes. Resolves once the source's `finally` has run, or
   * after a short grace period for sources that ignore their signal.
   * @param reason what the source's signal is aborted with; one error can serve every
   *   stream of a shutdown (tens of thousands of stack traces are a measurable pause).
   */
  async shutdown (reason: Error = new errors.FST_STREAM_SHUTDOWN()): Promise<void> {
    let closed: Promise<void> | undefined
    if (this.state === OPEN) {
      closed = this.endWithFault(reason) ?? closeWithin(this.res, LAST_FRAME_FLUSH_MS)
    } else if (this.state === STARTING) {
      // No head yet: start() hands the reason back, so the request still gets its 503.
      this.state = ENDED
      this.interruption = reason
      this.release()
      this.settle(reason)
    }
    await Promise.all([this.returnSource(reason), closed])
  }

  /** @internal the heartbeat (heartbeat.ts) found the stream idle for a whole interval. */
  writeHeartbeat (): void {
    this.append(this.encoder.heartbeatFrame)
    this.config.counters.heartbeats++
    this.flush()
  }

  /**
   * @internal the lifetime (lifetime.ts) is over: ends the stream cleanly with the format's
   * reconnect frame (SSE: a `retry:` hint, and no end event), so the client comes back with
   * its cursor. release() clears the timer, so the stream is open here.
   */
  retire (): void {
    this.state = ENDED
    this.append(this.encoder.reconnectFrame())
    this.flush()
    this.res.end()
    this.release()
    this.returnSource(new errors.FST_STREAM_LIFETIME_OVER())
  }

  /** @internal the source has not finished long after its stream (source-return.ts). */
  linger (): void {
    this.config.counters.lingering++
    this.config.onLinger?.(this)
  }

  /** @internal the source finally finished; `lingered` when it was counted as lingering. */
  unlinger (lingered: boolean): void {
    if (lingered) this.config.counters.lingering--
  }

  protected end (): void {
    this.append(this.encoder.endFrame())
    this.flush()
    this.state = ENDED
    this.res.end()
    this.release()
  }

  protected fail (err: unknown): void {
    if (this.state === STARTING) return this.settle(this.failBeforeHead(err))
    if (this.state !== OPEN) return
    // A subscriber that fell behind is the client's signal, not a failure of ours.
    if (isSlowConsumer(err)) {
      this.config.onSlowConsumer?.(this)
    } else {
      this.config.counters.errors++
      this.config.onFault?.(this, err)
    }
    this.endWithFault(err)
  }

  /** Stops the source (source-return.ts), once: later calls get the same promise. */
  protected returnSource (reason: unknown): Promise<undefined> {
    this.returned ??= returnSource(this.iterator, this.controller, reason, this)
    return this.returned
  }

  /** Removes every listener and timer this pump added. Safe to call twice. */
  protected release (): void {
    // Several end paths lead here (end, fault, close, shutdown); only the first one counts.
    /* c8 ignore next */
    if (this.released) return
    this.released = true
    this.res.off('close', this.onClose)
    this.res.off('error', this.onClose)
    this.res.off('drain', this.onDrain)
    clearTimeout(this.heartbeatTimer)
    clearTimeout(this.lifetimeTimer)
    if (this.headTimer !== undefined) clearImmediate(this.headTimer)
    if (this.flushTimer !== undefined) clearImmediate(this.flushTimer)
    this.config.counters.open--
    this.wakeUp()
    this.config.onClose?.(this)
  }

  /**
   * Ends after a failure: the in-band fault frame, then a clean end (SSE) or an abort once
   * the data is flushed (NDJSON, CSV), so truncation is visible to the client. A reader
   * that has stopped reading gets a bounded time to take the frame before the socket goes.
   * @returns that bound's promise when the reader had stopped, else undefined.
   */
  private endWithFault (err: unknown): Promise<void> | undefined {
    this.state = ENDED
    const stalled = this.needDrain
    this.append(this.encoder.faultFrame(toFault(err)))
    this.flush()
    if (this.encoder.abortOnFault) abortAfterFlush(this.res)
    else this.res.end()
    const closing = stalled ? closeWithin(this.res, LAST_FRAME_FLUSH_MS) : undefined
    this.release()
    // The encoder may have refused an item of a live source; return() on a finished one is a no-op.
    this.returnSource(err)
    return closing
  }

  private onClose (): void {
    // release() removes this listener, so the state here is STARTING or OPEN.
    const interrupted = this.state === OPEN
    this.state = ENDED
    if (interrupted) this.config.counters.aborted++
    this.release()
    this.settle(undefined)
    this.returnSource(new errors.FST_STREAM_CLIENT_GONE())
  }
}
