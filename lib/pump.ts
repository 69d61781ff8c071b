/**
 * The pump: pulls items from a source, frames them, and writes them to an HTTP response with
 * real backpressure, coalescing, idle heartbeats and prompt cancellation. One per stream.
 *
 * Data flows one way: source → encoder → pump → socket. Every wait (source, drain) also ends
 * on close, so a stream never outlives its connection.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { StreamCounters } from './counters.js'
import type { Encoder, StreamFault } from './encoder.js'
import { errors, isStreamError } from './errors.js'
import { isPreparedEvent } from './prepared-event.js'
import type { ResponseSink } from './response-sink.js'
import { isThenable, openSource, type AnyIterator, type SourceContext } from './source.js'

// Frames are joined in a string until it reaches this many UTF-16 units, then written in
// one res.write(): per-write cost (chunk header, syscall) dominates for small events.
const FLUSH_CHARS = 32 * 1024
// A source that never awaits (a sync iterable, a CPU-bound generator) would starve the event
// loop while the socket accepts writes; yielding every few writes lets close events in.
const WRITES_PER_TURN = 8
// Shutdown waits this long for a source's `finally` before letting close() go on.
const RETURN_GRACE_MS = 1000

const STARTING = 0
const OPEN = 1
const ENDED = 2
type PumpState = typeof STARTING | typeof OPEN | typeof ENDED

/** What a pump needs besides the response and the source. */
export interface PumpOptions {
  /** Frames items; create one per stream. */
  encoder: Encoder
  /** Write a heartbeat after this many idle milliseconds; 0 disables. */
  heartbeatMs: number
  /** Shared counters to update. */
  counters: StreamCounters
  /** Aborted when the stream ends for any reason; its signal is in `context`. */
  controller: AbortController
  /** Passed to a source factory. */
  context: SourceContext
  /** Writes the status line and headers. Called once, just before the first body byte. */
  writeHead: () => void
  /** Called once when the source or encoder fails after the head was written. */
  onFault?: (err: unknown) => void
  /** Called once when the stream is over, whatever the reason. */
  onClose?: () => void
}

/**
 * Streams one source to one response. Call {@link StreamPump.start} once.
 */
export class StreamPump {
  private readonly res: ResponseSink
  private readonly source: unknown
  private readonly options: PumpOptions
  private readonly encoder: Encoder
  private iterator: AnyIterator | undefined
  private state: PumpState = STARTING
  private pending = ''
  private needDrain = false
  private writes = 0
  private lastWriteAt = 0
  private wake: (() => void) | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private idleFlush: NodeJS.Immediate | undefined
  private returned: Promise<undefined> | undefined
  private released = false
  // Why the stream ended before its head was written, when the caller must still answer.
  private interruption: unknown

  /**
   * @param res the response (node:http `ServerResponse` or `Http2ServerResponse`).
   * @param source anything {@link openSource} accepts.
   */
  constructor (res: ResponseSink, source: unknown, options: PumpOptions) {
    this.res = res
    this.source = source
    this.options = options
    this.encoder = options.encoder
    this.onClose = this.onClose.bind(this)
    this.onDrain = this.onDrain.bind(this)
    this.onIdle = this.onIdle.bind(this)
    this.onHeartbeat = this.onHeartbeat.bind(this)
    res.on('close', this.onClose)
    res.on('error', this.onClose)
    res.on('drain', this.onDrain)
    options.counters.open++
    options.counters.opened++
  }

  /**
   * Opens the source and waits one event-loop turn for its first item. A failure in that
   * window happened before any byte was sent, so it is returned for a normal error response
   * (the head is not written). Otherwise the head and preamble go out at once, even if the
   * source has nothing yet, and streaming continues in the background.
   *
   * @returns the error to answer with, or `undefined` once streaming has begun.
   */
  async start (): Promise<unknown> {
    let first: unknown
    let settled: unknown
    let firstFrame = ''
    try {
      const opened = openSource(this.source, this.options.context)
      this.iterator = isThenable(opened) ? await opened : opened
      if (this.state !== STARTING) return await this.interrupted()
      first = this.iterator.next()
      settled = isThenable(first) ? await settledWithinTurn(first) : first
      // Frame the first item now, so an invalid one is still answered with a normal error.
      if (settled !== PENDING && (settled as IteratorResult<unknown>).done !== true) {
        firstFrame = this.encoder.encode((settled as IteratorResult<unknown>).value)
      }
    } catch (err) {
      if (this.state === ENDED) return this.interruption
      this.state = ENDED
      this.release()
      this.returnIterator()
      return err
    }
    if (this.state !== STARTING) return await this.interrupted()
    this.openHead(settled, first, firstFrame)
    return undefined
  }

