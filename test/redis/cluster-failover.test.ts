// Redis Cluster failovers: three masters with a replica each. A master is killed while one
// instance publishes and another follows: publishing fails (fast) until the replica is
// promoted, then works again, and the follower ends up with every acknowledged event, or a
// reset where Redis lost some (replication is asynchronous): never a silent gap.
import { Cluster } from 'ioredis'
import t, { type Test } from 'tap'
import { type SseEvent } from '../../lib/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub } from '../../lib/hub/hub.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import type { HubSubscription } from '../../lib/hub/hub.js'
import { pollUntil, within } from '../helpers/bounded-wait.js'
import { deferred } from '../helpers/deferred.js'
import { startRedisCluster, type ClusterNode, type RedisCluster } from '../helpers/redis-cluster.js'

const PUBLISH_TIMEOUT_MS = 500
// Publishes acknowledged by the promoted replica before a run stops.
const AFTER_FAILOVER = 20
const WAIT_MS = 20_000
const HUB_ERRORS = new Set(['FST_STREAM_HUB_UNAVAILABLE', 'FST_STREAM_HUB_OUTCOME_UNKNOWN'])

let cluster: RedisCluster
let client: Cluster
t.before(async () => {
  cluster = await startRedisCluster({ replicas: 1 })
  client = new Cluster(cluster.startupNodes, { lazyConnect: true })
})
t.teardown(async () => {
  client?.disconnect()
  await cluster?.stop()
})

/** A hub on the cluster, as one process of an app would have it; closed in teardown. */
async function instance (t: Test, adapterOptions: object = {}): Promise<Hub> {
  const adapter = await createRedisAdapter({ client, keyPrefix: 'failover:', publishTimeoutMs: PUBLISH_TIMEOUT_MS, checkIntervalMs: 100, ...adapterOptions })
  const hub = createHub({ adapter })
  t.teardown(() => hub.close())
  return hub
}

