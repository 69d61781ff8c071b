// The Redis adapter on a real three-master Redis Cluster, through an ioredis `Cluster`
// passed as `client`: two hub instances on topics spread over every master, keys of a topic
// in one hash slot, delivery by sharded pub/sub, named connections on every node, idempotent
// retries across instances, and a master that freezes or dies without a replica.
import { Cluster } from 'ioredis'
import { pollUntil } from '../helpers/bounded-wait.js'
import t, { type Test } from 'tap'
import { errors, type SseEvent } from '../../lib/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub } from '../../lib/hub/hub.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import type { HubSubscription } from '../../lib/hub/hub.js'
import { dataOf, take } from '../helpers/hub.js'
import { ADMIN_NAME, startRedisCluster, type ClusterNode, type RedisCluster } from '../helpers/redis-cluster.js'

const PREFIX = 'fastify-stream:'
const PUBLISH_TIMEOUT_MS = 500
// Every wait in this file is bounded; a hang fails the check that hung, with its name.
const WAIT_MS = 5000

let cluster: RedisCluster
let client: Cluster
t.before(async () => {
  cluster = await startRedisCluster()
  // Never connected itself: the adapter only duplicates it.
  client = new Cluster(cluster.startupNodes, { lazyConnect: true })
})
t.teardown(async () => {
  client?.disconnect()
  await cluster?.stop()
})

let instances = 0

/** A hub on the cluster, as one process of an app would have it; closed in teardown. */
async function clusterHub (t: Test, keyPrefix = `cluster${++instances}:`): Promise<Hub> {
  const adapter = await createRedisAdapter({ client, keyPrefix, publishTimeoutMs: PUBLISH_TIMEOUT_MS, checkIntervalMs: 100 })
  const hub = createHub({ adapter })
  t.teardown(() => hub.close())
  return hub
}

/** `count` topics whose slots fall on every master, grouped by master port. */
async function topicsOnEveryMaster (prefix: string, count: number): Promise<Map<number, string[]>> {
  const byMaster = new Map<number, string[]>()
  for (let i = 0; i < count; i++) {
    const topic = `topic-${i}`
    const master = await cluster.masterOf(await cluster.slotOf(`${prefix}{${topic}}:stream`))
    byMaster.set(master.port, [...(byMaster.get(master.port) ?? []), topic])
  }
  return byMaster
}

t.test('every topic followed in one tick is delivered, over all three masters, from one instance to another', async t => {
  // Regression: sharded subscribes go one channel per call, and only the first topic of a
  // tick ever started; the others never delivered, and a resume on them never answered.
  const [a, b] = [await clusterHub(t, 'spread:'), await clusterHub(t, 'spread:')]
  const byMaster = await topicsOnEveryMaster('spread:', 12)
  t.equal(byMaster.size, 3, 'the topics land on three different masters')
  const topics = [...byMaster.values()].flat()
  // A resume cursor orders b's subscription against a's publishes (two processes, two links).
  const starts = new Map<string, string>()
  for (const topic of topics) starts.set(topic, await a.publish(topic, 'start'))
  const subscriptions = topics.map(topic => b.subscribe(topic, { lastEventId: starts.get(topic) }))
  const ids = new Map<string, string[]>()
  await Promise.all(topics.map(async topic => {
    const list = []
    for (let i = 0; i < 5; i++) list.push(await a.publish(topic, i))
    ids.set(topic, list)
  }))
  for (const subscription of subscriptions) {
    const events = await takeWithin(subscription, 5)
    t.same(dataOf(events), [0, 1, 2, 3, 4], subscription.topic)
    t.same(events.map(event => event.id), ids.get(subscription.topic), `${subscription.topic}: the ids a's publishes returned`)
  }
  for (const subscription of subscriptions) await expectNext(t, a, subscription)
  t.equal(b.stats().backend.topics, 12)
})

t.test('a resume on another instance replays from the stream, then goes live; cursors it cannot honour reset', async t => {
  const [a, b] = [await clusterHub(t, 'resume:'), await clusterHub(t, 'resume:')]
  const ids = []
  for (let i = 0; i < 10; i++) ids.push(await a.publish('t', i))
  const subscription = b.subscribe('t', { lastEventId: ids[3] })
  const racing = (async () => { for (let i = 10; i < 15; i++) await a.publish('t', i) })()
  t.same(dataOf(await takeWithin(subscription, 11)), Array.from({ length: 11 }, (_, i) => 4 + i))
  await racing
  await expectNext(t, a, subscription)
  for (const [cursor, reason] of [['garbage', 'invalid'], [`${ids[9]!.split('-')[0]}-999999`, 'unknown']]) {
    const reset = b.subscribe('t', { lastEventId: cursor })
    const [event] = await takeWithin(reset, 1)
    t.equal(event!.event, 'reset')
    t.same(event!.data, { reason, earliest: ids[0] }, cursor)
    await reset.return()
  }
})

