/**
 * The frame writer: the one way frames reach the socket. It joins small frames into one
 * write, writes a shared frame (a hub event's cached bytes) as it is, tracks backpressure,
 * and counts the writes since the event loop really turned, so the stream on top of it can
 * give way (fairness).
 */
import type { Encoder } from '../framing/encoder.js'
import type { PumpCounters } from './pump-config.js'
import { isPreparedEvent } from '../framing/prepared-event.js'
import type { ResponseSink } from './response-sink.js'

// Frames are joined in a string until it reaches this many UTF-16 units, then written in
// one res.write(): per-write cost (chunk header, syscall) dominates for small events.
const FLUSH_CHARS = 32 * 1024
// A source that never awaits (a sync iterable, a generator whose awaits are already settled)
// would hold the event loop while the socket accepts writes. The stream gives the loop a real
// turn (a setImmediate that ran) after this many writes or this much time since the last
// one, whichever comes first. Measured with several fast readers on 80 B and 64 KiB items:
// well under a millisecond per turn (test/plugin/fairness.test.ts, npm run bench -- --only fairness).
const WRITES_PER_TURN = 8
const TURN_BUDGET_MS = 2

/** Writes one stream's frames to its response; the pump extends it. */
export abstract class FrameWriter {
  /** This stream's encoder: every item is framed by it, shared or not. */
  readonly encoder: Encoder
  /** When the last body bytes were written (ms since the epoch), for the idle heartbeat. */
  lastWriteAt = 0
  /** The socket said it is full: wait for 'drain' before framing more. */
  protected needDrain = false
  protected readonly res: ResponseSink
  private readonly totals: PumpCounters
  private pending = ''
  // Writes since the event loop last really turned, and when that turn was.
  private writes = 0
  private turnStartedAt = Date.now()

  constructor (res: ResponseSink, encoder: Encoder, totals: PumpCounters) {
    this.res = res
    this.encoder = encoder
    this.totals = totals
  }

  /** True once this turn's budget is spent: the caller must let the event loop turn. */
  protected get turnSpent (): boolean {
    return this.writes >= WRITES_PER_TURN
  }

  /**
   * Frames one item. A hub event asks the encoder's frame from its cache (so N subscribers
   * with the same encoder share one Buffer) and is written as it is, after what is pending;
   * anything else is joined to the pending text.
   * @throws the encoder's FST_STREAM_* errors; nothing is written then.
   */
  protected writeItem (item: unknown): void {
    if (isPreparedEvent(item) && this.encoder.shareable) {
      const frame = item.frameFor(this.encoder)
      this.flush()
      this.write(frame, frame.length)
    } else {
      this.pending += this.encoder.encode(item)
      if (this.pending.length >= FLUSH_CHARS) this.flush()
    }
    this.totals.events++
  }

  /** Adds a frame that is not an item (preamble, heartbeat, end, fault) to what is pending. */
  protected append (frame: string): void {
    this.pending += frame
  }

  /** True when nothing is waiting to be written. */
  protected get nothingPending (): boolean {
    return this.pending === ''
  }

  /** Writes what is pending in one res.write(). */
  protected flush (): void {
    if (this.pending === '') return
    const chunk = this.pending
    this.pending = ''
    this.write(chunk, Buffer.byteLength(chunk))
  }

  /** A setImmediate ran: the event loop has really turned, and the budget starts over. */
  protected newTurn (): void {
    this.writes = 0
    this.turnStartedAt = Date.now()
  }

  /**
   * The budget is spent: the stream must see the next real turn, even if it is not looping
   * now (a heartbeat, the head, a batch flushed while the source waits). Otherwise the
   * budget stays spent, and the next item, however long after, waits one more turn.
   */
  protected abstract awaitTurn (): void

  private write (chunk: string | Buffer, bytes: number): void {
    this.totals.bytes += bytes
    const now = Date.now()
    this.lastWriteAt = now
    // A slow encoder (a big serializer, huge items) spends the turn in time, not writes.
    if (++this.writes < WRITES_PER_TURN && now - this.turnStartedAt >= TURN_BUDGET_MS) this.writes = WRITES_PER_TURN
    if (this.writes >= WRITES_PER_TURN) this.awaitTurn()
    if (!this.res.write(chunk)) this.needDrain = true
  }
}
