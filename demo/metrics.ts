/**
 * Process and system metrics for the monitoring stream. One sampler per app takes the raw
 * readings; each stream keeps its own previous reading and turns the pair into rates, so
 * clients with different intervals all get correct per-interval values.
 */
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'
import type { StreamCounters } from 'fastify-stream'

// Readings this close together are one reading: a thousand monitors ticking in the same
// millisecond should not each pay for os.cpus(), which parses /proc/stat.
const READING_TTL_MS = 20
// The delay histogram samples every 10 ms, so a window shorter than a second holds too few
// samples for a meaningful p99: percentiles describe the last completed window of ≥ 1 s.
const DELAY_RESOLUTION_MS = 10
const DELAY_WINDOW_MS = 1000
const NS_PER_MS = 1e6

/** One monitoring event, as `/api/monitor` streams it. */
export interface MonitorSample {
  /** The event's sequence number (also its SSE id). */
  seq: number
  /** Wall-clock time of the reading, ms since the epoch. */
  time: number
  /** Seconds covered by the rates below (the actual time since the previous sample). */
  elapsedSeconds: number
  cpu: {
    /** This process's CPU, % of one core (may exceed 100 with worker threads). */
    process: number
    /** The whole machine's CPU, % of all cores. */
    system: number
  }
  /** 1, 5 and 15 minute load averages (zeros on Windows). */
  loadAverage: number[]
  /** Bytes. */
  memory: { rss: number, heapUsed: number, heapTotal: number }
  eventLoop: {
    /** Median event-loop delay over the last ≥ 1 s window, ms. */
    delayP50Ms: number
    /** 99th percentile event-loop delay over the last ≥ 1 s window, ms. */
    delayP99Ms: number
    /** Share of the interval the event loop was busy, 0–1. */
    utilization: number
  }
  /** Process uptime, seconds. */
  uptimeSeconds: number
  /** The plugin's counters (`fastify.streams`), plus rates over the interval. */
  streams: Record<keyof StreamCounters, number> & { eventsPerSecond: number, bytesPerSecond: number }
}

/** A raw reading; only a {@link MetricsSampler} makes them. */
export interface MetricsReading {
  readonly at: number
  readonly time: number
  readonly cpu: NodeJS.CpuUsage
  readonly systemIdle: number
  readonly systemTotal: number
  readonly elu: EventLoopUtilization
  readonly delay: { p50: number, p99: number }
  readonly counters: Record<keyof StreamCounters, number>
}

/** Takes readings for every monitoring stream of one app. */
export class MetricsSampler {
  private readonly counters: StreamCounters
  private histogram: IntervalHistogram | undefined
  private users = 0
  private windowStart = 0
  private lastWindow: { p50: number, p99: number } | undefined
  private cached: MetricsReading | undefined

  /** @param counters the plugin's live counters (`fastify.streams`). */
  constructor (counters: StreamCounters) {
    this.counters = counters
  }

  /**
   * Starts the event-loop delay histogram for one more stream. The returned function stops
   * it once the last stream has gone, so an idle demo costs nothing. Call it exactly once.
   */
  acquire (): () => void {
    if (this.users++ === 0) {
      this.histogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS })
      this.histogram.enable()
      this.windowStart = performance.now()
      this.lastWindow = undefined
      this.cached = undefined
    }
    return () => {
      if (--this.users > 0) return
      this.histogram?.disable()
      this.histogram = undefined
      this.cached = undefined
    }
  }

  /** A reading of now (or of a few ms ago, see READING_TTL_MS). */
  read (): MetricsReading {
    const at = performance.now()
    if (this.cached !== undefined && at - this.cached.at < READING_TTL_MS) return this.cached
    const system = systemCpuTimes()
    this.cached = {
      at,
      time: Date.now(),
      cpu: process.cpuUsage(),
      systemIdle: system.idle,
      systemTotal: system.total,
      elu: performance.eventLoopUtilization(),
      delay: this.delayPercentiles(at),
      counters: { ...this.counters }
    }
    return this.cached
  }

  private delayPercentiles (now: number): { p50: number, p99: number } {
    const histogram = this.histogram
    if (histogram === undefined) return { p50: 0, p99: 0 }
    if (now - this.windowStart < DELAY_WINDOW_MS && this.lastWindow !== undefined) return this.lastWindow
    // Before the first window completes, the partial one is better than nothing.
    const current = histogram.count === 0
      ? { p50: 0, p99: 0 }
      : { p50: delayMs(histogram.percentile(50)), p99: delayMs(histogram.percentile(99)) }
    if (now - this.windowStart >= DELAY_WINDOW_MS) {
      histogram.reset()
      this.windowStart = now
      this.lastWindow = current
    }
    return current
  }
}

/**
 * Turns two readings of one stream into the event it sends.
 * @param previous the stream's previous reading (or the one taken when it opened).
 */
export function toSample (seq: number, previous: MetricsReading, current: MetricsReading): MonitorSample {
  const elapsedMs = Math.max(current.at - previous.at, 1)
  const cpuMicros = (current.cpu.user - previous.cpu.user) + (current.cpu.system - previous.cpu.system)
  const systemTotal = current.systemTotal - previous.systemTotal
  const memory = process.memoryUsage()
  const counters = current.counters
  return {
    seq,
    time: current.time,
    elapsedSeconds: round(elapsedMs / 1000, 3),
    cpu: {
      process: round(cpuMicros / (elapsedMs * 10), 1),
      system: systemTotal > 0 ? round(100 * (1 - (current.systemIdle - previous.systemIdle) / systemTotal), 1) : 0
    },
    loadAverage: loadavg().map(value => round(value, 2)),
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
    eventLoop: {
      delayP50Ms: round(current.delay.p50, 2),
      delayP99Ms: round(current.delay.p99, 2),
      // Two identical readings give 0/0; an interval with no time in it was not busy.
      utilization: round(performance.eventLoopUtilization(current.elu, previous.elu).utilization || 0, 3)
    },
    uptimeSeconds: Math.round(process.uptime()),
    streams: {
      ...counters,
      eventsPerSecond: round((counters.events - previous.counters.events) * 1000 / elapsedMs, 1),
      bytesPerSecond: Math.round((counters.bytes - previous.counters.bytes) * 1000 / elapsedMs)
    }
  }
}

// The histogram records the whole gap between two runs of its timer, the resolution
// included (an idle loop at 10 ms reads ~10 ms), so the delay is what exceeds it.
function delayMs (gapNs: number): number {
  return Math.max(0, gapNs / NS_PER_MS - DELAY_RESOLUTION_MS)
}

function systemCpuTimes (): { idle: number, total: number } {
  let idle = 0
  let total = 0
  for (const { times } of cpus()) {
    idle += times.idle
    total += times.user + times.nice + times.sys + times.idle + times.irq
  }
  return { idle, total }
}

function round (value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
