// "Acknowledged" with minReplicas: a publish resolves only once that many replicas have the
// event (Redis WAIT on the connection that wrote it), so a failover after a replication cut
// loses nothing acknowledged, and a client resuming from before the cut skips nothing.
// Without it, the same fault loses acknowledged events that a resuming client never hears
// of: the limit docs/redis.md states. A real master and replica, killed and promoted.
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { errors, type SseEvent } from '../../lib/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub } from '../../lib/hub/hub.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { pollUntil, within } from '../helpers/bounded-wait.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

const WAIT_MS = 10_000
const REPLICA_TIMEOUT_MS = 200
const HEALTHY_REPLICA_TIMEOUT_MS = 1500

/** A master with one replica in sync; both stopped in teardown. */
async function masterAndReplica (t: Test): Promise<{ master: RedisServer, replica: RedisServer, admin: (server: RedisServer) => Redis }> {
  const master = await startRedisServer()
  const replica = await startRedisServer({ replicaOf: master })
  t.teardown(async () => {
    replica.resume()
    await Promise.all([master.stop(), replica.stop()])
  })
  const admins: Redis[] = []
  t.teardown(() => admins.forEach(client => client.disconnect()))
  const admin = (server: RedisServer): Redis => {
    const client = new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => {})
    admins.push(client)
    return client
  }
  await pollUntil(async () => /master_link_status:up/.test(String(await admin(replica).info('replication'))), 'the replica to sync', WAIT_MS)
  return { master, replica, admin }
}

async function hubOn (t: Test, server: RedisServer, adapterOptions: object = {}): Promise<Hub> {
  const adapter = await createRedisAdapter({ url: server.url, keyPrefix: 'durable:', publishTimeoutMs: 2000, redisOptions: { retryStrategy: () => 50 }, ...adapterOptions })
  const hub = createHub({ adapter })
  t.teardown(() => hub.close())
  return hub
}

/**
 * Cuts replication for good: the replica is frozen (it cannot reconnect), the master drops
 * its link, `during()` publishes, then the master dies and the replica, thawed, is promoted.
 */
async function cutAndFailOver (master: RedisServer, replica: RedisServer, admin: (server: RedisServer) => Redis, during: () => Promise<void>): Promise<void> {
  await replica.pause()
  await admin(master).call('CLIENT', 'KILL', 'TYPE', 'replica')
  await during()
  await master.kill()
  replica.resume()
  await admin(replica).call('REPLICAOF', 'NO', 'ONE')
}

/** Publishes `count` events, keeping the ids of those acknowledged and the codes of failures. */
async function publishSome (hub: Hub, topic: string, count: number, options: object = {}): Promise<{ acked: string[], failures: string[] }> {
  const acked: string[] = []
  const failures: string[] = []
  for (let i = 0; i < count; i++) {
    await hub.publish(topic, `during ${i}`, options).then(id => acked.push(id), err => failures.push((err as { code: string }).code))
  }
  return { acked, failures }
}

/** What a client resuming after `cursor` replays from `hub`, up to the first event it waits for. */
async function replayAfter (hub: Hub, topic: string, cursor: string, count: number): Promise<SseEvent[]> {
  const subscription = hub.subscribe(topic, { lastEventId: cursor })
  const events: SseEvent[] = []
  try {
    while (events.length < count) events.push((await within(subscription.next(), `replayed event ${events.length + 1}`, WAIT_MS)).value as SseEvent)
  } finally {
    await subscription.return()
  }
  return events
}

t.test('minReplicas: 1 — a failover after a replication cut loses no acknowledged event, and a resuming client skips nothing', async t => {
  const { master, replica, admin } = await masterAndReplica(t)
  // A healthy replica gets the adapter's generous wait (a loaded machine can take more than
  // 200 ms to answer WAIT); the publishes during the cut use a short one so the test stays quick.
  const hub = await hubOn(t, master, { minReplicas: 1, replicaTimeoutMs: HEALTHY_REPLICA_TIMEOUT_MS })
  const cursor = await hub.publish('t', 'before')
  const acked = [(await hub.publish('t', 'replicated 1')), (await hub.publish('t', 'replicated 2'))]
  t.same(await admin(replica).xrange('durable:{t}:stream', '-', '+').then(entries => entries.map(([id]) => id)), [cursor, ...acked], 'resolved only once the replica had them')

  let during = { acked: [] as string[], failures: [] as string[] }
  await cutAndFailOver(master, replica, admin, async () => { during = await publishSome(hub, 't', 3, { replicaTimeoutMs: REPLICA_TIMEOUT_MS }) })
  t.same(during.acked, [], 'no publish is acknowledged while no replica confirms it')
  t.same(during.failures, Array(3).fill('FST_STREAM_HUB_OUTCOME_UNKNOWN'), 'each one says its outcome is unknown')

  const promoted = await hubOn(t, replica)
  const after = await promoted.publish('t', 'after')
  const replayed = await replayAfter(promoted, 't', cursor, 3)
  t.same(replayed.map(event => event.id), [...acked, after], 'every acknowledged event is on the new master, and replayed, with no reset')
})