  /**
   * Ends the stream for a server shutdown: aborts the source, sends the format's fault frame
   * (`FST_STREAM_SHUTDOWN`) and closes. Resolves once the source's `finally` has run, or
   * after a short grace period for sources that ignore their signal.
   */
  async shutdown (): Promise<void> {
    const reason = new errors.FST_STREAM_SHUTDOWN()
    if (this.state === OPEN) {
      this.endWithFault(reason)
    } else if (this.state === STARTING) {
      // No head yet: start() hands the reason back, so the request still gets its 503.
      this.state = ENDED
      this.interruption = reason
      this.release()
    }
    await this.returnIterator(reason)
  }

  private openHead (settled: unknown, first: unknown, firstFrame: string): void {
    this.state = OPEN
    this.options.writeHead()
    this.pending = this.encoder.preamble() + firstFrame
    if (settled !== PENDING) {
      if ((settled as IteratorResult<unknown>).done === true) return this.end()
      this.options.counters.events++
    } else if (this.pending === '') {
      this.res.flushHeaders?.()
    } else {
      this.flush()
    }
    // A source with its first item ready keeps going: the loop flushes the opening batch as
    // soon as the source waits (or fills a chunk), so it shares the write with what follows.
    this.armHeartbeat()
    this.loop(settled === PENDING ? first : undefined)
  }

  private async interrupted (): Promise<unknown> {
    await this.returnIterator(this.interruption)
    return this.interruption
  }

  private async loop (next: unknown): Promise<void> {
    const iterator = this.iterator as AnyIterator
    try {
      for (;;) {
        if (next === undefined) {
          // Never pull the next item while the socket says it is full (DESIGN.md §2).
          if (this.needDrain) await this.drained()
          else if (this.writes >= WRITES_PER_TURN) await this.yieldTurn()
          if (this.state !== OPEN) return
          next = iterator.next()
        }
        if (isThenable(next)) {
          // The source is about to make us wait: flush what is ready once the loop is idle.
          if (this.pending !== '' && this.idleFlush === undefined) this.idleFlush = setImmediate(this.onIdle)
          next = await next
          if (this.state !== OPEN) return
        }
        const result = next as IteratorResult<unknown>
        next = undefined
        if (result.done === true) return this.end()
        this.push(result.value)
      }
    } catch (err) {
      if (this.state !== OPEN) return
      this.options.counters.errors++
      this.options.onFault?.(err)
      this.endWithFault(err)
    }
  }

  /** Frames one item into the pending string (or writes a shared frame as it is). */
  private push (item: unknown): void {
    if (isPreparedEvent(item)) {
      const frame = item.frame(this.encoder.format)
      if (frame !== undefined) {
        this.flush()
        this.write(frame, frame.length)
        this.options.counters.events++
        return
      }
    }
    this.pending += this.encoder.encode(item)
    this.options.counters.events++
    if (this.pending.length >= FLUSH_CHARS) this.flush()
  }

  private flush (): void {
    if (this.pending === '') return
    const chunk = this.pending
    this.pending = ''
    this.write(chunk, Buffer.byteLength(chunk))
  }

  private write (chunk: string | Buffer, bytes: number): void {
    this.options.counters.bytes += bytes
    this.lastWriteAt = Date.now()
    this.writes++
    if (!this.res.write(chunk)) this.needDrain = true
  }

  private end (): void {
    this.pending += this.encoder.endFrame()
    this.flush()
    this.state = ENDED
    this.res.end()
    this.release()
  }

  /**
   * Ends after a failure: the in-band fault frame, then a clean end (SSE) or an abort once
   * the data is flushed (NDJSON, CSV), so truncation is visible to the client.
   */
  private endWithFault (err: unknown): void {
    this.state = ENDED
    this.pending += this.encoder.faultFrame(toFault(err))
    this.flush()
    if (this.encoder.abortOnFault) abortAfterFlush(this.res)
    else this.res.end()
    this.release()
    // The encoder may have refused an item of a live source; return() on a finished one is a no-op.
    this.returnIterator(err)
  }

