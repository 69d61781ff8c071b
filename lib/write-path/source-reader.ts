/**
 * The source reader: the loop that pulls a stream's items and hands them to the frame writer
 * (frame-writer.ts). It never pulls while the socket is full, gives the event loop a real
 * turn when the write budget is spent, writes a batch as soon as the source really waits
 * (source-wait.ts), and lets a push source (the hub) park it while idle and write to it
 * directly (push-consumer.ts). When and how the stream opens and ends is the pump's
 * (pump.ts), which extends this.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { FrameWriter } from './frame-writer.js'
import { ENDED, OPEN, STARTING, type PumpState } from './pump-state.js'
import type { PushConsumer, PushSource } from './push-consumer.js'
import { isThenable, type AnyIterator } from './source.js'
import { flushIfSourceWaits } from './source-wait.js'

/** Reads one source into one stream; the pump supplies how the stream opens and ends. */
export abstract class SourceReader extends FrameWriter implements PushConsumer {
  /** @internal true while the loop awaits the source (source-wait.ts). */
  awaitingSource = false
  /** @internal queued for this drain's source-wait check (source-wait.ts). */
  checkQueued = false
  protected state: PumpState = STARTING
  protected iterator: AnyIterator | undefined = undefined
  // A source that can wake the reader (the hub): an idle stream then parks instead of awaiting.
  protected pushSource: PushSource | undefined = undefined
  // Writes what is batched once the loop has turned; also marks that turn for the budget.
  protected flushTimer: NodeJS.Immediate | undefined = undefined
  private wake: (() => void) | undefined = undefined

  /**
   * The push path (see push-consumer.ts): an item written at once, with no promise, while the
   * loop waits on the source. Declined unless the stream is open and the socket has room; the
   * item goes through the encoder and the frame writer like any other.
   */
  accept (item: unknown): boolean {
    if (this.state !== OPEN || this.needDrain) return false
    try {
      this.writeItem(item)
      this.flush()
    } catch (err) {
      this.fail(err)
    }
    return true
  }

  /**
   * The push source has something for next() again after the reader parked
   * (push-consumer.ts): the loop starts anew. A parked reader has no loop running, so there
   * is only ever one.
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

  /** @internal the source still waits after the microtasks drained (source-wait.ts): write now. */
  flushBatch (): void {
    if (this.state === OPEN) this.flush()
  }

  /** @internal the flush timer; a setImmediate ran, so the loop has really turned. */
  flushOnTurn (): void {
    this.flushTimer = undefined
    this.newTurn()
    if (this.state === OPEN) this.flush()
  }

  /** The first item, read while the head is not written yet: open the stream with it. */
  protected abstract openWithFirst (result: IteratorResult<unknown>): void
  /** The source is done: end the stream cleanly. */
  protected abstract end (): void
  /** The source or the encoder failed. */
  protected abstract fail (err: unknown): void

  /** Pulls items until the source ends or waits; `next` is a first next() already made. */
  protected async loop (next: unknown): Promise<void> {
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
          // What is batched goes out once the loop turns, or as soon as the microtasks have
          // drained with the source still pending (it really waits). Inline: a helper
          // would add a promise per item on the hottest path.
          this.flushOnceIdle()
          if (!this.nothingPending) {
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
        this.writeItem(result.value)
      }
    } catch (err) {
      this.fail(err)
    }
  }

  /** The budget is spent (frame-writer.ts): the flush timer marks the next real turn. */
  protected override awaitTurn (): void {
    if (this.flushTimer === undefined && this.state === OPEN) this.flushTimer = setImmediate(flushWhenTurned, this)
  }

  /** Wakes a loop waiting for drain (or for nothing, once the stream is over). */
  protected onDrain (): void {
    // No budget reset here: 'drain' may come from process.nextTick, not from a real turn.
    this.needDrain = false
    this.wakeUp()
  }

  protected wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** The source is about to make us wait: flush what is ready once the loop is idle. */
  private flushOnceIdle (): void {
    if (!this.nothingPending && this.flushTimer === undefined) this.flushTimer = setImmediate(flushWhenTurned, this)
  }

  private drained (): Promise<void> {
    return new Promise(resolve => { this.wake = resolve })
  }

  private async yieldTurn (): Promise<void> {
    await nextTurn()
    this.newTurn()
  }
}

// A timer callback that takes the reader as an argument: no per-stream closure is kept.
function flushWhenTurned (reader: SourceReader): void {
  reader.flushOnTurn()
}
