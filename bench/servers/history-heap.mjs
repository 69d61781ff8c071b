/**
 * Scenario 12's subject: what a hub's history costs the process that holds it. Run with
 * --expose-gc; the orchestrator asks it, over IPC, to publish a series into a fresh hub and
 * reports the heap (and Buffer memory) the series left behind, against its payload.
 * `node history-heap.mjs [redis://…]`: the URL, when given, is the Redis for `store: 'redis'`.
 */
import { createHub, createRedisAdapter } from 'fastify-stream/hub'
import { serveCalls } from '../lib/rpc.mjs'

const url = process.argv[2]

serveCalls({
  /**
   * Publishes `count` events of about `size` bytes of JSON to a fresh hub that keeps all of
   * them (historySize = count), while one subscriber reads each (as a stream would: the
   * events are fanned out and framed), then measures what stays after a full GC.
   * @param {{ store: 'memory' | 'redis', size: number, count: number, prefix?: string }} args
   * @returns {Promise<{ heapPerEvent: number, externalPerEvent: number, payload: number }>}
   */
  measure: async ({ store, size, count, prefix = 'history:' }) => {
    const adapter = store === 'redis' ? await createRedisAdapter({ url, keyPrefix: prefix }) : undefined
    const hub = createHub({ historySize: count, ...(adapter === undefined ? {} : { adapter }) })
    try {
      const subscription = hub.subscribe('t')
      // The first event creates the topic's structures: not the history's cost.
      await hub.publish('t', 'warm')
      await subscription.next()
      const before = settledMemory()
      const text = 'x'.repeat(Math.max(0, size - 20))
      for (let seq = 0; seq < count; seq++) {
        await hub.publish('t', { seq, text })
        await subscription.next()
      }
      const after = settledMemory()
      await subscription.return()
      const payload = JSON.stringify({ seq: count - 1, text }).length
      return { heapPerEvent: (after.heapUsed - before.heapUsed) / count, externalPerEvent: (after.external - before.external) / count, payload }
    } finally {
      await hub.close()
    }
  }
})

function settledMemory () {
  for (let i = 0; i < 4; i++) globalThis.gc()
  return process.memoryUsage()
}
