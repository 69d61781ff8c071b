/**
 * Scenario 11's client: one process reads several groups of ticking SSE streams (generator
 * streams and hub subscriptions) side by side, so whatever delays this process delays every
 * group alike, and reports each group's delivery latency.
 */
import { percentileOfSorted } from '../lib/stats.mjs'
import { preciseNow } from '../servers/publish-series.mjs'
import { pool } from './connect.mjs'
import { createLatencyReader } from './latency-reader.mjs'
import { openRawStream } from './raw-stream.mjs'

const OPEN_CONCURRENCY = 64

let groups = []

/**
 * Opens `count` streams of each group and waits until each has its preamble.
 * @param {{ groups: Array<{ name: string, url: string, count: number }> }} args
 * @returns {Promise<{ opened: number }>}
 */
export async function openTicking ({ groups: wanted }) {
  closeTicking()
  for (const { name, url, count } of wanted) {
    const streams = []
    await pool(count, OPEN_CONCURRENCY, async () => {
      const socket = await openRawStream(url)
      const reader = createLatencyReader()
      socket.on('data', chunk => reader.receive(chunk, preciseNow()))
      socket.on('error', () => {})
      streams.push({ socket, reader })
    })
    groups.push({ name, streams })
  }
  return { opened: groups.reduce((sum, group) => sum + group.streams.length, 0) }
}

/**
 * Each group's latency percentiles (ms) over every event read since it opened, and how many.
 * @returns {Record<string, { p50: number, p99: number, events: number }>}
 */
export function collectTicking () {
  const result = {}
  for (const { name, streams } of groups) {
    const latencies = []
    for (const { reader } of streams) reader.drain(latencies)
    const sorted = Float64Array.from(latencies).sort()
    result[name] = { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99), events: sorted.length }
  }
  return result
}

/** Closes every stream {@link openTicking} opened. */
export function closeTicking () {
  for (const { streams } of groups) for (const { socket } of streams) socket.destroy()
  groups = []
  return {}
}
