/**
 * Scenario 10's load-generator process, one of several: each holds its share of the streams
 * from its own source addresses (one process may hold 20,000 descriptors here, one address
 * about 28,000 ephemeral ports), records delivery latency and how each stream ended.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { serveCalls } from '../lib/rpc.mjs'
import { pool } from './connect.mjs'
import { holdStream } from './held-stream.mjs'

// Four processes × 128 in flight stay within the server's listen backlog (511): an
// overflowing accept queue drops SYNs, and each retry costs a second.
const OPEN_CONCURRENCY = 128
const POLL_MS = 20

const held = []

serveCalls({
  /**
   * Opens `count` streams, spread round-robin over `addresses`.
   * @param {{ url: string, count: number, addresses: string[] }} args
   */
  async open ({ url, count, addresses }) {
    drop()
    const start = performance.now()
    const results = await pool(count, OPEN_CONCURRENCY, async i => {
      held.push(await holdStream(url, addresses[i % addresses.length]))
    })
    const failures = results.filter(r => r.status === 'rejected')
    return { ms: performance.now() - start, opened: held.length, failed: failures.length, firstError: failures[0]?.reason?.message }
  },

  /**
   * Waits until every stream has `events` events or `waitMs` passed.
   * @param {{ events: number, waitMs: number }} args
   * @returns {Promise<{ latencies: number[], lost: number }>} latency (ms) of every delivery.
   */
  async collect ({ events, waitMs }) {
    const deadline = Date.now() + waitMs
    while (Date.now() < deadline && held.some(s => s.read().latencies.size < events)) await sleep(POLL_MS)
    let lost = 0
    const latencies = []
    for (const stream of held) {
      lost += Math.max(0, events - stream.latencies.size)
      latencies.push(...stream.latencies.values())
    }
    return { latencies, lost }
  },

  /**
   * Waits until every stream closed or `waitMs` passed, and counts how they ended.
   * @param {{ waitMs: number }} args
   * @returns {Promise<{ open: number, endings: Record<string, number>, lastClosedAt: number }>}
   *   endings: by last named event, with ` (no FIN)` when the connection broke instead.
   */
  async awaitClose ({ waitMs }) {
    const deadline = Date.now() + waitMs
    while (Date.now() < deadline && held.some(s => Number.isNaN(s.closedAt))) await sleep(POLL_MS)
    const endings = {}
    let open = 0
    let lastClosedAt = -Infinity
    for (const stream of held) {
      const ending = stream.read().last + (stream.fin ? '' : ' (no FIN)')
      endings[ending] = (endings[ending] ?? 0) + 1
      if (Number.isNaN(stream.closedAt)) open++
      else lastClosedAt = Math.max(lastClosedAt, stream.closedAt)
    }
    return { open, endings, lastClosedAt }
  },

  drop
})

/** Destroys every stream still held. */
function drop () {
  const dropped = held.length
  for (const stream of held.splice(0)) stream.socket.destroy()
  return { dropped }
}
