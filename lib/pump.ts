/**
 * The pump: one stream's source lifecycle. It pulls items from a source and hands them to its
 * frame writer (frame-writer.ts: coalescing, backpressure, fairness), keeps the idle
 * heartbeat (heartbeat.ts), and ends the stream exactly once: at the source's end, on a
 * failure, when the client leaves, at its maximum lifetime or at shutdown.
 *
 * Data flows one way: source → encoder → frame writer → socket. Every wait (source, drain)
 * also ends on close, so a stream never outlives its connection. An idle stream is this
 * object, two listeners and whatever its source holds: no per-stream closures, promises or
 * timers beyond the heartbeat, so tens of thousands fit in one process.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { errors } from './errors.js'
import { FrameWriter } from './frame-writer.js'
import { armHeartbeat } from './heartbeat.js'
import type { PumpConfig, PumpHandle, PumpInit } from './pump-config.js'
import { isPushSource, type PushConsumer, type PushSource } from './push-consumer.js'
import type { ResponseSink } from './response-sink.js'
import { isThenable, openSource, type AnyIterator, type SourceContext } from './source.js'
import { flushIfSourceWaits } from './source-wait.js'
import { abortAfterFlush, closeWithin, isSlowConsumer, toFault, withGrace } from './stream-end.js'

// Shutdown waits this long for a source's `finally` before letting close() go on.
const RETURN_GRACE_MS = 1000
// A client that does not read its last frame (the shutdown or an error) may keep its socket
// this long, no more: close() must finish, and a stalled reader must let go, even if it
// never reads again.
const LAST_FRAME_FLUSH_MS = 1000
// A source still busy this long after its stream ended is ignoring its signal: a leak.
const LINGER_MS = 3000
// Lifetimes are spread by up to this fraction either way, so streams opened together (after
// a deploy) do not all reconnect in the same second.
const LIFETIME_JITTER = 0.1

const STARTING = 0
const OPEN = 1
const ENDED = 2
type PumpState = typeof STARTING | typeof OPEN | typeof ENDED

/**
 * Streams one source to one response. Call {@link StreamPump.start} once.
 * @typeParam O what the creator attaches for its hooks (the plugin: the Fastify reply).
 */
export class StreamPump<O = undefined> extends FrameWriter implements PushConsumer, PumpHandle<O> {
  readonly owner: O
  readonly heartbeatMs: number
  /** @internal the heartbeat's timer (heartbeat.ts); cleared on release. */
  heartbeat: NodeJS.Timeout | undefined
  private readonly config: PumpConfig<O>
  private readonly controller: AbortController | undefined
  // Held only until the source is opened.
  private source: unknown
  private context: SourceContext | undefined
  private iterator: AnyIterator | undefined
  // A source that can wake the pump (the hub): an idle stream then parks instead of awaiting.
  private pushSource: PushSource | undefined
  private state: PumpState = STARTING
  private wake: (() => void) | undefined
  private lifetime: NodeJS.Timeout | undefined
  // Before the head: opens it if the first item is slow. After: flushes when the source idles.
  private timer: NodeJS.Immediate | undefined
  private settleStart: ((failure: unknown) => void) | undefined
  private returned: Promise<undefined> | undefined
  private released = false
  // Why the stream ended before its head was written, when the caller must still answer.
  private interruption: unknown
  /** @internal true while the loop awaits the source (source-wait.ts). */
  awaitingSource = false
  /** @internal queued for this drain's source-wait check (source-wait.ts). */
  checkQueued = false

  /**
   * @param res the response (node:http `ServerResponse` or `Http2ServerResponse`).
   * @param source anything {@link openSource} accepts.
   * @param init the encoder, shared config, owner, and for a factory its controller and context.
   */
  constructor (res: ResponseSink, source: unknown, init: PumpInit<O>) {
    super(res, init.encoder, init.config.counters)
    this.source = source
    this.owner = init.owner
    this.config = init.config
    this.heartbeatMs = init.encoder.heartbeatFrame === '' ? 0 : init.config.heartbeatMs
    this.heartbeat = undefined
    this.controller = init.factory?.controller
    this.context = init.factory?.context
    this.onClose = this.onClose.bind(this)
    this.onDrain = this.onDrain.bind(this)
    res.on('close', this.onClose)
    res.on('error', this.onClose)
    res.on('drain', this.onDrain)
    this.config.counters.open++
    this.config.counters.opened++
  }

  /**
   * Opens the source and gives its first item one event-loop turn. A failure in that window
   * happened before any byte was sent, so it is returned for a normal error response (the
   * head is not written). Otherwise the head and preamble go out at once, even if the source
   * has nothing yet, and streaming continues in the background.
   *
   * @returns the error to answer with, or `undefined` once streaming has begun.
   */
  start (): Promise<unknown> {
    let opened: AnyIterator | Promise<AnyIterator>
    try {
      opened = openSource(this.source, this.context)
    } catch (err) {
      return Promise.resolve(this.failBeforeHead(err))
    } finally {
      this.source = undefined
      this.context = undefined
    }
    if (isThenable(opened)) return opened.then(iterator => this.begin(iterator), err => this.failBeforeHead(err))
    return this.begin(opened)
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
    await Promise.all([this.returnIterator(reason), closed])
  }

