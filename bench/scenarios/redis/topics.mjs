/**
 * Part 1 of the Redis scenario: what many topics cost one process. A fresh hub process
 * follows N topics (one reading subscription each); once Redis holds every channel, a
 * publisher process sends one probe per topic. Then: the process's Redis connections, how
 * long subscribing and receiving every probe took, and what Redis spends while everybody
 * idles, against the same Redis with the same keys after the hub process has gone.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { hubConnectionsOf } from '../../lib/redis-clients.mjs'
import { pick } from '../../lib/rounds.mjs'
import { makeRow } from '../../lib/rows.mjs'
import { idleUsage, startHubProcess, waitSubscribed, waitUntil } from './hubs.mjs'

const PREFIX = 'topic-'
// Probes in flight at once: enough to keep the publisher's connection busy, few enough that
// a stalled Redis cannot queue an unbounded number.
const PROBE_WINDOW = 256
const MAX_CONNECTIONS = 8
// The adapter compares up to 500 idle topics with Redis every 5 s (checkIntervalMs): a 5 s
// window holds one such check, so the idle figures include it.
const IDLE_MS = 5000
// With the hub process gone nothing on our side checks anything: a shorter window is enough.
const BASELINE_MS = 2000
// Lets the last probes' follow-up reads finish before the idle window opens.
const SETTLE_MS = 500
const COLLECT_GRACE_MS = 10_000
const CALL_TIMEOUT_MS = 180_000
const GONE_TIMEOUT_MS = 5000
const MB = 2 ** 20

/**
 * Measures 1,000, 10,000 and 100,000 topics (100,000 only in the full run).
 * @type {import('./hubs.mjs').MeasurePart}
 */
export async function measureTopics (ctx, redis, publisher) {
  const sizes = ctx.quick ? [1000, 10_000] : [1000, 10_000, 100_000]
  // Each round starts a process and idles 7 s: three rounds (two when quick) keep the
  // scenario within its time while still giving a median.
  const rounds = Math.min(ctx.rounds, ctx.quick ? 2 : 3)
  const rows = []
  for (const topics of sizes) {
    const samples = []
    for (let round = 1; round <= rounds; round++) {
      ctx.log(`redis: ${topics.toLocaleString('en-US')} topics round ${round}/${rounds}`)
      samples.push(await topicsOnce(redis, publisher, topics))
    }
    rows.push(...topicRows(topics, samples))
  }
  const notes = ['Topics per process: one hub process (createHub + createRedisAdapter from dist/) calls hub.subscribe() for each of N topics and reads every subscription; once PUBSUB NUMSUB shows every channel subscribed, ' +
    `a second hub process publishes one probe per topic (${PROBE_WINDOW} publishes in flight). Connections are CLIENT LIST entries named fastify-stream-* whose address is a socket of that process (from /proc). ` +
    `"Subscribe" runs from the first subscribe() call to every channel held by Redis; "+ one probe on each" to the last probe received. Idle: Redis's used_cpu_user + used_cpu_sys and total_commands_processed over ${IDLE_MS / 1000} s after the probes ` +
    `(which holds one of the adapter's 5 s position checks), as a percentage of one core; the baseline column is the same Redis with the same keys over ${BASELINE_MS / 1000} s once the hub process has gone. ` +
    `Redis is flushed before each round; ${rounds} rounds per size.`]
  if (ctx.quick) notes.push(`Quick mode: 1,000 and 10,000 topics; the ≤ ${MAX_CONNECTIONS} connections target is for 100,000 topics in the full run.`)
  return { rows, notes }
}

async function topicsOnce (redis, publisher, topics) {
  await redis.admin.flushall()
  const hub = await startHubProcess(redis, `hub process (${topics} topics)`)
  try {
    const started = await hub.call('subscribe', { prefix: PREFIX, topics, count: topics }, CALL_TIMEOUT_MS)
    const subscribedAt = await waitSubscribed(redis, { prefix: PREFIX, topics, expected: 1 })
    const probes = await publisher.call('publishBurst', { prefix: PREFIX, topics, count: topics, window: PROBE_WINDOW }, CALL_TIMEOUT_MS)
    if (probes.failed > 0) throw new Error(`${probes.failed} of ${topics} probes failed to publish (${probes.firstError})`)
    const got = await hub.call('collect', { waitMs: COLLECT_GRACE_MS }, COLLECT_GRACE_MS + CALL_TIMEOUT_MS)
    if (got.failures > 0) throw new Error(`${got.failures} subscriptions failed (${got.firstError})`)
    const connections = await hubConnectionsOf(redis.admin, hub.pid, redis.port)
    const memory = await hub.call('memory')
    await sleep(SETTLE_MS)
    const idle = await idleUsage(redis, IDLE_MS)
    await hub.stop()
    // The baseline window opens once Redis has seen the hub go: only the publisher's are left.
    await waitUntil(async () => {
      const left = await hubConnectionsOf(redis.admin, publisher.pid, redis.port)
      return left.allHub === left.count
    }, { timeoutMs: GONE_TIMEOUT_MS, what: 'the hub process\'s connections closed' })
    const quiet = await idleUsage(redis, BASELINE_MS)
    return {
      connections: connections.count,
      subscribeMs: subscribedAt - started.startedAt,
      totalMs: got.lastAt - started.startedAt,
      probeFaults: got.lost + got.duplicates + got.outOfOrder + got.foreign,
      idleCpu: idle.cpuPercent,
      quietCpu: quiet.cpuPercent,
      idleCommands: idle.commandsPerSecond,
      quietCommands: quiet.commandsPerSecond,
      heapMB: memory.heapUsed / MB
    }
  } finally {
    await hub.stop()
  }
}

function topicRows (topics, samples) {
  const name = `${topics.toLocaleString('en-US')} topics`
  const row = (metric, unit, field, more = {}) => makeRow({ metric: `${name}: ${metric}`, unit, ours: pick(samples, field), ...more })
  return [
    row('Redis connections of the hub process', 'count', 'connections', { target: `≤ ${MAX_CONNECTIONS}`, check: r => r.ours.max <= MAX_CONNECTIONS }),
    row('subscribe (until Redis holds every channel)', 'ms', 'subscribeMs'),
    row('subscribe + one probe received on each', 'ms', 'totalMs'),
    row('probes lost, duplicated or out of order', 'count', 'probeFaults', { target: '0', check: r => r.ours.max === 0 }),
    row('idle Redis CPU (% of one core)', '%', 'idleCpu', { base: pick(samples, 'quietCpu') }),
    row('idle Redis commands', '/s', 'idleCommands', { base: pick(samples, 'quietCommands') }),
    row('hub process heap after GC', 'MB', 'heapMB')
  ]
}
