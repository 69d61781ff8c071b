// The Redis Streams adapter against a real redis-server: publish/subscribe through the
// stream, ids, one reader per topic per process, replay with XRANGE and its resets.
import { Redis } from 'ioredis'
import { frameOf } from '../helpers/frames.js'
import t, { type Test } from 'tap'
import { errors } from '../../lib/errors.js'
import type { PreparedEvent } from '../../lib/framing/prepared-event.js'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub } from '../../lib/hub/hub.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { deferred } from '../helpers/deferred.js'
import { dataOf, keepAdapter, recordingLogger, take } from '../helpers/hub.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

const FAST_RETRY = { retryStrategy: () => 50 }

let server: RedisServer
t.before(async () => { server = await startRedisServer() })
t.teardown(() => server.stop())

let hubs = 0

/** A hub on the test server with its own key prefix, closed in teardown. */
async function redisHub (t: Test, options: Parameters<typeof createHub>[0] = {}): Promise<Hub & { prefix: string }> {
  const prefix = `test${++hubs}:`
  const adapter = await createRedisAdapter({ url: server.url, keyPrefix: prefix, redisOptions: FAST_RETRY })
  const hub = createHub({ ...options, adapter })
  t.teardown(() => hub.close())
  return Object.assign(hub, { prefix })
}

t.test('events published through Redis reach subscribers in order with stream ids', async t => {
  const hub = await redisHub(t)
  const subscription = hub.subscribe('chat')
  const ids = []
  for (let i = 0; i < 50; i++) ids.push(await hub.publish('chat', { i }, { event: i % 2 === 0 ? 'even' : undefined }))
  for (const id of ids) t.match(id, /^\d+-\d+$/)
  const events = await take(subscription, 50) as PreparedEvent[]
  t.same(events.map(event => event.id), ids)
  t.same(dataOf(events), Array.from({ length: 50 }, (_, i) => ({ i })))
  t.equal(events[0]!.event, 'even')
  t.equal(events[1]!.event, undefined)
  t.equal(frameOf(events[0]!, 'sse')!.toString(), `event: even\nid: ${ids[0]}\ndata: {"i":0}\n\n`)
  t.equal(frameOf(events[1]!, 'ndjson')!.toString(), '{"i":1}\n')
  t.match(hub.stats().backend, { adapter: 'redis', state: 'ready', topics: 1, outages: 0 })
})

t.test('string data and custom serializer text survive the trip unchanged', async t => {
  const hub = await redisHub(t, { serializer: value => `<${JSON.stringify(value)}>` })
  const subscription = hub.subscribe('t')
  await hub.publish('t', 'plain "text"')
  await hub.publish('t', { a: 1 })
  const [text, object] = await take(subscription, 2) as PreparedEvent[]
  t.match(frameOf(text!, 'sse')!.toString(), /\ndata: plain "text"\n\n$/)
  t.equal(frameOf(text!, 'ndjson')!.toString(), '<"plain \\"text\\"">\n')
  t.match(frameOf(object!, 'sse')!.toString(), /\ndata: <\{"a":1\}>\n\n$/)
  t.equal(frameOf(object!, 'ndjson')!.toString(), '<{"a":1}>\n')
})

t.test('three connections per process, however many topics and subscribers', async t => {
  const hub = await redisHub(t)
  const topics = Array.from({ length: 50 }, (_, i) => `topic-${i}`)
  const subscriptions = topics.flatMap(topic => [hub.subscribe(topic), hub.subscribe(topic)])
  for (const topic of topics) await hub.publish(topic, topic)
  await Promise.all(subscriptions.map(subscription => take(subscription, 1)))
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const clients = String(await admin.call('CLIENT', 'LIST')).split('\n').filter(line => line.includes('name=fastify-stream-'))
  t.same(clients.map(line => /name=(\S+)/.exec(line)![1]).sort(), ['fastify-stream-publisher', 'fastify-stream-query', 'fastify-stream-subscriber'])
  t.equal(hub.stats().backend.topics, 50)
  await Promise.all(subscriptions.map(subscription => subscription.return()))
  t.equal(hub.stats().backend.topics, 0, 'followers stop with the last subscriber')
  // Keys of one topic share a hash slot (Redis Cluster) and expire with the history TTL.
  const keys = (await admin.call('KEYS', `${hub.prefix}{topic-1}*`) as string[]).sort()
  t.same(keys, [`${hub.prefix}{topic-1}:meta`, `${hub.prefix}{topic-1}:stream`])
  for (const key of keys) t.ok(Number(await admin.call('PTTL', key)) > 0, `${key} has a TTL`)
})

