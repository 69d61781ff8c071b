/**
 * Scenario 12: what a hub's history costs in memory. A process publishes a series into a
 * hub that keeps all of it, while one subscriber reads every event; once the fan-out is over,
 * the heap the series left, per event, against the event's payload (its JSON). For the memory
 * adapter that is the history; a Redis follower keeps none (the history is in Redis).
 */
import { benchFile } from '../lib/paths.mjs'
import { startNode } from '../lib/processes.mjs'
import { pick } from '../lib/rounds.mjs'
import { startRedisServer } from '../lib/redis-server.mjs'
import { makeRow } from '../lib/rows.mjs'

const SIZES = [
  { label: '~100 B events', size: 100, count: 10_000 },
  { label: '64 KiB events', size: 64 * 1024, count: 200, target: 1.3 }
]
const CALL_TIMEOUT_MS = 120_000

export default {
  number: 12,
  id: 'history',
  title: 'Hub history memory: heap per retained event against its payload',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const redis = await startRedisServer()
    const rows = []
    try {
      for (const store of ['memory', 'redis']) {
        for (const { label, size, count, target } of SIZES) {
          const results = []
          for (let round = 1; round <= ctx.rounds; round++) {
            ctx.log(`history: ${store}, ${label}, round ${round}/${ctx.rounds}`)
            // A fresh process per round: nothing left from an earlier series counts.
            const proc = await startNode(benchFile('servers/history-heap.mjs'), { name: 'history', core: 0, nodeFlags: ['--expose-gc'], args: [redis.url] })
            try {
              results.push(await proc.call('measure', { store, size, count, prefix: `history${round}:` }, CALL_TIMEOUT_MS))
            } finally {
              await proc.stop()
            }
          }
          const name = `${store === 'memory' ? 'memory adapter (the history)' : 'Redis follower (history in Redis)'}, ${label}`
          const bar = store === 'memory' && target !== undefined ? { target: `≤ ${target}×`, check: r => r.ratio <= target } : {}
          rows.push(
            makeRow({ metric: `${name}: heap per retained event (baseline: its payload)`, unit: 'B', ours: pick(results, 'heapPerEvent'), base: pick(results, 'payload'), ...bar }),
            makeRow({ metric: `${name}: Buffer memory per retained event`, unit: 'B', ours: pick(results, 'externalPerEvent') })
          )
        }
      }
    } finally {
      await redis.stop()
    }
    const notes = [`Each round, a fresh process (--expose-gc) creates a hub with historySize equal to the series (${SIZES.map(s => `${s.count.toLocaleString('en-US')} events of ${s.label.replace(' events', '')}`).join(', ')}), ` +
      'subscribes once, publishes { seq, text } events one by one and reads each from the subscription; the heap after four full GCs, less the heap before the series, over the number of events. ' +
      'The payload is the event\'s JSON. The memory adapter keeps each event\'s JSON text (or its string) and its id; the published value and the frames live only while the event is fanned out and queued. ' +
      'A Redis follower keeps nothing per event: the history is the Redis stream.']
    return { rows, notes }
  }
}