t.test('every key of a topic shares one hash slot and lives on the master that owns it', async t => {
  const hub = await clusterHub(t, PREFIX)
  const byMaster = await topicsOnEveryMaster(PREFIX, 12)
  for (const [port, [topic]] of byMaster) {
    await hub.publish(topic!, 'x', { idempotencyKey: 'k' })
    const base = `${PREFIX}{${topic}}`
    const keys = [`${base}:stream`, `${base}:meta`, `${base}:idem:k`]
    const slots = await Promise.all([...keys, `${base}:events`].map(key => cluster.slotOf(key)))
    t.equal(new Set(slots).size, 1, `${topic}: stream, meta, idempotency key and channel in one slot`)
    const owner = cluster.nodes.find(node => node.port === port) as ClusterNode
    t.equal(await owner.call('EXISTS', ...keys), 3, `${topic}: all three keys on its master`)
  }
})

t.test('delivery uses sharded pub/sub on the owning master, never cluster-wide PUBLISH', async t => {
  const [a, b] = [await clusterHub(t, 'sharded:'), await clusterHub(t, 'sharded:')]
  const channel = 'sharded:{t}:events'
  const owner = await cluster.masterOf(await cluster.slotOf(channel))
  const masters = await mastersNow()
  const before = await spublishCalls(owner)
  const start = await a.publish('t', 'start')
  const subscription = b.subscribe('t', { lastEventId: start })
  await expectNext(t, a, subscription)
  t.same(await owner.call('PUBSUB', 'SHARDNUMSUB', channel), [channel, 1], 'one sharded subscriber: b, on the owner')
  for (const node of masters) {
    t.same(await node.call('PUBSUB', 'NUMSUB', channel), [channel, 0], `no plain subscriber on ${node.port}`)
    if (node !== owner) t.same(await node.call('PUBSUB', 'SHARDNUMSUB', channel), [channel, 0], `none on ${node.port}`)
    t.notMatch(String(await node.call('INFO', 'commandstats')), /cmdstat_publish:/, `no PUBLISH ran on ${node.port}`)
  }
  t.ok(await spublishCalls(owner) >= before + 2, 'the owner ran an SPUBLISH per event')
  await subscription.return()
  await b.close()
  await pollUntil(async () => (await owner.call('PUBSUB', 'SHARDNUMSUB', channel) as [string, number])[1] === 0, 'the sharded subscription to end', WAIT_MS)
})

t.test('each role\'s connection is named on every node, and the given Cluster is never connected', async t => {
  const hub = await clusterHub(t, 'names:')
  const byMaster = await topicsOnEveryMaster('names:', 12)
  // Publish and follow a topic on each master, so every role has a link to every master.
  for (const [, [topic]] of byMaster) {
    const start = await hub.publish(topic!, 'start')
    const subscription = hub.subscribe(topic!, { lastEventId: start })
    await expectNext(t, hub, subscription)
  }
  for (const node of await mastersNow()) {
    const names = String(await node.call('CLIENT', 'LIST')).trim().split('\n').map(line => /\bname=(\S*)/.exec(line)?.[1] ?? '')
    for (const role of ['publisher', 'query', 'subscriber']) {
      t.ok(names.some(name => name.endsWith(`fastify-stream-${role}`)), `${node.port}: a fastify-stream-${role} connection`)
    }
    t.same(names.filter(name => name !== ADMIN_NAME && !/(^|:)fastify-stream-(publisher|query|subscriber)$/.test(name)), [], `${node.port}: no other connection`)
  }
  t.equal(client.status, 'wait', 'the Cluster passed as client was only duplicated')
})

t.test('an idempotency key retried on another instance returns the first id, and the event comes once', async t => {
  const [a, b] = [await clusterHub(t, 'idem:'), await clusterHub(t, 'idem:')]
  const start = await a.publish('t', 'start')
  const onA = a.subscribe('t', { lastEventId: start })
  const onB = b.subscribe('t', { lastEventId: start })
  const id = await a.publish('t', 'order', { idempotencyKey: 'order-7' })
  t.equal(await b.publish('t', 'order (retried)', { idempotencyKey: 'order-7' }), id)
  for (const subscription of [onA, onB]) {
    const [event] = await takeWithin(subscription, 1)
    t.same([event!.id, event!.data], [id, 'order'])
  }
  await expectNext(t, a, onA, onB)
})