  private onClose (): void {
    // release() removes this listener, so the state here is STARTING or OPEN.
    const interrupted = this.state === OPEN
    this.state = ENDED
    if (interrupted) this.options.counters.aborted++
    this.release()
    this.returnIterator(new errors.FST_STREAM_CLIENT_GONE())
  }

  private onDrain (): void {
    this.needDrain = false
    this.wakeUp()
  }

  private onIdle (): void {
    this.idleFlush = undefined
    if (this.state === OPEN) this.flush()
  }

  private armHeartbeat (): void {
    const ms = this.options.heartbeatMs
    if (ms > 0 && this.encoder.heartbeatFrame !== '') {
      this.heartbeat = setTimeout(this.onHeartbeat, ms).unref()
    }
  }

  // Only when nothing was written for a whole interval (DESIGN.md §6): a busy stream needs no
  // keep-alive, and a heartbeat between two events would only cost bytes.
  // release() clears the timer, so this only runs while the stream is open.
  private onHeartbeat (): void {
    const idleFor = Date.now() - this.lastWriteAt
    const ms = this.options.heartbeatMs
    if (idleFor >= ms) {
      this.pending += this.encoder.heartbeatFrame
      this.options.counters.heartbeats++
      this.flush()
    }
    // A fresh timer each time: the next check is due a full interval after the last write.
    this.heartbeat = setTimeout(this.onHeartbeat, ms - (idleFor >= ms ? 0 : idleFor)).unref()
  }

  private drained (): Promise<void> {
    return new Promise(resolve => { this.wake = resolve })
  }

  private async yieldTurn (): Promise<void> {
    this.writes = 0
    await nextTurn()
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Aborts the source's signal and calls its iterator's return(); safe to call twice. */
  private returnIterator (reason?: unknown): Promise<undefined> {
    if (this.returned !== undefined) return this.returned
    const controller = this.options.controller
    if (!controller.signal.aborted) controller.abort(reason ?? new errors.FST_STREAM_CLIENT_GONE())
    let returning: unknown
    try {
      returning = this.iterator?.return?.()
    } catch {
      // A return() that throws has nothing left to clean up for us.
    }
    this.returned = isThenable(returning)
      ? withGrace(Promise.resolve(returning).then(noop, noop), RETURN_GRACE_MS)
      : Promise.resolve(undefined)
    return this.returned
  }

  /** Removes every listener and timer this pump added. Safe to call twice. */
  private release (): void {
    // Several end paths lead here (end, fault, close, shutdown); only the first one counts.
    /* c8 ignore next */
    if (this.released) return
    this.released = true
    this.res.off('close', this.onClose)
    this.res.off('error', this.onClose)
    this.res.off('drain', this.onDrain)
    clearTimeout(this.heartbeat)
    if (this.idleFlush !== undefined) clearImmediate(this.idleFlush)
    this.options.counters.open--
    this.wakeUp()
    this.options.onClose?.()
  }
}

const PENDING = Symbol('pending')

/** Waits for `promise` for one event-loop turn; returns PENDING if it is still unsettled. */
function settledWithinTurn (promise: PromiseLike<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setImmediate(resolve, PENDING)
    promise.then(
      value => { clearImmediate(timer); resolve(value) },
      err => { clearImmediate(timer); reject(err) }
    )
  })
}

/** What the client may see of an error: our own codes and messages, never a source's. */
function toFault (err: unknown): StreamFault {
  if (isStreamError(err)) return { code: err.code, message: err.message }
  const failed = new errors.FST_STREAM_SOURCE_FAILED()
  return { code: failed.code, message: failed.message }
}

function abortAfterFlush (res: ResponseSink): void {
  // HTTP/1.1: ending the socket sends what is buffered, then FIN without the final chunk,
  // so the client sees an incomplete body. HTTP/2 has no such half-close: once the data is
  // handed over, reset the stream with an error code (a plain destroy would say NO_ERROR).
  const socket = res.socket
  if (res.stream === undefined && socket != null) socket.end()
  else res.write('', () => { res.destroy(new errors.FST_STREAM_SOURCE_FAILED()) })
}

function withGrace (promise: Promise<undefined>, ms: number): Promise<undefined> {
  let timer: NodeJS.Timeout | undefined
  const grace = new Promise<undefined>(resolve => { timer = setTimeout(resolve, ms, undefined).unref() })
  return Promise.race([promise, grace]).finally(() => clearTimeout(timer))
}

function noop (): undefined {}
