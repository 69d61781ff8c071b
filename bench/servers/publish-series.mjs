/**
 * The fan-out scenario's publisher: `count` events on a fixed schedule, each carrying the
 * moment it was handed to the server's fan-out, so clients can compute delivery latency.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'

/**
 * Wall-clock milliseconds with sub-millisecond precision, comparable across processes on
 * one machine (both sides add their own timeOrigin to a monotonic clock).
 * @returns {number}
 */
export function preciseNow () {
  return performance.timeOrigin + performance.now()
}

/**
 * Publishes `count` events `everyMs` apart through `send(data)`. The schedule is absolute,
 * so a slow fan-out does not stretch the test.
 * @param {(data: { seq: number, sentAt: number, sensor: string }) => unknown} send
 * @param {{ count: number, everyMs: number }} options
 * @returns {Promise<{ published: number, ms: number }>}
 */
export async function publishSeries (send, { count, everyMs }) {
  const start = preciseNow()
  for (let seq = 0; seq < count; seq++) {
    await send({ seq, sentAt: preciseNow(), sensor: 'sensor-' + String(seq % 64).padStart(2, '0') })
    const wait = start + (seq + 1) * everyMs - preciseNow()
    if (wait > 0 && seq < count - 1) await sleep(wait)
  }
  return { published: count, ms: preciseNow() - start }
}
