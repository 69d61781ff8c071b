// Presence across processes on real Redis (single node and a three-master Cluster): a process
// that is SIGKILLed has its users leave within its lease, with leave events; a Redis (or the
// Cluster master of a topic) that stalls (SIGSTOP) longer than a lease makes nobody leave or
// rejoin; a Redis that restarts without its data gets every live process's users back; a
// client Redis holds that its process does not is put right; three connections per process.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createHub, createRedisAdapter, type Hub } from '../../lib/hub/index.js'
import { within, pollUntil } from '../helpers/bounded-wait.js'
import { brief, collect, keepAdapter } from '../helpers/hub.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/present-instance.mjs', import.meta.url))
const TTL_MS = 900
const RENEW_MS = TTL_MS / 3
const FAST_RETRY = { retryStrategy: () => 50 }
let prefixes = 0

/** A hub on `target` with a short lease, closed in teardown. */
async function hubOn (t: Test, target: { url: string } | { client: unknown }, keyPrefix: string): Promise<Hub> {
  const adapter = await createRedisAdapter({ ...target, keyPrefix, presenceTtlMs: TTL_MS, redisOptions: FAST_RETRY } as never)
  // No coalescing: a wrong leave must show even when a join follows at once.
  const hub = createHub({ adapter, presenceDelayMs: 0 })
  t.teardown(() => hub.close())
  return hub
}

/** Starts the fixture with `users` present on `topic`; resolves once Redis has them. */
async function startInstance (t: Test, target: object, keyPrefix: string, topic: string, users: number): Promise<{ kill: () => void }> {
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify({ ...target, keyPrefix, presenceTtlMs: TTL_MS, topic, users })], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill('SIGKILL') })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  await within(new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => { if (output.includes('ready\n')) resolve() })
    child.once('exit', code => reject(new Error(`the instance exited with ${String(code)}`)))
  }), 'the instance to be ready')
  return { kill: () => child.kill('SIGKILL') }
}

const singleNode = async (t: Test): Promise<{ target: object, server: RedisServer }> => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  return { target: { url: server.url }, server }
}

for (const where of ['redis', 'redis cluster'] as const) {
  t.test(`${where}: a SIGKILLed process's users leave within its lease, with leave events`, async t => {
    let target: object
    let hubTarget: { url: string } | { client: unknown }
    if (where === 'redis') {
      target = (await singleNode(t)).target
      hubTarget = target as { url: string }
    } else {
      const cluster = await startRedisCluster()
      t.teardown(() => cluster.stop())
      const { Cluster } = await import('ioredis')
      const client = new Cluster(cluster.startupNodes, { lazyConnect: true })
      t.teardown(() => client.disconnect())
      target = { nodes: cluster.startupNodes }
      hubTarget = { client }
    }
    const keyPrefix = `killed${++prefixes}:`
    const hub = await hubOn(t, hubTarget, keyPrefix)
    // This process only watches: it sweeps the topic because someone here asked for events.
    const watcher = collect(hub.subscribe('room', { presenceEvents: true }))
    const stays = hub.subscribe('room', { presence: { id: 'stays' } })
    // doomed-0 also has a tab here: when the other process dies, this user stays.
    const sharedTab = hub.subscribe('room', { presence: { id: 'doomed-0', info: { n: 0 } } })
    await within(watcher.next(2), 'the joins of this process\'s users')
    const instance = await startInstance(t, target, keyPrefix, 'room', 3)
    await within(watcher.next(4), 'the joins of the other process\'s users')
    t.match(await hub.presence('room'), { clients: 5, users: 4 }, 'both processes\' users, seen here')
    const killedAt = performance.now()
    instance.kill()
    await within(watcher.next(6), 'their leaves')
    const elapsed = performance.now() - killedAt
    t.same(brief(watcher.events.slice(4)).sort(), [1, 2].map(i => `leave {"id":"doomed-${i}","info":{"n":${i}}}`), 'one leave per user gone, with its info; none for the user with a tab here')
    // Its lease had at least a lease minus a renewal interval left; it ends within a lease
    // and a renewal (the next sweep), plus the coalescing delay and a loaded machine's slack.
    t.ok(elapsed >= TTL_MS - 2 * RENEW_MS, `not before the lease ran out (${Math.round(elapsed)} ms)`)
    t.ok(elapsed <= 3 * TTL_MS, `within the lease and a renewal (${Math.round(elapsed)} ms)`)
    t.same(await hub.presence('room'), {
      clients: 2,
      users: 2,
      list: [{ id: 'stays', info: null, clients: 1 }, { id: 'doomed-0', info: { n: 0 }, clients: 1 }],
      cursor: null
    }, 'the live process\'s users stay')
    await sharedTab.return()
    await stays.return()
  })
}

