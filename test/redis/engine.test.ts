// The Redis engine at scale and under faults, against real redis-server processes: connections
// do not grow with topics, a publish is one script call, gaps are repaired from the stream or
// reported as resets, and a publish error says whether the event may have been stored.
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { createHub, createRedisAdapter, errors, PUBLISH_SCRIPT_FOR_TESTS, type Hub, type SseEvent } from '../helpers/redis-engine.js'
import { dataOf, take } from '../helpers/hub.js'
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../helpers/redis-server.js'

const FAST_RETRY = { retryStrategy: () => 50 }
let prefixes = 0

/** A hub on `server` with its own key prefix, closed in teardown. */
async function redisHub (t: Test, server: RedisServer, options: Parameters<typeof createHub>[0] = {}, adapterOptions: object = {}): Promise<Hub & { prefix: string }> {
  const prefix = `engine${++prefixes}:`
  const adapter = await createRedisAdapter({ url: server.url, keyPrefix: prefix, redisOptions: FAST_RETRY, ...adapterOptions })
  const hub = createHub({ ...options, adapter })
  t.teardown(() => hub.close())
  return Object.assign(hub, { prefix })
}

async function serverFor (t: Test, options?: RedisServerOptions): Promise<RedisServer> {
  const server = await startRedisServer(options)
  t.teardown(() => server.stop())
  return server
}

function admin (t: Test, server: RedisServer): Redis {
  const client = new Redis(server.url, FAST_RETRY)
  t.teardown(() => client.disconnect())
  return client
}

/**
 * Publishes with the adapter's own script, but announces on a channel nobody listens to:
 * the event is stored and every hub misses its notification, as after a lost message.
 */
async function publishUnheard (redis: Redis, hub: Hub & { prefix: string }, payload: string, maxLength: number): Promise<void> {
  const keys = [`${hub.prefix}{t}:stream`, `${hub.prefix}{t}:meta`, `${hub.prefix}{t}:meta`, 'nowhere']
  await redis.eval(PUBLISH_SCRIPT_FOR_TESTS, 4, ...keys, maxLength, 60_000, 'unused', '0', 'PUBLISH', 'j', payload, '')
}

/** A hub with one live subscriber of topic `t` that has received one event. */
async function followedHub (t: Test, historySize?: number): Promise<{ hub: Hub & { prefix: string }, redis: Redis, subscription: ReturnType<Hub['subscribe']> }> {
  const server = await serverFor(t)
  const hub = await redisHub(t, server, historySize === undefined ? {} : { historySize })
  const subscription = hub.subscribe('t')
  await hub.publish('t', 'seen')
  await take(subscription, 1)
  return { hub, redis: admin(t, server), subscription }
}

async function commandCalls (client: Redis, command: string): Promise<number> {
  const stats = String(await client.call('INFO', 'commandstats'))
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
}

t.test('10,000 topics: three connections, every probe delivered, and idle Redis does next to nothing', async t => {
  const server = await serverFor(t)
  const hub = await redisHub(t, server)
  const redis = admin(t, server)
  const topics = Array.from({ length: 10_000 }, (_, i) => `room-${i}`)
  const subscriptions = topics.map(topic => hub.subscribe(topic))
  for (let i = 0; i < topics.length; i += 500) await Promise.all(topics.slice(i, i + 500).map(topic => hub.publish(topic, topic)))
  const firsts = await Promise.all(subscriptions.map(subscription => take(subscription, 1)))
  t.same(firsts.map(events => events[0]!.data), topics, 'each topic got its own probe')
  const names = String(await redis.call('CLIENT', 'LIST')).split('\n').filter(line => line.includes('name=fastify-stream-'))
  t.equal(names.length, 3, 'publisher, query and subscriber: the same three at 10,000 topics')
  const before = Number(/total_commands_processed:(\d+)/.exec(String(await redis.call('INFO', 'stats')))![1])
  await new Promise(resolve => setTimeout(resolve, 1000))
  const after = Number(/total_commands_processed:(\d+)/.exec(String(await redis.call('INFO', 'stats')))![1])
  // The INFO calls themselves count; the adapter's periodic check reads at most 500 topics
  // every 5 s. An XREAD per topic would be thousands.
  t.ok(after - before < 600, `idle for 1 s: ${after - before} commands`)
  await Promise.all(subscriptions.map(subscription => subscription.return()))
})

