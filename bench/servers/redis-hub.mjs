/**
 * One hub instance on Redis for the Redis scenario: `createHub` with `createRedisAdapter`
 * from the built core, as a user of `fastify-stream/core` would. The orchestrator makes it
 * follow topics and count what arrives, or publish a numbered series. Usage:
 * `node redis-hub.mjs redis://127.0.0.1:PORT`; reports ready over IPC once Redis answers.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createHub, createRedisAdapter } from 'fastify-stream/hub'
import { Redis } from 'ioredis'
import { pool } from '../clients/connect.mjs'
import { hubChannel } from '../lib/redis-clients.mjs'
import { percentileOfSorted } from '../lib/stats.mjs'
import { serveCalls } from '../lib/rpc.mjs'
import { probeHandlers } from './probe.mjs'
import { preciseNow, publishSeries } from './publish-series.mjs'
import { createReceipts } from './receipts.mjs'

const COLLECT_POLL_MS = 20

const url = process.argv[2]
const hub = createHub({ adapter: await createRedisAdapter({ url }) })
let subscriptions = []
let receipts = createReceipts({ count: 0, topics: 1 })
let bareConnection

serveCalls(probeHandlers({
  /**
   * Follows topics `prefix + 0` … `prefix + (topics - 1)`, one reading subscription each,
   * and expects the series `count` (see receipts.mjs). Ends the previous subscriptions.
   */
  subscribe: ({ prefix, topics, count }) => {
    unsubscribe()
    receipts = createReceipts({ count, topics })
    const startedAt = preciseNow()
    for (let topic = 0; topic < topics; topic++) {
      const subscription = hub.subscribe(prefix + topic)
      subscriptions.push(subscription)
      read(subscription, topic, receipts)
    }
    return { startedAt }
  },
  unsubscribe: () => unsubscribe(),
  /** Waits until the whole series arrived or `waitMs` passed, and reports it (see receipts.mjs). */
  collect: async ({ waitMs, withLatencies }) => {
    const deadline = Date.now() + waitMs
    while (!receipts.complete && Date.now() < deadline) await sleep(COLLECT_POLL_MS)
    return receipts.summary({ withLatencies })
  },
  /**
   * Publishes `count` events `everyMs` apart, each awaited, `seq` to topic
   * `prefix + seq % topics`. With `bare`, see {@link sender}.
   */
  publishSeries: ({ prefix, topics, count, everyMs, bare = false }) => publishSeries(sender(prefix, topics, bare), { count, everyMs }),
  /**
   * Publishes `count` events `everyMs` apart to `topic` with `options` (e.g. minReplicas),
   * each awaited, and reports how long each took to resolve: p50 and p99 in ms.
   */
  publishTimed: async ({ topic, count, everyMs, options }) => {
    const took = []
    let failed = 0
    const send = async data => {
      const sentAt = preciseNow()
      try {
        await hub.publish(topic, data, options)
        took.push(preciseNow() - sentAt)
      } catch {
        failed++
      }
    }
    const { ms } = await publishSeries(send, { count, everyMs })
    took.sort((a, b) => a - b)
    return { ms, failed, p50: percentileOfSorted(took, 50), p99: percentileOfSorted(took, 99) }
  },
  /** The same series with `window` publishes in flight and no pause. */
  publishBurst: async ({ prefix, topics, count, window, bare = false }) => {
    const send = sender(prefix, topics, bare)
    const startedAt = preciseNow()
    const results = await pool(count, window, seq => send({ seq, sentAt: preciseNow() }))
    const failed = results.filter(result => result.status === 'rejected')
    return { startedAt, ms: preciseNow() - startedAt, failed: failed.length, firstError: failed[0]?.reason?.message }
  }
}))

/**
 * How one event of a series goes out: `hub.publish()`, or with `bare` a plain PUBLISH of its
 * JSON on the topic's channel from a connection of its own, which is what delivery alone
 * costs Redis. Followers ignore such messages (they are not notifications).
 */
function sender (prefix, topics, bare) {
  if (!bare) return data => hub.publish(prefix + data.seq % topics, data)
  bareConnection ??= new Redis(url, { connectionName: 'bench-bare-publisher', maxRetriesPerRequest: 1 })
  return data => bareConnection.publish(hubChannel(prefix + data.seq % topics), JSON.stringify(data))
}

function unsubscribe () {
  for (const subscription of subscriptions) subscription.return()
  subscriptions = []
}

async function read (subscription, topic, into) {
  try {
    for await (const event of subscription) into.receive(topic, event, preciseNow())
  } catch (err) {
    into.fail(err)
  }
}