/** Where the stall test runs: hubs' target, and the server holding the topic `room` to freeze. */
async function stallable (t: Test, where: 'redis' | 'redis cluster'): Promise<{ hubTarget: { url: string } | { client: unknown }, freeze: () => Promise<void>, thaw: () => Promise<void> }> {
  if (where === 'redis') {
    const { server } = await singleNode(t)
    return { hubTarget: { url: server.url }, freeze: () => server.pause(), thaw: async () => server.resume() }
  }
  // A node timeout far beyond the stall: the frozen master stays the master, as a stalled
  // single server stays the server (a failover is cluster-failover.test.ts's subject).
  const cluster = await startRedisCluster({ nodeTimeoutMs: 60_000 })
  t.teardown(() => cluster.stop())
  const { Cluster } = await import('ioredis')
  const client = new Cluster(cluster.startupNodes, { lazyConnect: true })
  t.teardown(() => client.disconnect())
  const master = await cluster.masterOf(await cluster.slotOf('{room}'))
  return { hubTarget: { client }, freeze: () => master.freeze(), thaw: () => master.thaw() }
}

for (const where of ['redis', 'redis cluster'] as const) {
  t.test(`${where}: a stall (SIGSTOP) longer than a lease makes nobody leave or join again`, async t => {
    const server = await stallable(t, where)
    const keyPrefix = `stall${++prefixes}:`
    const [a, b] = await Promise.all([hubOn(t, server.hubTarget, keyPrefix), hubOn(t, server.hubTarget, keyPrefix)])
    const watcher = collect(b.subscribe('room', { presenceEvents: true }))
    // Joined one after the other, from both processes: a user swept and put back by its
    // process (whose leave and join would cancel out for watchers) would move to the end.
    const present = []
    for (const [hub, id] of [[b, 'bob'], [a, 'ada'], [b, 'cy']] as const) {
      present.push(hub.subscribe('room', { presence: { id } }))
      await within(watcher.next(present.length), `${id}'s join`)
    }
    const order = ['bob', 'ada', 'cy']
    t.same((await a.presence('room')).list.map(user => user.id), order, 'in join order')
    await server.freeze()
    // Redis's clock goes on while it is frozen: every lease has run out when it wakes. The
    // length of the stall is what is tested, hence a fixed wait.
    await new Promise(resolve => setTimeout(resolve, 3 * TTL_MS))
    await server.thaw()
    // The calls that waited out the stall run first: each renews its process's lease and
    // sweeps nothing (its run broke off); a renewal later, when a process may sweep again,
    // every lease is renewed. A lease and a renewal after the thaw, any wrong leave has been
    // announced: a message published then comes after it.
    await new Promise(resolve => setTimeout(resolve, TTL_MS + RENEW_MS))
    const marker = await within(b.publish('room', 'after the stall'), 'a publish after the stall')
    await within(watcher.next(4), 'the marker')
    t.same(brief(watcher.events), [...order.map(id => `join {"id":"${id}","info":null}`), `message "after the stall" #${marker}`], 'no leave, no second join')
    t.same((await a.presence('room')).list.map(user => user.id), order, 'everyone still here, in the same order: nobody was swept and put back')
    for (const subscription of present) await subscription.return()
  })
}