t.test('a replica takes over a killed master: publishing resumes, and the follower misses nothing silently', async t => {
  const [a, b] = [await instance(t), await instance(t)]
  const topic = await topicWithReplica()
  const slot = await cluster.slotOf(`failover:{${topic}}:stream`)
  const master = await cluster.masterOf(slot)
  // A topic on another master, which must not notice the failover.
  const bystander = await topicOn(other => other !== master)

  const follower = collect(b.subscribe(topic, { lastEventId: await a.publish(topic, 'start') }))
  const acked: string[] = []
  const failures = new Set<string>()
  // Resolved once `target` publishes are acknowledged; set when the master is killed.
  const resumed = deferred()
  let target = Infinity
  const running = { publishing: true }
  const publisher = (async () => {
    for (let i = 0; running.publishing; i++) {
      try {
        acked.push(await a.publish(topic, i))
        if (acked.length >= target) resumed.resolve()
      } catch (err) {
        failures.add((err as { code: string }).code)
        // Not a wait for a state: a pause between retries, as any publisher would make.
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
  })()
  await follower.until(events => events.length >= 20, 'events before the failover')

  await master.kill()
  target = acked.length + AFTER_FAILOVER
  t.ok(await a.publish(bystander, 'meanwhile'), 'a topic on another master publishes during the failover')
  await cluster.waitUntilOk(WAIT_MS)
  const promoted = await cluster.masterOf(slot)
  t.not(promoted.port, master.port, `the replica on ${promoted.port} serves the slot now`)
  await within(resumed.promise, 'publishes to work again', WAIT_MS)
  running.publishing = false
  await publisher
  t.ok(failures.size > 0, `publishing failed during the failover (${[...failures].join(', ')})`)
  t.ok([...failures].every(code => HUB_ERRORS.has(code)), 'with the hub\'s own errors')

  const last = acked[acked.length - 1] as string
  const events = await follower.until(events => events.some(event => event.id === last), 'the last acknowledged event')
  const delivered = events.filter(event => event.event !== 'reset').map(event => event.id as string)
  t.equal(new Set(delivered).size, delivered.length, 'no event twice')
  t.ok(delivered.every((id, i) => i === 0 || compareIds(delivered[i - 1]!, id) < 0), 'in id order')
  const missing = acked.filter(id => !delivered.includes(id))
  const resets = events.filter(event => event.event === 'reset')
  t.ok(missing.length === 0 || resets.length > 0, `every acknowledged event, or a reset (${missing.length} missing, ${resets.length} resets)`)
  t.equal(follower.failure, undefined, 'the follower stayed subscribed')
})

t.test('events acknowledged by a master its replica never received: the follower gets a reset, and so does a cursor among them', async t => {
  const [a, b] = [await instance(t), await instance(t)]
  const topic = await topicWithReplica()
  const slot = await cluster.slotOf(`failover:{${topic}}:stream`)
  const master = await cluster.masterOf(slot)
  const replica = await cluster.replicaOf(master)
  const follower = collect(b.subscribe(topic, { lastEventId: await a.publish(topic, 'start') }))
  const kept = await a.publish(topic, 'replicated')
  await follower.until(events => events.some(event => event.id === kept), 'the replicated event')
  await pollUntil(async () => inSync(master), 'the replica to catch up', WAIT_MS)

  // Cut replication deterministically: the replica is frozen, so it cannot reconnect, while
  // the master drops its link and acknowledges more; then the master dies.
  await replica.freeze()
  t.teardown(() => replica.thaw())
  await master.call('CLIENT', 'KILL', 'TYPE', 'replica')
  const lost: string[] = []
  for (let i = 0; i < 5; i++) lost.push(await a.publish(topic, `lost ${i}`))
  await follower.until(events => events.some(event => event.id === lost[4]), 'the events only the master has')
  await master.kill()
  await replica.thaw()
  await cluster.waitUntilOk(WAIT_MS)
  t.equal((await cluster.masterOf(slot)).port, replica.port, 'the replica took over')
  t.same(await replica.call('XRANGE', `failover:{${topic}}:stream`, lost[0]!, '+'), [], 'and it never had the last five events')

  const after = await publishUntilAcked(a, topic, 5)
  const events = await follower.until(list => list.some(event => event.id === after[4]), 'the events after the failover')
  const tail = events.slice(events.findIndex(event => event.id === lost[4]) + 1)
  t.equal(tail[0]!.event, 'reset', 'the follower is told, before the next event, that history was lost')
  t.match(tail[0]!.data, { reason: /^(expired|stale|unknown)$/ })
  t.same(tail.slice(1).map(event => event.id), after, 'then every event after the failover, once, in order')
  t.equal(follower.failure, undefined, 'the follower stayed subscribed')

  // A client that saw a lost event and reconnects gets a reset too, not a replay from a guess.
  const resumer = b.subscribe(topic, { lastEventId: lost[2] })
  const [reset] = await within(resumer.next(), 'the resumer\'s first event').then(result => [result.value as SseEvent])
  t.equal(reset!.event, 'reset')
  await resumer.return()

  // The limit docs/redis.md states: a client whose cursor is before the lost events replays
  // the survivors, and nothing in the promoted replica says that five are missing.
  const early = b.subscribe(topic, { lastEventId: kept })
  const first = (await within(early.next(), 'the early resumer\'s first event')).value as SseEvent
  t.equal(first.id, after[0], 'the early resumer jumps over the lost events without a reset (use minReplicas)')
  await early.return()
})

t.test('minReplicas: 1 on a Cluster: a cut makes publishes reject, and the failover loses nothing acknowledged', async t => {
  const a = await instance(t, { minReplicas: 1, replicaTimeoutMs: 200 })
  const b = await instance(t)
  const topic = await topicWithReplica()
  const slot = await cluster.slotOf(`failover:{${topic}}:stream`)
  const master = await cluster.masterOf(slot)
  const replica = await cluster.replicaOf(master)
  const cursor = await a.publish(topic, 'start')
  const acked = [await a.publish(topic, 'replicated 1'), await a.publish(topic, 'replicated 2')]
  // A replica serves reads of its master's slots once the connection says READONLY.
  await replica.call('READONLY')
  t.equal((await replica.call('XRANGE', `failover:{${topic}}:stream`, cursor, '+') as unknown[]).length, 3, 'resolved only once the replica had them')

  await replica.freeze()
  t.teardown(() => replica.thaw())
  await master.call('CLIENT', 'KILL', 'TYPE', 'replica')
  const codes: string[] = []
  for (let i = 0; i < 3; i++) await a.publish(topic, `unconfirmed ${i}`).then(() => codes.push('acknowledged'), err => codes.push((err as { code: string }).code))
  t.same(codes, Array(3).fill('FST_STREAM_HUB_OUTCOME_UNKNOWN'), 'no publish is acknowledged while the replica cannot confirm it')
  await master.kill()
  await replica.thaw()
  await cluster.waitUntilOk(WAIT_MS)
  t.equal((await cluster.masterOf(slot)).port, replica.port, 'the replica took over')

  const after = await publishUntilAcked(b, topic, 1)
  const resumer = b.subscribe(topic, { lastEventId: cursor })
  const replayed: string[] = []
  while (replayed.length < 3) replayed.push(((await within(resumer.next(), 'a replayed event', WAIT_MS)).value as SseEvent).id as string)
  await resumer.return()
  t.same(replayed, [...acked, ...after], 'every acknowledged event survived, replayed in order with no reset')
})

interface Collector {
  failure: unknown
  /** Resolves with the events so far once `done(events)` holds; rejects after WAIT_MS. */
  until (done: (events: SseEvent[]) => boolean, what: string): Promise<SseEvent[]>
}

/** Reads a subscription in the background and lets the test wait for what it has read. */
function collect (subscription: HubSubscription): Collector {
  const events: SseEvent[] = []
  let check: (() => void) | undefined
  const collector: Collector = {
    failure: undefined,
    async until (done, what) {
      const reached = deferred()
      check = () => { if (done(events)) reached.resolve() }
      check()
      try {
        await within(reached.promise, `${what} (${events.length} events read so far)`, WAIT_MS)
        return events
      } finally {
        check = undefined
      }
    }
  }
  ;(async () => {
    for await (const event of subscription) {
      events.push(event)
      check?.()
    }
  })().catch(err => { collector.failure = err })
  return collector
}

/** The first topic `failover:{<name>}` whose master passes `accept`. */
async function topicOn (accept: (master: ClusterNode) => boolean | Promise<boolean>): Promise<string> {
  for (let i = 0; i < 100; i++) {
    if (await accept(await cluster.masterOf(await cluster.slotOf(`failover:{topic-${i}}:stream`)))) return `topic-${i}`
  }
  throw new Error('no topic of the first 100 hashes to a fitting master')
}

/** A topic on a master that still has a replica (each test uses up one). */
function topicWithReplica (): Promise<string> {
  return topicOn(master => cluster.replicaOf(master).then(() => true, () => false))
}

/** True when the master's replica has acknowledged everything the master has written. */
async function inSync (master: ClusterNode): Promise<boolean> {
  const [, offset, replicas] = await master.call('ROLE') as [string, number, Array<[string, string, string]>]
  return replicas.length > 0 && replicas.every(([, , acked]) => Number(acked) >= offset)
}

/** Publishes `count` events, retrying a failed publish, and returns their ids. */
async function publishUntilAcked (hub: Hub, topic: string, count: number): Promise<string[]> {
  const ids: string[] = []
  const deadline = performance.now() + WAIT_MS
  while (ids.length < count) {
    try {
      ids.push(await hub.publish(topic, `after ${ids.length}`))
    } catch (err) {
      if (performance.now() > deadline) throw err
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }
  return ids
}

function compareIds (a: string, b: string): number {
  const [msA, seqA] = a.split('-').map(BigInt) as [bigint, bigint]
  const [msB, seqB] = b.split('-').map(BigInt) as [bigint, bigint]
  return msA === msB ? Number(seqA - seqB) : msA < msB ? -1 : 1
}
