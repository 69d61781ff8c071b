// The Redis engine's rarer paths against a real redis-server: a subscribe Redis refuses (an
// ACL), a repair that fails and is retried, a catch-up longer than one page, a replay that
// reaches past the history, and messages on the channels that are not ours.
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { type SseEvent } from '../../lib/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub } from '../../lib/hub/hub.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { parseNotification } from '../../lib/hub/redis/publish-script.js'
import { topicOfChannel } from '../../lib/hub/redis/keys.js'
import { PUBLISH_SCRIPT_FOR_TESTS } from '../helpers/redis-engine.js'
import { dataOf, take } from '../helpers/hub.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

const FAST_RETRY = { retryStrategy: () => 50 }
let server: RedisServer
let redis: Redis
let prefixes = 0
t.before(async () => {
  server = await startRedisServer()
  redis = new Redis(server.url)
})
t.teardown(async () => {
  redis.disconnect()
  await server.stop()
})

async function hubOn (t: Test, prefix: string, options: Parameters<typeof createHub>[0] = {}): Promise<Hub> {
  const adapter = await createRedisAdapter({ url: server.url, keyPrefix: prefix, redisOptions: FAST_RETRY })
  const hub = createHub({ ...options, adapter })
  t.teardown(() => hub.close())
  return hub
}

async function until (condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise(resolve => setTimeout(resolve, 10))
  if (!condition()) throw new Error('condition not reached within 5 s')
}

t.test('only the adapter\'s own channels and notifications are read', async t => {
  t.equal(topicOfChannel('p:', 'p:{chat}:events'), 'chat')
  t.equal(topicOfChannel('p:', 'other:{chat}:events'), '')
  t.equal(topicOfChannel('p:', 'p:{chat}:other'), '')
  t.equal(parseNotification('not\na notification'), undefined)
  t.same(parseNotification('e\n\n1-0\ns\n=ev\nline one\nline two'), { epoch: 'e', previous: '', id: '1-0', fields: ['s', 'line one\nline two', 'e', 'ev'] })
  // Another publisher's messages on a channel of ours are ignored, not delivered as garbage.
  const prefix = `edge${++prefixes}:`
  const hub = await hubOn(t, prefix)
  const subscription = hub.subscribe('t')
  await hub.publish('t', 'first')
  await take(subscription, 1)
  await redis.publish(`${prefix}{t}:events`, 'hello')
  await redis.publish(`${prefix}{other}:events`, 'hello')
  await hub.publish('t', 'second')
  t.same(dataOf(await take(subscription, 1)), ['second'])
})

t.test('a SUBSCRIBE that Redis refuses is retried until it works', async t => {
  const hub = await hubOn(t, `edge${++prefixes}:`)
  await redis.call('ACL', 'SETUSER', 'default', 'resetchannels')
  t.teardown(() => redis.call('ACL', 'SETUSER', 'default', 'allchannels'))
  const subscription = hub.subscribe('t')
  await until(() => /NOPERM|permission/i.test(hub.stats().backend.lastError ?? ''))
  await redis.call('ACL', 'SETUSER', 'default', 'allchannels')
  // Once subscribed, the follower starts from the position it read when it was created.
  await until(() => hub.stats().backend.topics === 1)
  let id: string | undefined
  for (let attempt = 0; attempt < 100 && id === undefined; attempt++) {
    id = await hub.publish('t', 'through').catch(() => undefined)
  }
  const [event] = await take(subscription, 1)
  t.equal(event!.data, 'through')
})