t.test('resume replays from the stream after the cursor, then live, with no gap or duplicate', async t => {
  const hub = await redisHub(t)
  const ids = []
  for (let i = 1; i <= 30; i++) ids.push(await hub.publish('t', i))
  const subscription = hub.subscribe('t', { lastEventId: ids[9] })
  const racing = (async () => { for (let i = 31; i <= 60; i++) await hub.publish('t', i) })()
  const events = await take(subscription, 50)
  await racing
  t.same(dataOf(events), Array.from({ length: 50 }, (_, i) => 11 + i))
  t.match(hub.stats(), { resumes: 1, resets: 0 })
})

t.test('a replay longer than one XRANGE page is read page by page', async t => {
  const hub = await redisHub(t, { historySize: 2000 })
  const first = await hub.publish('t', 0)
  for (let i = 1; i <= 1200; i++) await hub.publish('t', i)
  const subscription = hub.subscribe('t', { lastEventId: first })
  const events = await take(subscription, 1200)
  t.same(dataOf(events), Array.from({ length: 1200 }, (_, i) => i + 1))
})

t.test('cursors Redis cannot honour give a reset with the earliest retained id', async t => {
  const hub = await redisHub(t, { historySize: 10 })
  const ids = []
  for (let i = 1; i <= 5; i++) ids.push(await hub.publish('t', i))
  const [ms, seq] = ids[4]!.split('-')
  const cases: Array<[string, string]> = [
    ['garbage', 'invalid'],
    ['01-1', 'invalid'],
    ['1-0', 'expired'],
    [`${ms}-${Number(seq) + 1000}`, 'unknown'],
    [`${BigInt(ms!) + 10n ** 6n}-0`, 'unknown']
  ]
  for (const [cursor, reason] of cases) {
    const subscription = hub.subscribe('t', { lastEventId: cursor })
    const [reset] = await take(subscription, 1)
    t.equal(reset!.event, 'reset', cursor)
    t.same(reset!.data, { reason, earliest: ids[0] }, cursor)
    t.equal(reset!.id, ids[4])
    await subscription.return()
  }
  const empty = hub.subscribe('empty', { lastEventId: ids[0] })
  const [reset] = await take(empty, 1)
  t.same(reset!.data, { reason: 'unknown', earliest: null })
  t.equal(reset!.id, '')
})

t.test('a cursor already at the reader position, or from a stream trimmed by others', async t => {
  const hub = await redisHub(t, { historySize: 1 })
  const live = hub.subscribe('t')
  const ids = []
  for (let i = 1; i <= 3; i++) ids.push(await hub.publish('t', i))
  await take(live, 3)
  // The reader has delivered ids[2]: a client with that cursor needs nothing replayed.
  const current = hub.subscribe('t', { lastEventId: ids[2] })
  await hub.publish('t', 4)
  t.same(dataOf(await take(current, 1)), [4])
  await Promise.all([live.return(), current.return()])
})

t.test('a stream holding far more than historySize after the cursor is reported as expired', async t => {
  const hub = await redisHub(t, { historySize: 1 })
  const first = await hub.publish('t', 0)
  // Someone else appends without trimming: more entries than the history may hold.
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const streamKey = hub.prefix + '{t}:stream'
  const pipeline = admin.pipeline()
  for (let i = 0; i < 1600; i++) pipeline.call('XADD', streamKey, '*', 'j', String(i))
  await pipeline.exec()
  await hub.publish('t', 'after')
  const subscription = hub.subscribe('t', { lastEventId: first })
  const [reset] = await take(subscription, 1)
  // The hub's own publish after them trimmed the stream (MAXLEN ~ 1): the earliest moved on.
  t.match(reset!.data, { reason: 'expired', earliest: /^\d+-\d+$/ })
})

