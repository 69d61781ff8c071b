/**
 * The last two minutes of monitoring samples, taken once a second for the whole app. A
 * dashboard that opens gets them first, so its charts show the recent window at once
 * instead of starting empty, and a reconnecting one gets exactly the samples it missed.
 */
import { toSample, type MetricsReading, type MetricsSampler, type MonitorSample } from './metrics.js'

/** How often the history takes a sample, in ms: the dashboard's charts tick at this pace. */
export const HISTORY_INTERVAL_MS = 1000

/** Samples kept: two minutes at {@link HISTORY_INTERVAL_MS}, the charts' window. */
export const HISTORY_SIZE = 120

/** Timing of a {@link MetricsHistory}; tests shorten it. */
export interface MetricsHistoryOptions {
  intervalMs: number
  size: number
}

/** One sampler's samples over a rolling window, and the clients that follow it. */
export class MetricsHistory {
  private readonly sampler: MetricsSampler
  private readonly intervalMs: number
  private readonly size: number
  private readonly samples: MonitorSample[] = []
  private readonly waiters = new Set<() => void>()
  private timer: NodeJS.Timeout | undefined = undefined
  private release: (() => void) | undefined = undefined
  private previous: MetricsReading | undefined = undefined
  private seq = 0
  private tick = 0

  /** @param sampler the app's sampler; the history holds it (and its delay histogram) while running. */
  constructor (sampler: MetricsSampler, { intervalMs, size }: MetricsHistoryOptions = { intervalMs: HISTORY_INTERVAL_MS, size: HISTORY_SIZE }) {
    this.sampler = sampler
    this.intervalMs = intervalMs
    this.size = size
  }

  /** Starts sampling (the first sample comes one interval from now). Idempotent. */
  start (): void {
    if (this.release !== undefined) return
    this.release = this.sampler.acquire()
    this.tick = 0
    this.previous = this.sampler.read()
    this.schedule(this.previous.at)
  }

  /** Stops sampling and ends every follower. Idempotent. */
  stop (): void {
    clearTimeout(this.timer)
    this.release?.()
    this.release = undefined
    this.wake()
  }

  /**
   * The samples taken after `time` (ms since the epoch): all of them for `0`, none when
   * `time` is the newest. A cursor from another process or before a restart works the same,
   * since it is a time, not a position.
   */
  after (time: number): MonitorSample[] {
    const samples = this.samples
    let first = samples.length
    while (first > 0 && (samples[first - 1] as MonitorSample).time > time) first--
    return samples.slice(first)
  }

  /**
   * The samples after `time` as one batch, then each new sample as it is taken, until
   * `signal` aborts or the history stops. A reader that falls behind gets what it missed as
   * one batch; one more than the window behind skips what the window no longer holds.
   */
  async * follow (time: number, signal: AbortSignal): AsyncGenerator<MonitorSample[], void, undefined> {
    let last = time
    while (!signal.aborted && this.release !== undefined) {
      const fresh = this.after(last)
      if (fresh.length === 0) {
        await this.nextSample(signal)
        continue
      }
      last = (fresh[fresh.length - 1] as MonitorSample).time
      yield fresh
    }
  }

  private schedule (start: number): void {
    // Due at fixed offsets from `start`, so the pace does not drift; a tick missed while
    // the loop was blocked is skipped rather than bunched with the next. Counted, not
    // derived from the clock: a timer may fire a fraction of a millisecond early.
    const now = performance.now()
    this.tick++
    if (start + this.tick * this.intervalMs <= now) this.tick = Math.floor((now - start) / this.intervalMs) + 1
    this.timer = setTimeout(() => this.take(start), start + this.tick * this.intervalMs - now).unref()
  }

  private take (start: number): void {
    const current = this.sampler.read()
    this.samples.push(toSample(++this.seq, this.previous as MetricsReading, current))
    if (this.samples.length > this.size) this.samples.shift()
    this.previous = current
    this.wake()
    this.schedule(start)
  }

  private wake (): void {
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  // Resolves at the next sample, or when `signal` aborts; removes its listeners either way.
  private nextSample (signal: AbortSignal): Promise<void> {
    return new Promise(resolve => {
      const done = (): void => {
        this.waiters.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.waiters.add(done)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