t.test('a frozen master: its publishes time out as outcome unknown, the other masters go on, and a retry with the key finds the event', async t => {
  const [a, b] = [await clusterHub(t, 'frozen:'), await clusterHub(t, 'frozen:')]
  const byMaster = await topicsOnEveryMaster('frozen:', 12)
  const [[victimPort, [frozenTopic]], [, [otherTopic]]] = [...byMaster] as Array<[number, string[]]>
  const victim = cluster.nodes.find(node => node.port === victimPort) as ClusterNode
  const starts = [await a.publish(frozenTopic!, 'start'), await a.publish(otherTopic!, 'start')]
  const frozen = b.subscribe(frozenTopic!, { lastEventId: starts[0] })
  const other = b.subscribe(otherTopic!, { lastEventId: starts[1] })
  await expectNext(t, a, frozen)
  await victim.freeze()
  t.teardown(() => victim.thaw())
  const began = performance.now()
  await t.rejects(a.publish(frozenTopic!, 'while frozen', { idempotencyKey: 'retry-me' }), errors.FST_STREAM_HUB_OUTCOME_UNKNOWN)
  const elapsed = performance.now() - began
  t.ok(elapsed >= PUBLISH_TIMEOUT_MS - 50 && elapsed < PUBLISH_TIMEOUT_MS + 1000, `rejected after ${Math.round(elapsed)} ms, the publish timeout`)
  const id = await a.publish(otherTopic!, 'meanwhile')
  t.same((await takeWithin(other, 1)).map(event => [event.id, event.data]), [[id, 'meanwhile']], 'another master publishes and delivers meanwhile')
  await victim.thaw()
  // The command was sent: once thawed, the master ran it. That is what "unknown" means.
  const [late] = await takeWithin(frozen, 1)
  t.equal(late!.data, 'while frozen')
  t.equal(await a.publish(frozenTopic!, 'while frozen', { idempotencyKey: 'retry-me' }), late!.id, 'the retry with the key returns its id, storing nothing')
  await expectNext(t, a, frozen)
  await cluster.waitUntilOk()
})

// Last: the killed master does not come back.
t.test('a killed master without a replica: its topics fail fast, the other masters keep publishing and delivering', async t => {
  const [a, b] = [await clusterHub(t, 'killed:'), await clusterHub(t, 'killed:')]
  const byMaster = await topicsOnEveryMaster('killed:', 12)
  const [[victimPort, deadTopics], ...rest] = [...byMaster] as Array<[number, string[]]>
  const victim = cluster.nodes.find(node => node.port === victimPort) as ClusterNode
  const liveTopics = rest.map(([, topics]) => topics[0]!)
  const subscriptions: HubSubscription[] = []
  for (const topic of [...liveTopics, deadTopics![0]!]) subscriptions.push(b.subscribe(topic, { lastEventId: await a.publish(topic, 'start') }))
  for (const subscription of subscriptions) await expectNext(t, a, subscription)
  await victim.kill()

  const checkRound = async (when: string): Promise<void> => {
    const began = performance.now()
    const failed = await a.publish(deadTopics![0]!, 'lost').then(() => undefined, (err: unknown) => err)
    const elapsed = performance.now() - began
    t.ok(failed instanceof errors.FST_STREAM_HUB_UNAVAILABLE || failed instanceof errors.FST_STREAM_HUB_OUTCOME_UNKNOWN,
      `${when}: a publish to the dead master rejects (${(failed as Error | undefined)?.message})`)
    t.ok(elapsed < PUBLISH_TIMEOUT_MS + 1000, `${when}: within ${Math.round(elapsed)} ms, about the publish timeout`)
    for (const subscription of subscriptions.slice(0, -1)) await expectNext(t, a, subscription)
  }
  await checkRound('at once')
  // Once the cluster has flagged the master as failed (it has no replica to promote), the
  // other masters go on serving their slots (cluster-require-full-coverage no).
  await cluster.waitUntilFailed(victim)
  await checkRound('after the cluster flagged it')
  t.equal(a.stats().backend.state, 'ready', 'the hub stays up: only some topics are unavailable')
})

/** take() with a deadline, so a missing event fails the check instead of the whole run. */
async function takeWithin (subscription: HubSubscription, count: number): Promise<SseEvent[]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${subscription.topic}: fewer than ${count} events within ${WAIT_MS} ms`)), WAIT_MS)
  })
  try {
    return await Promise.race([take(subscription, count), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Publishes a marker and checks that it is the very next event of each subscription (all on one topic). */
async function expectNext (t: Test, hub: Hub, ...subscriptions: HubSubscription[]): Promise<void> {
  const topic = (subscriptions[0] as HubSubscription).topic
  const id = await hub.publish(topic, 'marker')
  for (const subscription of subscriptions) {
    const [next] = await takeWithin(subscription, 1)
    t.same([next!.id, next!.data], [id, 'marker'], `${topic}: nothing else before the next live event`)
  }
}

async function mastersNow (): Promise<ClusterNode[]> {
  const masters = new Set<ClusterNode>()
  for (const slot of [0, 8000, 16383]) masters.add(await cluster.masterOf(slot))
  return [...masters]
}

async function spublishCalls (node: ClusterNode): Promise<number> {
  const stats = String(await node.call('INFO', 'commandstats'))
  return Number(/cmdstat_spublish:calls=(\d+)/.exec(stats)?.[1] ?? 0)
}