t.test('redis: a restart without its data gets every live process\'s users back, and nobody leaves', async t => {
  const { server } = await singleNode(t)
  const keyPrefix = `restart${++prefixes}:`
  const [a, b] = await Promise.all([hubOn(t, { url: server.url }, keyPrefix), hubOn(t, { url: server.url }, keyPrefix)])
  const watcher = collect(b.subscribe('room', { presenceEvents: true }))
  const present = [a.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada' } } }), a.subscribe('room', { presence: { id: 'ada' } }), b.subscribe('room', { presence: { id: 'bob' } })]
  await within(watcher.next(2), 'both joins')
  await server.kill()
  // Down for a renewal: renewals wait for the connection rather than queue up.
  await pollUntil(async () => a.stats().backend.state === 'down', 'the outage seen')
  await new Promise(resolve => setTimeout(resolve, RENEW_MS * 1.5))
  await server.start()
  await pollUntil(async () => (await b.presence('room')).clients === 3, 'every client back in Redis')
  t.match(await a.presence('room'), { clients: 3, users: 2 }, 'both processes\' users, from each process\'s own list')
  const a2 = a.subscribe('room', { presence: { id: 'carol' } })
  const carol = 'join {"id":"carol","info":null}'
  await within((async () => {
    for (let count = watcher.events.length + 1; !brief(await watcher.next(count)).includes(carol); count++);
  })(), 'a join after the restart: announcements work again')
  // Redis knew nobody after the restart: the users put back may be announced again (as
  // joins, which a page keeping users by id takes in its stride), but nobody leaves.
  t.same(watcher.events.map(event => event.event), watcher.events.map(() => 'join'), `only joins: ${brief(watcher.events).join(', ')}`)
  for (const subscription of [...present, a2]) await subscription.return()
})

t.test('redis: a process renews every topic it is in, also beyond one batch of 500', async t => {
  const { server } = await singleNode(t)
  const keyPrefix = `many${++prefixes}:`
  const [a, b] = await Promise.all([hubOn(t, { url: server.url }, keyPrefix), hubOn(t, { url: server.url }, keyPrefix)])
  const subscriptions = Array.from({ length: 600 }, (_, i) => a.subscribe(`topic-${i}`, { presence: { id: `user-${i}` } }))
  // B watches the last topic, so B sweeps it: were A's lease there not renewed, B would see
  // its user leave. Two leases is the time under test.
  const watcher = collect(b.subscribe('topic-599', { presenceEvents: true }))
  t.match(await a.presence('topic-599'), { clients: 1 })
  await new Promise(resolve => setTimeout(resolve, 2 * TTL_MS))
  t.same(await b.presence('topic-599'), { clients: 1, users: 1, list: [{ id: 'user-599', info: null, clients: 1 }], cursor: null }, 'still here two leases later')
  t.notOk(watcher.events.some(event => event.event === 'leave'), 'no leave')
  // Presence rides on the adapter's own connections: three per process, however many topics.
  const { Redis } = await import('ioredis')
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const names = String(await admin.call('CLIENT', 'LIST')).match(/ name=fastify-stream-\w+/g) ?? []
  t.equal(names.length, 6, `two processes, three connections each (${names.join(',')})`)
  for (const subscription of subscriptions) await subscription.return()
})

t.test('redis: a client Redis holds that this process does not (a lost leave) is put right', async t => {
  const { server } = await singleNode(t)
  const keyPrefix = `ghost${++prefixes}:`
  const kept = keepAdapter(await createRedisAdapter({ url: server.url, keyPrefix, presenceTtlMs: TTL_MS }))
  const hub = createHub({ adapter: kept.factory })
  t.teardown(() => hub.close())
  const { Redis } = await import('ioredis')
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  /** Adds a client of this process that it never had, as a lost leave would leave it. */
  const haunt = async (): Promise<void> => {
    const [clients] = await redis.keys(`${keyPrefix}{room}:presence:clients:*`)
    await redis.multi()
      .hset(clients!, 'ghost-client', 'ghost')
      .hset(`${keyPrefix}{room}:presence:users`, 'ghost', '1\nnull')
      .zadd(`${keyPrefix}{room}:presence:order`, 1000, 'ghost')
      .exec()
  }
  const gone = async (): Promise<boolean> => !(await hub.presence('room')).list.some(user => user.id === 'ghost')
  const ada = hub.subscribe('room', { presence: { id: 'ada' } })
  t.match(await hub.presence('room'), { clients: 1, users: 1 })
  await haunt()
  t.match(await hub.presence('room'), { clients: 2, users: 2 }, 'the ghost shows on the read that finds it')
  await pollUntil(gone, 'the ghost gone')
  t.same(await hub.presence('room'), { clients: 1, users: 1, list: [{ id: 'ada', info: null, clients: 1 }], cursor: null }, 'Ada stays')
  // Also when this process has no client left on the topic.
  await haunt()
  await ada.return()
  await pollUntil(gone, 'the ghost gone after the last client here left')
  t.match(await hub.presence('room'), { clients: 0, users: 0 })
  // The store is told only of clients it has; one it never had changes nothing.
  kept.adapter.presence!.leave('room', {})
  kept.adapter.presence!.leave('nowhere', {})
  t.match(await hub.presence('room'), { clients: 0, users: 0 })
})

t.test('redis: a presence key of the wrong type fails the read with a clear error, and nothing else', async t => {
  const { server } = await singleNode(t)
  const keyPrefix = `wrong${++prefixes}:`
  const hub = await hubOn(t, { url: server.url }, keyPrefix)
  const { Redis } = await import('ioredis')
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  await redis.set(`${keyPrefix}{room}:presence:users`, 'not a hash')
  const ada = hub.subscribe('room', { presence: { id: 'ada' } })
  await t.rejects(hub.presence('room'), { code: 'FST_STREAM_HUB_UNAVAILABLE', message: /refused the presence read/ })
  // The topic's events are unaffected, and so is presence elsewhere: also a second tab that
  // comes a turn later, while the first one's change waits for the topic's channel.
  const bob = hub.subscribe('hall', { presence: { id: 'bob' } })
  await new Promise(resolve => setImmediate(resolve))
  const bob2 = hub.subscribe('hall', { presence: { id: 'bob' } })
  const id = await hub.publish('room', 'still delivered')
  t.match(await ada.next(), { value: { id, data: 'still delivered' } })
  t.match(await hub.presence('hall'), { clients: 2, users: 1 })
  for (const subscription of [ada, bob, bob2]) await subscription.return()
})