  /**
   * The push path (see push-consumer.ts): an item written at once, with no promise, while the
   * loop waits on the source. Declined unless the stream is open and the socket has room; the
   * item goes through the encoder and the frame writer like any other.
   */
  accept (item: unknown): boolean {
    if (this.state !== OPEN || this.needDrain) return false
    try {
      this.push(item)
      this.flush()
    } catch (err) {
      this.fail(err)
    }
    return true
  }

  /**
   * The push source has something for next() again after the pump parked (push-consumer.ts):
   * the loop starts anew. A parked pump has no loop running, so there is only ever one.
   */
  resume (): void {
    if (this.state !== ENDED) this.loop(undefined)
  }

  /**
   * The push source failed while the loop was busy (push-consumer.ts). A loop waiting for
   * its reader to drain the socket ends the stream now; any other sees the failure at its
   * next next().
   */
  sourceFailed (err: unknown): void {
    if (this.state === OPEN && this.needDrain) this.fail(err)
  }

  /** @internal the heartbeat (heartbeat.ts) found the stream idle for a whole interval. */
  writeHeartbeat (): void {
    this.append(this.encoder.heartbeatFrame)
    this.config.counters.heartbeats++
    this.flush()
  }

  /** @internal the head timer: the source is slow, so open now without its first item. */
  openSlowly (): void {
    this.timer = undefined
    this.openHead('')
    if (this.idle) this.res.flushHeaders?.()
    else this.flush()
  }

  /** @internal the source still waits after the microtasks drained (source-wait.ts): write now. */
  flushBatch (): void {
    if (this.state === OPEN) this.flush()
  }

  /** @internal the idle-flush timer; a setImmediate ran, so the loop has really turned. */
  flushIdle (): void {
    this.timer = undefined
    this.newTurn()
    if (this.state === OPEN) this.flush()
  }

  /**
   * @internal the lifetime timer: ends the stream cleanly with the format's reconnect frame
   * (SSE: a `retry:` hint, and no end event), so the client comes back with its cursor.
   * release() clears the timer, so the stream is open here.
   */
  retire (): void {
    this.lifetime = undefined
    this.state = ENDED
    this.append(this.encoder.reconnectFrame())
    this.flush()
    this.res.end()
    this.release()
    this.returnIterator(new errors.FST_STREAM_LIFETIME_OVER())
  }

  /** @internal the linger timer: the source has not finished long after its stream. */
  linger (): void {
    this.config.counters.lingering++
    this.config.onLinger?.(this)
  }

  /** @internal the source finally finished; `lingered` when it was counted as lingering. */
  unlinger (lingered: boolean): void {
    if (lingered) this.config.counters.lingering--
  }

  private begin (iterator: AnyIterator): Promise<unknown> {
    this.iterator = iterator
    if (this.state !== STARTING) return this.interrupted()
    let first: unknown
    try {
      if (isPushSource(iterator)) {
        this.pushSource = iterator
        iterator.attachConsumer(this)
        // Nothing yet: wait for the source's resume(), opening the head after one turn.
        if (iterator.park()) return this.startSlowly(undefined)
      }
      first = iterator.next()
      if (!isThenable(first)) {
        this.openWithFirst(first as IteratorResult<unknown>)
        this.loop(undefined)
        return Promise.resolve(undefined)
      }
    } catch (err) {
      return Promise.resolve(this.failBeforeHead(err))
    }
    return this.startSlowly(first)
  }

  /**
   * The first item is not there yet: the loop awaits it (the only reaction on a pending
   * source), or a parked source will resume the loop; if that takes more than one turn, the
   * timer opens the head without it.
   */
  private startSlowly (first: unknown): Promise<unknown> {
    return new Promise(resolve => {
      this.settleStart = resolve
      this.timer = setImmediate(openWhenSlow, this)
      if (first !== undefined) this.loop(first)
    })
  }

  /**
   * The first item came in time: frame it before the head, so an invalid one is still
   * answered with a normal error, then open with it in the same write.
   */
  private openWithFirst (result: IteratorResult<unknown>): void {
    const frame = result.done === true ? '' : this.encoder.encode(result.value)
    this.openHead(frame)
    if (result.done === true) return this.end()
    this.config.counters.events++
  }

  private openHead (frame: string): void {
    if (this.timer !== undefined) clearImmediate(this.timer)
    this.timer = undefined
    // Before the state changes: a head that cannot be written is still a failure before it.
    this.config.writeHead(this)
    this.state = OPEN
    this.append(this.encoder.preamble() + frame)
    armHeartbeat(this)
    const lifetimeMs = this.config.lifetimeMs
    if (lifetimeMs > 0) {
      const jittered = lifetimeMs * (1 - LIFETIME_JITTER + 2 * LIFETIME_JITTER * Math.random())
      this.lifetime = setTimeout(lifetimeDue, jittered, this).unref()
    }
    this.settle(undefined)
  }