t.test('entries written by others decode on replay: unknown fields ignored, non-JSON text kept', async t => {
  const hub = await redisHub(t)
  const probe = await hub.publish('t', 'probe')
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const streamKey = hub.prefix + '{t}:stream'
  await admin.call('XADD', streamKey, '*', 'x', 'y')
  await admin.call('XADD', streamKey, '*', 'j', 'not json')
  await hub.publish('t', 'after')
  const subscription = hub.subscribe('t', { lastEventId: probe })
  const [foreign, text, after] = await take(subscription, 3) as PreparedEvent[]
  t.equal(foreign!.data, null)
  t.equal(frameOf(foreign!, 'ndjson')!.toString(), 'null\n')
  t.equal(text!.data, 'not json')
  t.equal(frameOf(text!, 'ndjson')!.toString(), 'not json\n')
  t.equal(after!.data, 'after')
})

t.test('a duplicated ioredis client works too (RESP2 replies), and is left alone', async t => {
  const client = new Redis(server.url, { protocol: 2, lazyConnect: true })
  t.teardown(() => client.disconnect())
  const adapter = await createRedisAdapter({ client, keyPrefix: 'dup:' })
  const hub = createHub({ adapter })
  const subscription = hub.subscribe('t')
  const ids = []
  for (let i = 0; i < 5; i++) ids.push(await hub.publish('t', i))
  t.same(dataOf(await take(subscription, 5)), [0, 1, 2, 3, 4])
  const resumed = hub.subscribe('t', { lastEventId: ids[1] })
  t.same(dataOf(await take(resumed, 3)), [2, 3, 4])
  await hub.close()
  t.equal(client.status, 'wait', 'the original client was never connected or closed by the adapter')
})

t.test('a publish Redis refuses rejects with FST_STREAM_HUB_UNAVAILABLE; close lets in-flight ones finish', async t => {
  const kept = keepAdapter(await createRedisAdapter({ url: server.url, keyPrefix: 'err:' }))
  const hub = createHub({ adapter: kept.factory })
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  // A key of the wrong type makes the script fail: Redis ran nothing, so nothing was stored.
  await admin.call('SET', 'err:{wrong}:stream', 'not a stream')
  await t.rejects(hub.publish('wrong', 1), { code: 'FST_STREAM_HUB_UNAVAILABLE', message: /Redis refused the event/ })
  t.equal(await admin.call('HGET', 'err:{wrong}:meta', 'last'), null, 'and nothing half-done either')
  await admin.call('DEL', 'err:{wrong}:stream')
  const subscription = hub.subscribe('wrong')
  await hub.publish('wrong', 'fixed')
  t.same(dataOf(await take(subscription, 1)), ['fixed'])
  // Pausing writes on the server keeps the script in flight while the hub closes: closing
  // ends the connection gracefully, so an accepted publish still gets its answer.
  await admin.call('CLIENT', 'PAUSE', 10_000, 'WRITE')
  const inFlight = hub.publish('wrong', 'late')
  await hub.close()
  await admin.call('CLIENT', 'UNPAUSE')
  t.match(await inFlight, /^\d+-\d+$/)
  await t.rejects(hub.publish('wrong', 1), errors.FST_STREAM_HUB_CLOSED)
  t.equal(hub.stats().backend.state, 'closed')
  await kept.adapter.close()
})

