/**
 * One hub process on Redis for the presence-on-Redis scenario, built from the package as a
 * user of `fastify-stream/hub` would: it opens idle subscriptions with or without presence,
 * and can watch a topic's joins and leaves. Usage:
 * `node presence-hub.mjs redis://127.0.0.1:PORT PRESENCE_TTL_MS`; ready over IPC.
 */
import { createHub, createRedisAdapter } from 'fastify-stream/hub'
import { serveCalls } from '../lib/rpc.mjs'
import { probeHandlers } from './probe.mjs'
import { preciseNow } from './publish-series.mjs'

const [url, ttl] = process.argv.slice(2)
const hub = createHub({ adapter: await createRedisAdapter({ url, presenceTtlMs: Number(ttl) }) })
let subscriptions = []
let topicNames = []
const leaves = []
const leaveWaiters = []

serveCalls(probeHandlers({
  /**
   * Opens `perTopic` idle subscriptions on each of `topics` topics (`prefix + i`), each a
   * user of its own with a name when `presence`, and resolves once Redis has them all (a
   * read sends a process's changes first).
   */
  subscribe: async ({ prefix, topics, perTopic, presence }) => {
    topicNames = Array.from({ length: topics }, (_, i) => prefix + i)
    let user = 0
    for (const topic of topicNames) {
      for (let i = 0; i < perTopic; i++) {
        const options = presence ? { presence: { id: `user-${++user}`, info: { name: `User ${user}` } } } : {}
        subscriptions.push(hub.subscribe(topic, options))
      }
    }
    return await settled(presence)
  },
  /** Ends every subscription, and resolves once Redis has their leaves. */
  unsubscribe: async ({ presence }) => {
    for (const subscription of subscriptions) subscription.return()
    subscriptions = []
    return await settled(presence)
  },
  /** Watches `topic`'s joins and leaves from now on. */
  watch: ({ topic }) => {
    leaves.length = 0
    readLeaves(hub.subscribe(topic, { presenceEvents: true }))
  },
  /** Resolves when `count` leaves have arrived since watch(): when the last one came (preciseNow). */
  leftBy: ({ count }) => new Promise(resolve => {
    if (leaves.length >= count) resolve(leaves[count - 1])
    else leaveWaiters.push({ count, resolve })
  }),
  presence: ({ topic }) => hub.presence(topic, { limit: 1 })
}))

async function settled (presence) {
  if (presence) for (const topic of topicNames) await hub.presence(topic, { limit: 1 })
  return preciseNow()
}

async function readLeaves (subscription) {
  for await (const event of subscription) {
    if (event.event !== 'leave') continue
    leaves.push(preciseNow())
    for (const waiter of leaveWaiters.splice(0)) {
      if (leaves.length >= waiter.count) waiter.resolve(leaves[waiter.count - 1])
      else leaveWaiters.push(waiter)
    }
  }
}