t.test('a publish is one EVALSHA, loaded once', async t => {
  const server = await serverFor(t)
  const hub = await redisHub(t, server)
  const redis = admin(t, server)
  await hub.publish('warm', 0)
  const before = await commandCalls(redis, 'evalsha')
  const evalBefore = await commandCalls(redis, 'eval')
  for (let i = 0; i < 100; i++) await hub.publish('t', i)
  t.equal(await commandCalls(redis, 'evalsha') - before, 100, 'one script call per publish')
  t.equal(await commandCalls(redis, 'eval') - evalBefore, 0, 'the script body is not sent again')
})

t.test('a lost notification is seen from the next one\'s previous id and repaired from the stream', async t => {
  const { hub, redis, subscription } = await followedHub(t)
  await publishUnheard(redis, hub, '2', 1000)
  await hub.publish('t', 3)
  t.same(dataOf(await take(subscription, 2)), [2, 3], 'the missed event first, then the next, in order')
})

t.test('a gap the stream no longer holds becomes a reset for live subscribers, never a silent jump', async t => {
  const { hub, redis, subscription } = await followedHub(t, 1)
  // Hundreds of missed events, trimmed away to about one: the last one seen is gone.
  for (let i = 0; i < 300; i++) await publishUnheard(redis, hub, String(i), 1)
  await hub.publish('t', 'next')
  // The reset comes first; then what the stream still holds (trimming is approximate), in
  // order, then the next event.
  const events: SseEvent[] = []
  while (events.at(-1)?.data !== 'next' && events.length < 400) events.push(...await take(subscription, 1))
  t.equal(events[0]!.event, 'reset', 'a reset came first')
  t.match(events[0]!.data, { reason: 'expired' })
  const kept = events.slice(1, -1).map(event => Number(event.data))
  t.same(kept, kept.slice().sort((a, b) => a - b), 'what is still there arrives in order')
  t.ok(kept.length < 300, `only what the stream kept (${kept.length} of 300)`)
  t.equal(events.at(-1)!.data, 'next')
})

t.test('CLIENT KILL TYPE pubsub: what was published while the link was down is delivered', async t => {
  const server = await serverFor(t)
  const hub = await redisHub(t, server)
  const redis = admin(t, server)
  const subscription = hub.subscribe('t')
  await hub.publish('t', 0)
  await take(subscription, 1)
  await redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
  for (let i = 1; i <= 20; i++) await hub.publish('t', i)
  const events = await take(subscription, 20)
  t.same(dataOf(events), Array.from({ length: 20 }, (_, i) => i + 1), 'all of them, once, in order')
  t.notOk(events.some(event => event.event === 'reset'), 'nothing was lost, so no reset')
})

t.test('SIGSTOP past the publish timeout: the outcome is unknown, the event lands, a retry with its key is safe', async t => {
  const server = await serverFor(t)
  const hub = await redisHub(t, server, {}, { publishTimeoutMs: 300 })
  const listener = hub.subscribe('t')
  const first = await hub.publish('t', 'before')
  await take(listener, 1)
  await server.pause()
  await t.rejects(hub.publish('t', 'during', { idempotencyKey: 'order-42' }), { code: 'FST_STREAM_HUB_OUTCOME_UNKNOWN', message: /may or may not be stored/ })
  // Joiners during the stall: with a cursor, and without.
  const joinerWithCursor = hub.subscribe('t', { lastEventId: first })
  const joiner = hub.subscribe('late-topic')
  server.resume()
  const retried = await hub.publish('t', 'during', { idempotencyKey: 'order-42' })
  await hub.publish('t', 'after')
  t.same(dataOf(await take(listener, 2)), ['during', 'after'], 'the timed-out publish ran once; the retry stored nothing')
  const resumed = await take(joinerWithCursor, 2)
  t.same(dataOf(resumed), ['during', 'after'], 'the joiner with a cursor got every event after it')
  t.equal(resumed[0]!.id, retried, 'the retry answered with the first publish\'s id')
  await hub.publish('late-topic', 'x')
  t.same(dataOf(await take(joiner, 1)), ['x'])
})