t.test('a repair that fails (a key of the wrong type) is retried, then reports the loss', async t => {
  const prefix = `edge${++prefixes}:`
  const hub = await hubOn(t, prefix)
  const subscription = hub.subscribe('t')
  const first = await hub.publish('t', 'first')
  await take(subscription, 1)
  const stream = `${prefix}{t}:stream`
  await redis.del(stream)
  await redis.set(stream, 'not a stream')
  // A notification whose previous id is not the last one delivered: the follower repairs,
  // and XRANGE on a string fails until the key is fixed.
  const [ms] = first.split('-')
  await redis.publish(`${prefix}{t}:events`, `${'e'}\n${ms}-5\n${ms}-6\nj\n\n"odd"`)
  // No event says that a repair failed (the reply error stays inside the follower): a window
  // long enough for one failed attempt and its 500 ms retry timer.
  await new Promise(resolve => setTimeout(resolve, 700))
  await redis.del(stream)
  await hub.publish('t', 'after')
  const events: SseEvent[] = []
  while (events.at(-1)?.data !== 'after' && events.length < 10) events.push(...await take(subscription, 1))
  t.equal(events[0]!.event, 'reset', 'the last delivered event is gone: a reset')
  t.equal(events.at(-1)!.data, 'after', 'and delivery goes on')
})

t.test('a gap after the whole stream is gone: one reset with no earliest id, then the event that revealed it', async t => {
  const prefix = `edge${++prefixes}:`
  const hub = await hubOn(t, prefix)
  const subscription = hub.subscribe('t')
  const first = await hub.publish('t', 'first')
  await take(subscription, 1)
  await redis.del(`${prefix}{t}:stream`, `${prefix}{t}:meta`)
  const [ms] = first.split('-')
  // Announced by someone whose previous event this process never saw, in a new epoch.
  await redis.publish(`${prefix}{t}:events`, `other-epoch\n${ms}-7\n${ms}-8\nj\n\n"revealing"`)
  const [reset, revealing] = await take(subscription, 2)
  t.equal(reset!.event, 'reset')
  t.same(reset!.data, { reason: 'stale', earliest: null })
  t.equal(revealing!.data, 'revealing', 'the event that revealed the gap is delivered once, not repaired for ever')
  t.equal(hub.stats().resets, 1)
})

t.test('a topic whose position cannot be read starts from its stream', async t => {
  const prefix = `edge${++prefixes}:`
  const hub = await hubOn(t, prefix)
  await redis.set(`${prefix}{t}:meta`, 'not a hash')
  const subscription = hub.subscribe('t')
  await until(() => /WRONGTYPE/.test(hub.stats().backend.lastError ?? '') || hub.stats().backend.topics === 1)
  await new Promise(resolve => setTimeout(resolve, 100))
  await redis.del(`${prefix}{t}:meta`)
  let published = false
  for (let attempt = 0; attempt < 100 && !published; attempt++) published = await hub.publish('t', 'works').then(() => true, () => false)
  t.ok(published)
  t.same(dataOf(await take(subscription, 1)), ['works'])
})

t.test('a catch-up longer than one page is read page by page, in order', async t => {
  const prefix = `edge${++prefixes}:`
  const hub = await hubOn(t, prefix, { historySize: 5000 })
  const subscription = hub.subscribe('t')
  await hub.publish('t', -1)
  await take(subscription, 1)
  const keys = [`${prefix}{t}:stream`, `${prefix}{t}:meta`, `${prefix}{t}:meta`, 'nowhere']
  const pipeline = redis.pipeline()
  for (let i = 0; i < 1200; i++) pipeline.eval(PUBLISH_SCRIPT_FOR_TESTS, 4, ...keys, 5000, 60_000, 'unused', '0', 'PUBLISH', 'j', String(i), '')
  await pipeline.exec()
  await hub.publish('t', 1200)
  t.same(dataOf(await take(subscription, 1201)), Array.from({ length: 1201 }, (_, i) => i))
})

t.test('a replay reaching past what the history may hold is an expired reset', async t => {
  const prefix = `edge${++prefixes}:`
  // One hub keeps a long stream (nothing trims it); the other keeps one event of history.
  const writer = await hubOn(t, prefix, { historySize: 5000 })
  const reader = await hubOn(t, prefix, { historySize: 1 })
  const first = await writer.publish('t', 0)
  for (let i = 1; i <= 1600; i++) await writer.publish('t', i)
  const subscription = reader.subscribe('t', { lastEventId: first })
  const [reset] = await take(subscription, 1)
  t.equal(reset!.event, 'reset')
  t.match(reset!.data, { reason: 'expired' })
})