t.test('createRedisAdapter validates its options', async t => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /"options" must be an object/],
    [{}, /"url" or "client" is required/],
    [{ url: server.url, client: {} }, /"url" or "client"/],
    [{ url: 'http://x' }, /redis:\/\/ or rediss:\/\//],
    [{ url: 5 }, /"url"/],
    [{ client: {} }, /"client" must be an ioredis client/],
    [{ client: null }, /"client"/],
    [{ url: server.url, keyPrefix: 'x'.repeat(65) }, /"keyPrefix"/],
    [{ url: server.url, keyPrefix: 1 }, /"keyPrefix"/],
    [{ url: server.url, keyPrefix: 'a{b}' }, /"keyPrefix".*without braces/],
    [{ url: server.url, checkIntervalMs: 5 }, /"checkIntervalMs" must be an integer from 10/],
    [{ url: server.url, presenceTtlMs: 100 }, /"presenceTtlMs" must be an integer from 300 to 600000/],
    [{ url: server.url, presenceTtlMs: '15s' }, /"presenceTtlMs"/],
    [{ url: server.url, publishTimeoutMs: -1 }, /"publishTimeoutMs"/],
    [{ url: server.url, connectTimeoutMs: 'soon' }, /"connectTimeoutMs"/],
    [{ url: server.url, redisOptions: null }, /"redisOptions"/],
    [{ url: server.url, host: 'x' }, /"host" is not a Redis adapter option/]
  ]
  for (const [options, message] of bad) {
    await t.rejects(createRedisAdapter(options as never), { code: 'FST_STREAM_INVALID_OPTION', message }, JSON.stringify(options))
  }
  const kept = keepAdapter(await createRedisAdapter({ url: server.url }))
  const hub = createHub({ adapter: kept.factory })
  t.throws(() => createHub({ adapter: kept.factory }), { code: 'FST_STREAM_INVALID_OPTION', message: /already belongs to a hub; create one adapter per hub/ })
  const adapter = kept.adapter
  // Asked directly: a retained cursor with no position yet (empty stream then) replays nothing.
  const id = await hub.publish('direct', 1)
  t.same(await adapter.replay('direct', id, undefined), { events: [] })
  // Closing the adapter under a hub stops its readers and refuses publishes.
  const subscription = hub.subscribe('t')
  await adapter.close()
  await adapter.close()
  t.equal(adapter.status().topics, 0)
  await t.rejects(hub.publish('t', 1), errors.FST_STREAM_HUB_CLOSED)
  await subscription.return()
  await hub.close()
})

t.test('the connections are watched from createRedisAdapter() on: an outage before the hub exists is in its stats', async t => {
  const own = await startRedisServer()
  t.teardown(() => own.stop())
  // ioredis asks retryStrategy right after it emits 'close': once each of the three
  // connections asked for its first retry, the publisher's close has been seen.
  const closed = deferred()
  let firstRetries = 0
  const retryStrategy = (times: number): number => {
    if (times === 1 && ++firstRetries === 3) closed.resolve()
    return 50
  }
  const factory = await createRedisAdapter({ url: own.url, redisOptions: { retryStrategy } })
  await own.kill()
  await closed.promise
  const logger = recordingLogger()
  const hub = createHub({ adapter: factory, logger })
  t.teardown(() => hub.close())
  t.match(hub.stats().backend, { adapter: 'redis', state: 'down', outages: 1, lastError: String })
  await t.rejects(hub.publish('t', 1), errors.FST_STREAM_HUB_UNAVAILABLE)
  await own.start()
  await logger.waitFor('Redis connection ready')
  t.match(hub.stats().backend, { state: 'ready', outages: 1 })
  const states = logger.lines.filter(line => line.msg.includes('Redis connection')).map(line => line.msg)
  t.same(states, ['fastify-stream hub: Redis connection ready'], 'the hub logs the changes after it was made')
  t.match(await hub.publish('t', 1), /^\d+-\d+$/)
  await hub.close()
})

t.test('createRedisAdapter fails with FST_STREAM_HUB_UNAVAILABLE when Redis does not answer', async t => {
  const dead = await startRedisServer()
  await dead.stop()
  await t.rejects(
    createRedisAdapter({ url: dead.url, connectTimeoutMs: 300, redisOptions: FAST_RETRY }),
    { code: 'FST_STREAM_HUB_UNAVAILABLE', message: /did not answer within 300 ms/ })
})

t.test('without ioredis installed, a url fails with a clear message', async t => {
  // ioredis is imported where the connections are opened, one module below the adapter.
  const links = await t.mockImport<typeof import('../../lib/hub/redis/links.js')>('../../lib/hub/redis/links.js', { ioredis: {} })
  const { createRedisAdapter: withoutIoredis } = await t.mockImport<typeof import('../../lib/hub/redis/adapter.js')>(
    '../../lib/hub/redis/adapter.js', { '../../lib/hub/redis/links.js': links })
  await t.rejects(withoutIoredis({ url: server.url }), { code: 'FST_STREAM_INVALID_OPTION', message: /npm install ioredis/ })
})