t.test('while Redis is down a publish is certainly not stored: FST_STREAM_HUB_UNAVAILABLE', async t => {
  const server = await serverFor(t)
  const hub = await redisHub(t, server)
  await server.kill()
  // Until the client has seen the connection drop, a publish may still be sent, and its
  // outcome is then unknown; once it has, nothing is sent.
  while (hub.stats().backend.state !== 'down') await new Promise(resolve => setTimeout(resolve, 10))
  await t.rejects(hub.publish('t', 1), errors.FST_STREAM_HUB_UNAVAILABLE)
  await server.start()
})

// A killed process loses nothing either way: Redis writes the file before it replies, and
// the kernel keeps what was written. (`everysec` may lose up to a second when the machine
// itself fails, which a test cannot show.)
for (const appendfsync of ['always', 'everysec'] as const) {
  t.test(`SIGKILL and restart with AOF (appendfsync ${appendfsync}): nothing acknowledged is lost and no reset is needed`, async t => {
    const server = await serverFor(t, { appendonly: true, appendfsync })
    const hub = await redisHub(t, server)
    const subscription = hub.subscribe('t')
    const ids = []
    for (let i = 0; i < 5; i++) ids.push(await hub.publish('t', i))
    await take(subscription, 5)
    await server.kill()
    await server.start()
    let published = 5
    // Publish as soon as the publisher is back; the follower catches up after its own reconnect.
    while (published < 10) {
      try {
        ids.push(await hub.publish('t', published))
        published++
      } catch (err) {
        if ((err as { code?: string }).code !== 'FST_STREAM_HUB_UNAVAILABLE') throw err
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
    const events = await take(subscription, 5)
    t.same(dataOf(events), [5, 6, 7, 8, 9])
    const resumed = hub.subscribe('t', { lastEventId: ids[2] })
    t.same(dataOf(await take(resumed, 7)), [3, 4, 5, 6, 7, 8, 9], 'history survived the restart')
  })
}

t.test('idempotency keys and the history TTL on Redis', async t => {
  const server = await serverFor(t)
  const hub = await redisHub(t, server, { historyTtlMs: 400 })
  const redis = admin(t, server)
  const subscription = hub.subscribe('t')
  const first = await hub.publish('t', 'once', { idempotencyKey: 'k1' })
  t.equal(await hub.publish('t', 'once', { idempotencyKey: 'k1' }), first, 'a repeat returns the first id')
  const other = await hub.publish('t', 'other', { idempotencyKey: 'k2' })
  t.not(other, first)
  t.same(dataOf(await take(subscription, 2)), ['once', 'other'], 'subscribers saw the repeated one once')
  await t.rejects(hub.publish('t', 1, { idempotencyKey: 'has space' }), { code: 'FST_STREAM_INVALID_OPTION', message: /idempotencyKey/ })
  for (const key of [`${hub.prefix}{t}:stream`, `${hub.prefix}{t}:meta`, `${hub.prefix}{t}:idem:k1`]) {
    const ttl = Number(await redis.call('PTTL', key))
    t.ok(ttl > 0 && ttl <= 400, `${key} expires (${ttl} ms)`)
  }
  await subscription.return()
  await hub.close()
  // Keys outlive close() only until their TTL.
  while (Number(await redis.call('EXISTS', `${hub.prefix}{t}:stream`)) === 1) await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(Number(await redis.call('EXISTS', `${hub.prefix}{t}:idem:k1`)), 0, 'the idempotency key expired with them')
})