t.test('without minReplicas, the same fault loses acknowledged events and a client resuming from before them is not told', async t => {
  const { master, replica, admin } = await masterAndReplica(t)
  const hub = await hubOn(t, master)
  const cursor = await hub.publish('t', 'before')
  await pollUntil(async () => (await admin(replica).xlen('durable:{t}:stream')) === 1, 'the replica to have the first event', WAIT_MS)

  let during = { acked: [] as string[], failures: [] as string[] }
  await cutAndFailOver(master, replica, admin, async () => { during = await publishSome(hub, 't', 3) })
  t.equal(during.acked.length, 3, 'Redis acknowledged all three without any replica')

  const promoted = await hubOn(t, replica)
  const after = await promoted.publish('t', 'after')
  const replayed = await replayAfter(promoted, 't', cursor, 1)
  t.same(replayed.map(event => event.id), [after], 'the three acknowledged events are gone, and the replay jumps over them with no reset: the limit docs/redis.md states')
})

t.test('per publish: minReplicas and replicaTimeoutMs override the adapter\'s; a retry with the idempotency key confirms the first write', async t => {
  const { master, replica, admin } = await masterAndReplica(t)
  const hub = await hubOn(t, master)
  await replica.pause()
  await admin(master).call('CLIENT', 'KILL', 'TYPE', 'replica')
  t.ok(await hub.publish('t', 'fast'), 'the adapter\'s default (0) does not wait for replicas')
  const failed = await hub.publish('t', 'order 42', { minReplicas: 1, replicaTimeoutMs: REPLICA_TIMEOUT_MS, idempotencyKey: 'order-42' }).catch(err => err as { code: string, message: string })
  t.match(failed, { code: 'FST_STREAM_HUB_OUTCOME_UNKNOWN', message: /0 of 1 replicas confirmed the write within 200 ms/ })
  const stored = await admin(master).get('durable:{t}:idem:order-42')
  t.ok(stored, 'it is stored on the master')

  replica.resume()
  await pollUntil(async () => /master_link_status:up/.test(String(await admin(replica).info('replication'))), 'the replica to resync', WAIT_MS)
  // The retry stores nothing new; its WAIT covers the first write, which the replica has now.
  t.equal(await hub.publish('t', 'order 42', { minReplicas: 1, replicaTimeoutMs: 1000, idempotencyKey: 'order-42' }), stored, 'the retry resolves to the first id')
  t.equal(await admin(replica).xlen('durable:{t}:stream'), 2, 'once, on the replica')
  await t.rejects(hub.publish('t', 'x', { minReplicas: 1, replicaTimeoutMs: 2000 }), { code: 'FST_STREAM_INVALID_OPTION', message: /replicaTimeoutMs.*below publishTimeoutMs \(2000\)/ }, 'a wait that cannot end before the publish timeout is refused')
  await t.rejects(hub.publish('t', 'x', { minReplicas: 101 }), errors.FST_STREAM_INVALID_OPTION)
  await t.rejects(hub.publish('t', 'x', { replicaTimeoutMs: 0 }), errors.FST_STREAM_INVALID_OPTION)
})

t.test('a WAIT that Redis refuses (an ACL) leaves the outcome unknown; a refused script stored nothing', async t => {
  const { master, admin } = await masterAndReplica(t)
  await admin(master).call('ACL', 'SETUSER', 'nowait', 'on', 'nopass', '~*', '&*', '+@all', '-wait')
  const hub = await hubOn(t, master, { minReplicas: 1, redisOptions: { username: 'nowait', retryStrategy: () => 50 } })
  const failed = await hub.publish('t', 'x').catch(err => err as { code: string, message: string })
  t.match(failed, { code: 'FST_STREAM_HUB_OUTCOME_UNKNOWN', message: /stored on the master, but WAIT failed: NOPERM/ })
  t.equal(await admin(master).xlen('durable:{t}:stream'), 1, 'the event was stored')
  // A script Redis refuses ran nothing: certainly not stored.
  await admin(master).call('ACL', 'SETUSER', 'noeval', 'on', 'nopass', '~*', '&*', '+@all', '-eval')
  const refused = await hubOn(t, master, { minReplicas: 1, redisOptions: { username: 'noeval', retryStrategy: () => 50 } })
  await t.rejects(refused.publish('t', 'y'), { code: 'FST_STREAM_HUB_UNAVAILABLE' })
  t.equal(await admin(master).xlen('durable:{t}:stream'), 1, 'nothing more was stored')
})

t.test('minReplicas is refused where it cannot hold: the memory adapter, and a wait longer than the publish timeout', async t => {
  const hub = createHub({ adapter: createMemoryAdapter() })
  t.teardown(() => hub.close())
  await t.rejects(hub.publish('t', 'x', { minReplicas: 1 }), { code: 'FST_STREAM_INVALID_OPTION', message: /minReplicas.*Redis adapter/ })
  t.ok(await hub.publish('t', 'x', { minReplicas: 0 }), 'zero is what the memory adapter does anyway')
  await t.rejects(createRedisAdapter({ url: 'redis://127.0.0.1:1', minReplicas: 1, replicaTimeoutMs: 5000 }), { code: 'FST_STREAM_INVALID_OPTION', message: /replicaTimeoutMs/ })
  await t.rejects(createRedisAdapter({ url: 'redis://127.0.0.1:1', minReplicas: -1 }), { code: 'FST_STREAM_INVALID_OPTION', message: /minReplicas/ })
  await t.rejects(createRedisAdapter({ url: 'redis://127.0.0.1:1', publishTimeoutMs: 500, replicaTimeoutMs: 500 }), { code: 'FST_STREAM_INVALID_OPTION', message: /below publishTimeoutMs \(500\)/ })
})
