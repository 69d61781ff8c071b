/**
 * Part 4 of the Redis scenario: what durable acknowledgement costs. A replica of the
 * scenario's Redis on loopback; a hub process publishes one topic's series, each publish
 * awaited, with `minReplicas: 1` (ours: the publish resolves once the replica confirmed it,
 * through WAIT on the writing connection) and without (the baseline: Redis's own
 * acknowledgement), rounds alternating. Publish latency from the call to its resolution, and
 * the master's and the replica's CPU per event.
 */
import { interleave, pick } from '../../lib/rounds.mjs'
import { makeRow } from '../../lib/rows.mjs'
import { startRedisServer } from '../../lib/redis-server.mjs'
import { redisUsage, usageBetween, waitQuiet, waitUntil } from './hubs.mjs'

const TOPIC = 'durable'
// 1,000 publishes a second, each awaited: a busy request handler's pace, below saturation.
const EVERY_MS = 1
const SYNC_TIMEOUT_MS = 30_000
const CALL_TIMEOUT_MS = 120_000

/**
 * Measures publishes with and without `minReplicas: 1`.
 * @type {import('./hubs.mjs').MeasurePart}
 */
export async function measureDurable (ctx, redis, publisher) {
  const events = ctx.quick ? 2000 : 5000
  await redis.admin.flushall()
  const replica = await startRedisServer({ replicaOf: redis })
  let results
  try {
    await waitUntil(async () => (await replica.info()).master_link_status === 'up', { timeoutMs: SYNC_TIMEOUT_MS, what: 'the replica to sync' })
    const run = minReplicas => () => durableOnce({ redis, replica, publisher, events, minReplicas })
    results = await interleave({ rounds: ctx.rounds, warmup: 1, log: ctx.log, label: 'redis: durable acknowledgement' }, run(1), run(0))
  } finally {
    await replica.stop()
  }
  const row = (metric, unit, field) => makeRow({ metric, unit, ours: pick(results.ours, field), base: pick(results.base, field) })
  const rows = [
    row('minReplicas 1 (baseline: 0): publish latency p50', 'ms', 'p50'),
    row('minReplicas 1 (baseline: 0): publish latency p99', 'ms', 'p99'),
    row('minReplicas 1 (baseline: 0): Redis master CPU per published event', 'µs', 'masterCpu'),
    row('minReplicas 1 (baseline: 0): replica CPU per published event', 'µs', 'replicaCpu'),
    row('minReplicas 1 (baseline: 0): master commands per published event', '', 'commands'),
    makeRow({ metric: 'minReplicas 1: publishes that failed', unit: 'count', ours: pick(results.ours, 'failed'), base: pick(results.base, 'failed'), target: '0', check: r => r.ours.max === 0 && r.base.max === 0 })
  ]
  const notes = [`Durable acknowledgement: ${events.toLocaleString('en-US')} publishes of about 60 B to one topic, ${1000 / EVERY_MS} a second, each awaited, from one hub process, ` +
    'against a master with one replica (both redis-server on loopback, no persistence). Ours passes minReplicas: 1: each publish is the script sent with EVAL and a WAIT 1 in one pipeline on the connection that wrote it; ' +
    'the baseline is the same publish without it (EVALSHA, Redis\'s own acknowledgement). Latency is from the hub.publish() call to its resolution; CPU is used_cpu_user + used_cpu_sys of each server over the round, over the events. ' +
    `${ctx.rounds} rounds after one warm-up, alternating.`]
  return { rows, notes }
}

async function durableOnce ({ redis, replica, publisher, events, minReplicas }) {
  await waitQuiet(redis)
  const before = await Promise.all([redisUsage(redis), redisUsage(replica)])
  const sent = await publisher.call('publishTimed', { topic: TOPIC, count: events, everyMs: EVERY_MS, options: { minReplicas } }, CALL_TIMEOUT_MS)
  const [master, copy] = [usageBetween(before[0], await redisUsage(redis)), usageBetween(before[1], await redisUsage(replica))]
  return {
    p50: sent.p50,
    p99: sent.p99,
    failed: sent.failed,
    masterCpu: master.cpuMicros / events,
    replicaCpu: copy.cpuMicros / events,
    commands: master.commands / events
  }
}
