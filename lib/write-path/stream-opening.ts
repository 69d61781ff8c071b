/**
 * How a stream opens: the source is opened, its first item gets one event-loop turn, and the
 * head goes out with that item, or without it once the turn is over, so a client sees the
 * stream open at once (`EventSource.onopen` fires without waiting for data). Until then
 * nothing is sent, so a failure is still answered as a normal error. The pump (pump.ts)
 * extends this with how a stream ends.
 */
import { armHeartbeat } from './heartbeat.js'
import { armLifetime } from './lifetime.js'
import type { PumpConfig, PumpHandle, PumpInit } from './pump-config.js'
import { ENDED, OPEN, STARTING } from './pump-state.js'
import { isPushSource } from './push-consumer.js'
import type { ResponseSink } from './response-sink.js'
import { SourceReader } from './source-reader.js'
import { isThenable, openSource, type AnyIterator, type SourceContext } from './source.js'

/** A stream from its source's opening to its head; see {@link StreamOpening.start}. */
export abstract class StreamOpening<O> extends SourceReader implements PumpHandle<O> {
  readonly owner: O
  readonly heartbeatMs: number
  /** @internal the heartbeat's timer (heartbeat.ts); cleared on release. */
  heartbeatTimer: NodeJS.Timeout | undefined = undefined
  /** @internal the lifetime's timer (lifetime.ts); cleared on release. */
  lifetimeTimer: NodeJS.Timeout | undefined = undefined
  protected readonly config: PumpConfig<O>
  // Opens the head after one turn when the first item is slow.
  protected headTimer: NodeJS.Immediate | undefined = undefined
  // Why the stream ended before its head was written, when the caller must still answer.
  protected interruption: unknown = undefined
  // Held only until the source is opened.
  private source: unknown
  private context: SourceContext | undefined
  private settleStart: ((failure: unknown) => void) | undefined = undefined

  constructor (res: ResponseSink, source: unknown, init: PumpInit<O>) {
    super(res, init.encoder, init.config.counters)
    this.source = source
    this.context = init.factory?.context
    this.owner = init.owner
    this.config = init.config
    this.heartbeatMs = init.encoder.heartbeatFrame === '' ? 0 : init.config.heartbeatMs
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

  /** @internal the head timer: the source is slow, so open now without its first item. */
  openSlowly (): void {
    this.headTimer = undefined
    this.openHead('')
    if (this.nothingPending) this.res.flushHeaders?.()
    else this.flush()
  }

  abstract shutdown (reason?: Error): Promise<void>

  /**
   * The first item came in time: frame it before the head, so an invalid one is still
   * answered with a normal error, then open with it in the same write.
   */
  protected openWithFirst (result: IteratorResult<unknown>): void {
    const frame = result.done === true ? '' : this.encoder.encode(result.value)
    this.openHead(frame)
    if (result.done === true) return this.end()
    this.config.counters.events++
  }

  /** Ends before any byte was sent; returns what the caller should answer with. */
  protected failBeforeHead (err: unknown): unknown {
    if (this.state === ENDED) return this.interruption
    this.state = ENDED
    this.release()
    this.returnSource(undefined)
    return err
  }

  /** Hands the outcome of the opening (an error to answer with, or nothing) to start()'s caller. */
  protected settle (failure: unknown): void {
    const settle = this.settleStart
    this.settleStart = undefined
    settle?.(failure)
  }

  /** Removes every listener and timer the stream added. Safe to call twice. */
  protected abstract release (): void
  /** Stops the source; resolves once it has finished (or after a grace period). */
  protected abstract returnSource (reason: unknown): Promise<undefined>

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
   * head timer opens the head without it.
   */
  private startSlowly (first: unknown): Promise<unknown> {
    return new Promise(resolve => {
      this.settleStart = resolve
      this.headTimer = setImmediate(openWhenSlow, this)
      if (first !== undefined) this.loop(first)
    })
  }

  private openHead (frame: string): void {
    if (this.headTimer !== undefined) clearImmediate(this.headTimer)
    this.headTimer = undefined
    // Before the state changes: a head that cannot be written is still a failure before it.
    this.config.writeHead(this)
    this.state = OPEN
    this.append(this.encoder.preamble() + frame)
    armHeartbeat(this)
    armLifetime(this, this.config.lifetimeMs)
    this.settle(undefined)
  }

  private async interrupted (): Promise<unknown> {
    await this.returnSource(this.interruption)
    return this.interruption
  }

  /** @internal the heartbeat (heartbeat.ts) found the stream idle for a whole interval. */
  abstract writeHeartbeat (): void
  /** @internal the lifetime (lifetime.ts) is over: end the stream for a reconnect. */
  abstract retire (): void
}

// A timer callback that takes the stream as an argument: no per-stream closure is kept.
function openWhenSlow<O> (stream: StreamOpening<O>): void {
  stream.openSlowly()
}
