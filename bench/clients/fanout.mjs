/**
 * Scenario 4's client: holds many SSE subscriptions, timestamps every event on arrival and
 * reports delivery latency over all clients × events, and how many never came.
 */
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { createBrotliDecompress, createGunzip } from 'node:zlib'
import { percentileOfSorted } from '../lib/stats.mjs'
import { preciseNow } from '../servers/publish-series.mjs'
import { openStream, pool } from './connect.mjs'
import { createLatencyReader } from './latency-reader.mjs'
import { openRawStream } from './raw-stream.mjs'

const OPEN_CONCURRENCY = 256

let subscribers = []
let latencies = []

/**
 * Opens `count` subscriptions and waits until each has its preamble, so none misses the
 * first event.
 * With `encoding` ('gzip' or 'br'), each subscriber asks for it and timestamps events as
 * its decoder gives them out (scenario 14).
 * @param {{ url: string, count: number, encoding?: 'gzip' | 'br' }} args
 * @returns {Promise<{ opened: number, failed: number, firstError?: string }>}
 */
export async function openSubscribers ({ url, count, encoding }) {
  subscribers = []
  latencies = []
  const results = await pool(count, OPEN_CONCURRENCY, async () => {
    const reader = createLatencyReader()
    if (encoding === undefined) {
      const socket = await openRawStream(url)
      subscribers.push({ socket, reader })
      socket.on('data', chunk => reader.receive(chunk, preciseNow()))
      socket.on('error', () => {})
      return
    }
    const res = await openStream(url, { accept: 'text/event-stream', 'accept-encoding': encoding })
    if (res.headers['content-encoding'] !== encoding) throw new Error(`GET ${url}: Content-Encoding ${res.headers['content-encoding']}, asked for ${encoding}`)
    const decoder = encoding === 'br' ? createBrotliDecompress() : createGunzip()
    res.pipe(decoder).on('error', () => {})
    subscribers.push({ socket: res.socket, reader })
    await once(decoder, 'data')
    decoder.on('data', chunk => reader.receive(chunk, preciseNow()))
  })
  const failures = results.filter(r => r.status === 'rejected')
  return { opened: count - failures.length, failed: failures.length, firstError: failures[0]?.reason?.message }
}

/**
 * Waits until every subscriber has `events` events or `waitMs` passed, and reports latency
 * percentiles (ms) and the number of events lost. The streams stay open (see
 * {@link closeSubscribers}), so the server's CPU for delivery can be read without teardown.
 * @param {{ events: number, waitMs: number }} args
 * @returns {Promise<{ p50: number, p99: number, max: number, delivered: number, lost: number }>}
 */
export async function collectSubscribers ({ events, waitMs }) {
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline && subscribers.some(s => s.reader.drain(latencies).size < events)) await sleep(50)
  let lost = 0
  for (const subscriber of subscribers) lost += Math.max(0, events - subscriber.reader.drain(latencies).size)
  const sorted = Float64Array.from(latencies).sort()
  latencies = []
  return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99), max: sorted.at(-1) ?? NaN, delivered: sorted.length, lost }
}

/**
 * Closes every subscription opened by {@link openSubscribers}.
 * @returns {{ closed: number }}
 */
export function closeSubscribers () {
  const closed = subscribers.length
  for (const subscriber of subscribers.splice(0)) subscriber.socket.destroy()
  return { closed }
}