  private async loop (next: unknown): Promise<void> {
    const iterator = this.iterator as AnyIterator
    try {
      for (;;) {
        if (next === undefined) {
          // The turn comes first and whatever else happens: a 'drain' can arrive from
          // process.nextTick (a write the socket took at once), which is no turn at all.
          if (this.turnSpent) await this.yieldTurn()
          // Never pull the next item while the socket says it is full.
          if (this.needDrain && this.state === OPEN) await this.drained()
          // STARTING only when a parked source resumed before the head opened.
          if (this.state === ENDED) return
          if (this.pushSource?.park() === true) return this.flushOnceIdle()
          next = iterator.next()
        }
        if (isThenable(next)) {
          this.flushOnceIdle()
          if (!this.idle) {
            this.awaitingSource = true
            flushIfSourceWaits(this)
          }
          next = await next
          this.awaitingSource = false
          if (this.state === STARTING) {
            this.openWithFirst(next as IteratorResult<unknown>)
            next = undefined
            continue
          }
          if (this.state !== OPEN) return
        }
        const result = next as IteratorResult<unknown>
        next = undefined
        if (result.done === true) return this.end()
        this.push(result.value)
      }
    } catch (err) {
      this.fail(err)
    }
  }

  /** The budget is spent (frame-writer.ts): the idle-flush timer marks the next real turn. */
  protected override awaitTurn (): void {
    if (this.timer === undefined && this.state === OPEN) this.timer = setImmediate(flushWhenIdle, this)
  }

  /** The source is about to make us wait: flush what is ready once the loop is idle. */
  private flushOnceIdle (): void {
    if (!this.idle && this.timer === undefined) this.timer = setImmediate(flushWhenIdle, this)
  }

  private end (): void {
    this.append(this.encoder.endFrame())
    this.flush()
    this.state = ENDED
    this.res.end()
    this.release()
  }

  private fail (err: unknown): void {
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

  /** Ends before any byte was sent; returns what the caller should answer with. */
  private failBeforeHead (err: unknown): unknown {
    if (this.state === ENDED) return this.interruption
    this.state = ENDED
    this.release()
    this.returnIterator()
    return err
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
    this.returnIterator(err)
    return closing
  }

  private onClose (): void {
    // release() removes this listener, so the state here is STARTING or OPEN.
    const interrupted = this.state === OPEN
    this.state = ENDED
    if (interrupted) this.config.counters.aborted++
    this.release()
    this.settle(undefined)
    this.returnIterator(new errors.FST_STREAM_CLIENT_GONE())
  }

  private onDrain (): void {
    // No budget reset here: 'drain' may come from process.nextTick, not from a real turn.
    this.needDrain = false
    this.wakeUp()
  }

  private drained (): Promise<void> {
    return new Promise(resolve => { this.wake = resolve })
  }

  private async yieldTurn (): Promise<void> {
    await nextTurn()
    this.newTurn()
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private settle (failure: unknown): void {
    const settle = this.settleStart
    this.settleStart = undefined
    settle?.(failure)
  }

  private async interrupted (): Promise<unknown> {
    await this.returnIterator(this.interruption)
    return this.interruption
  }

  /** Aborts the source's signal and calls its iterator's return(); safe to call twice. */
  private returnIterator (reason?: unknown): Promise<undefined> {
    if (this.returned !== undefined) return this.returned
    const controller = this.controller
    if (controller !== undefined && !controller.signal.aborted) controller.abort(reason ?? new errors.FST_STREAM_CLIENT_GONE())
    let returning: unknown
    try {
      returning = this.iterator?.return?.()
    } catch {
      // A return() that throws has nothing left to clean up for us.
    }
    if (isThenable(returning)) {
      const settled = Promise.resolve(returning).then(noop, noop)
      watchLinger(this, settled)
      this.returned = withGrace(settled, RETURN_GRACE_MS)
    } else {
      this.returned = Promise.resolve(undefined)
    }
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
    clearTimeout(this.lifetime)
    if (this.timer !== undefined) clearImmediate(this.timer)
    this.config.counters.open--
    this.wakeUp()
    this.config.onClose?.(this)
  }
}

// Timer callbacks take the pump as an argument, so no per-stream closure is kept for them.
function openWhenSlow<O> (pump: StreamPump<O>): void {
  pump.openSlowly()
}

function flushWhenIdle<O> (pump: StreamPump<O>): void {
  pump.flushIdle()
}

function lifetimeDue<O> (pump: StreamPump<O>): void {
  pump.retire()
}

/**
 * Counts the source as lingering while its return() has not settled LINGER_MS after the
 * stream ended. Only streams that end with an async return() get here, never idle ones.
 */
function watchLinger<O> (pump: StreamPump<O>, settled: Promise<undefined>): void {
  let lingered = false
  const timer = setTimeout(() => { lingered = true; pump.linger() }, LINGER_MS).unref()
  settled.then(() => {
    clearTimeout(timer)
    pump.unlinger(lingered)
  }, noop)
}

function noop (): undefined {}
