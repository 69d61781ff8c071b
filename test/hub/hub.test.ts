// The in-memory hub: ordering, ids, encode-once, topic checks, options, stats and close.
import { frameOf } from '../helpers/frames.js'
import t from 'tap'
import { errors } from '../../lib/errors.js'
import { isPreparedEvent, type PreparedEvent } from '../../lib/framing/prepared-event.js'
import { createHub, isHub } from '../../lib/hub/create-hub.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { MAX_TOPIC_LENGTH } from '../../lib/hub/topic-name.js'
import { EventQueue } from '../../lib/hub/event-queue.js'
import { dataOf, keepAdapter, take } from '../helpers/hub.js'

t.test('subscribers get every event in publish order, with the ids publish returned', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const first = hub.subscribe('orders')
  const second = hub.subscribe('orders')
  const ids: string[] = []
  for (let i = 0; i < 100; i++) ids.push(await hub.publish('orders', { i }))
  for (const subscription of [first, second]) {
    const events = await take(subscription, 100)
    t.same(dataOf(events), Array.from({ length: 100 }, (_, i) => ({ i })))
    t.same(events.map(event => event.id), ids)
  }
  t.same(await Promise.all([first.return(), second.return()]), [{ done: true, value: undefined }, { done: true, value: undefined }])
})

t.test('ids are ASCII, strictly increasing per topic, and carry an epoch per hub', async t => {
  const hub = createHub()
  const other = createHub()
  t.teardown(() => Promise.all([hub.close(), other.close()]))
  const ids = []
  for (let i = 0; i < 20; i++) ids.push(await hub.publish(i % 2 === 0 ? 'a' : 'b', i))
  const epoch = ids[0]!.split('-')[0]
  for (const id of ids) {
    t.match(id, /^[0-9a-f]{12}-[1-9][0-9]*$/)
    t.equal(id.split('-')[0], epoch)
  }
  const seqs = ids.map(id => Number(id.split('-')[1]))
  t.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), 'increasing')
  t.not((await other.publish('a', 1)).split('-')[0], epoch, 'another hub has another epoch')
})

t.test('other topics are not delivered', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('mine')
  await hub.publish('theirs', 'no')
  await hub.publish('mine', 'yes')
  t.same(dataOf(await take(subscription, 1)), ['yes'])
})

t.test('encode once: every subscriber gets the identical event and Buffer per format', async t => {
  let serialized = 0
  const hub = createHub({ serializer: value => { serialized++; return JSON.stringify(value) } })
  t.teardown(() => hub.close())
  const subscriptions = [hub.subscribe('t'), hub.subscribe('t'), hub.subscribe('t')]
  await hub.publish('t', { n: 1 }, { event: 'tick' })
  const events = await Promise.all(subscriptions.map(async subscription => (await take(subscription, 1))[0] as PreparedEvent))
  t.ok(events.every(isPreparedEvent), 'prepared events, so the pump writes their cached frames')
  const sse = events.map(event => frameOf(event, 'sse'))
  const ndjson = events.map(event => frameOf(event, 'ndjson'))
  t.ok(sse[0] === sse[1] && sse[1] === sse[2], 'the identical SSE Buffer object')
  t.ok(ndjson[0] === ndjson[1] && ndjson[1] === ndjson[2], 'the identical NDJSON Buffer object')
  t.equal(sse[0]!.toString(), `event: tick\nid: ${events[0]!.id}\ndata: {"n":1}\n\n`)
  t.equal(ndjson[0]!.toString(), '{"n":1}\n')
  t.equal(serialized, 1, 'serialized once, at publish, for all formats and subscribers')
  t.equal(frameOf(events[0]!, 'csv'), undefined, 'CSV falls back to the normal encoder')
  // A value other than the event's own data still goes through the serializer.
  t.equal((events[0] as unknown as { serialize: (value: unknown) => string }).serialize([1]), '[1]')
  t.equal(serialized, 2)
})

t.test('string data is sent as it is in SSE and as a JSON string in NDJSON', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t')
  await hub.publish('t', 'hello "you"')
  const [event] = await take(subscription, 1) as PreparedEvent[]
  t.match(frameOf(event!, 'sse')!.toString(), /\ndata: hello "you"\n\n$/)
  t.equal(frameOf(event!, 'ndjson')!.toString(), '"hello \\"you\\""\n')
})

t.test('publish checks its input and rejects without storing anything', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t')
  await t.rejects(hub.publish('t', 1, { event: 'a\nb' }), errors.FST_STREAM_INVALID_EVENT)
  await t.rejects(hub.publish('t', 1, { event: 7 as unknown as string }), errors.FST_STREAM_INVALID_EVENT)
  await t.rejects(hub.publish('t', 10n), errors.FST_STREAM_UNSERIALIZABLE)
  await t.rejects(hub.publish('t', undefined), errors.FST_STREAM_UNSERIALIZABLE)
  await t.rejects(hub.publish('bad topic', 1), errors.FST_STREAM_INVALID_TOPIC)
  t.equal(hub.stats().published, 0)
  await hub.publish('t', 'ok')
  t.same(dataOf(await take(subscription, 1)), ['ok'], 'nothing rejected was delivered')
})

t.test('topic names are bounded in length and charset', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  for (const good of ['a', 'chat', 'room:42.x_y-z', 'A'.repeat(MAX_TOPIC_LENGTH)]) {
    t.doesNotThrow(() => hub.subscribe(good).return(), good)
  }
  const bad: unknown[] = ['', 'a b', 'a/b', 'é', 'a\nb', '{x}', 'A'.repeat(MAX_TOPIC_LENGTH + 1), 7, null, undefined]
  for (const topic of bad) {
    t.throws(() => hub.subscribe(topic as string), errors.FST_STREAM_INVALID_TOPIC, String(topic))
    await t.rejects(hub.publish(topic as string, 1), errors.FST_STREAM_INVALID_TOPIC)
  }
  t.throws(() => hub.subscribe('x'.repeat(500)), { message: /a string of 500 characters/ }, 'a long name is not echoed')
  t.throws(() => hub.subscribe(null as unknown as string), { message: /got null/ })
})

t.test('stats count topics, subscribers, published, delivered and the backend', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const empty = hub.stats()
  t.match(empty, { topics: 0, subscribers: 0, queued: 0, published: 0, delivered: 0, drops: 0, disconnects: 0, resumes: 0, resets: 0 })
  t.match(empty.backend, { adapter: 'memory', state: 'ready', topics: 0, outages: 0 })
  t.type(empty.backend.since, 'number')
  const a = hub.subscribe('a')
  const b = hub.subscribe('a')
  const c = hub.subscribe('b')
  await hub.publish('a', 1)
  await hub.publish('a', 2)
  t.match(hub.stats(), { topics: 2, subscribers: 3, published: 2, queued: 4, delivered: 0 })
  await take(a, 2)
  await take(b, 1)
  t.match(hub.stats(), { queued: 1, delivered: 3 })
  await Promise.all([a.return(), b.return(), c.return()])
  t.match(hub.stats(), { topics: 0, subscribers: 0, queued: 0 })
})

t.test('an idle topic with no history frees its memory; publishing to it is cheap', async t => {
  const hub = createHub({ historySize: 0 })
  t.teardown(() => hub.close())
  await hub.publish('nobody', 1)
  t.equal(hub.stats().backend.topics, 0, 'publishing to a topic nobody follows keeps nothing')
  const subscription = hub.subscribe('chat')
  t.equal(hub.stats().backend.topics, 1)
  await hub.publish('chat', 1)
  await take(subscription, 1)
  await subscription.return()
  t.match(hub.stats(), { topics: 0, subscribers: 0 })
  t.equal(hub.stats().backend.topics, 0, 'nothing left of the topic')
  // Ids stay unique when the topic comes back.
  const again = hub.subscribe('chat')
  const id = await hub.publish('chat', 2)
  t.equal(id.split('-')[1], '3')
  await again.return()
})

t.test('a topic with history keeps only its history once idle', async t => {
  const hub = createHub({ historySize: 3 })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t')
  for (let i = 0; i < 10; i++) await hub.publish('t', i)
  await subscription.return()
  t.match(hub.stats(), { topics: 0, subscribers: 0, queued: 0 })
  t.equal(hub.stats().backend.topics, 1, 'the history stays for resumes')
})

t.test('concurrent next() calls are answered in order', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t')
  const first = subscription.next()
  const second = subscription.next()
  await hub.publish('t', 'a')
  await hub.publish('t', 'b')
  t.same([(await first).value?.data, (await second).value?.data], ['a', 'b'])
})

t.test('for await works and break releases the subscription', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const seen: unknown[] = []
  const reading = (async () => {
    for await (const event of hub.subscribe('t')) {
      seen.push(event.data)
      if (seen.length === 3) break
    }
  })()
  for (let i = 0; i < 3; i++) await hub.publish('t', i)
  await reading
  t.same(seen, [0, 1, 2])
  t.equal(hub.stats().subscribers, 0)
})

t.test('close ends subscriptions with FST_STREAM_HUB_CLOSED and refuses new work', async t => {
  const hub = createHub()
  const waiting = hub.subscribe('t')
  const pending = waiting.next()
  const idle = hub.subscribe('t')
  const closing = hub.close()
  t.equal(hub.close(), closing, 'idempotent')
  await closing
  await t.rejects(pending, errors.FST_STREAM_HUB_CLOSED)
  t.same(await waiting.next(), { done: true, value: undefined }, 'then done')
  await t.rejects(idle.next(), errors.FST_STREAM_HUB_CLOSED)
  t.same(await idle.next(), { done: true, value: undefined })
  await t.rejects(hub.publish('t', 1), errors.FST_STREAM_HUB_CLOSED)
  const late = hub.subscribe('t')
  await t.rejects(late.next(), errors.FST_STREAM_HUB_CLOSED)
  t.equal(hub.stats().backend.state, 'closed')
  t.equal(hub.stats().subscribers, 0)
})

t.test('a closed memory adapter refuses appends', async t => {
  const kept = keepAdapter(createMemoryAdapter())
  const hub = createHub({ adapter: kept.factory })
  await kept.adapter.close()
  await kept.adapter.close()
  await t.rejects(hub.publish('t', 1), errors.FST_STREAM_HUB_CLOSED)
  await hub.close()
})

t.test('options are validated when the hub is created', async t => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /"hub" must be an object/],
    [{ historySize: -1 }, /"historySize" must be an integer from 0/],
    [{ historySize: 1.5 }, /"historySize"/],
    [{ maxQueue: 0 }, /"maxQueue" must be an integer from 1/],
    [{ overflow: 'block' }, /"overflow" must be one of disconnect, drop-oldest/],
    [{ adapter: {} }, /"adapter" must be an adapter factory, \(context\) => HubAdapter, such as createMemoryAdapter\(\)/],
    [{ adapter: null }, /"adapter"/],
    // An adapter object of the kind that was attached after construction, and a factory
    // still in its promise (createRedisAdapter() not awaited).
    [{ adapter: { name: 'old', attach () {}, append () {}, replay () {} } }, /"adapter" must be an adapter factory/],
    [{ adapter: Promise.resolve(createMemoryAdapter()) }, /await createRedisAdapter/],
    // createMemoryAdapter instead of createMemoryAdapter(): called, it returns a factory.
    [{ adapter: createMemoryAdapter }, /"adapter" returned no HubAdapter \(a name and append, follow, unfollow, position, replay, compare, status, close\)/],
    [{ adapter: () => ({ name: 'partial', append () {} }) }, /returned no HubAdapter/],
    [{ adapter: () => null }, /returned no HubAdapter/],
    [{ serializer: 'json' }, /"serializer" must be a function/],
    [{ logger: console.log }, /"logger" must have info, warn and error/],
    [{ logger: null }, /"logger"/],
    [{ counters: {} }, /"counters" is not a hub option/],
    [{ histroySize: 1 }, /"histroySize" is not a hub option/]
  ]
  for (const [options, message] of bad) {
    t.throws(() => createHub(options as never), { code: 'FST_STREAM_INVALID_OPTION', message }, JSON.stringify(options))
  }
  const adapter = createMemoryAdapter()
  t.throws(() => createHub({ adapter, historySize: -1 }), { code: 'FST_STREAM_INVALID_OPTION', message: /historySize/ })
  const hub = createHub({ adapter, logger: { info () {}, warn () {}, error () {} } })
  t.ok(isHub(hub), 'a hub refused for a bad option did not use the factory up')
  t.notOk(isHub({}))
  t.notOk(isHub(null))
  t.throws(() => createHub({ adapter }), { code: 'FST_STREAM_INVALID_OPTION', message: 'fastify-stream: option "adapter" already belongs to a hub; create one adapter per hub' })
  const subscribeBad: Array<[unknown, RegExp]> = [
    [null, /"options" must be an object/],
    [{ maxQueue: 0 }, /"maxQueue"/],
    [{ overflow: 'x' }, /"overflow"/],
    [{ signal: {} }, /"signal" must be an AbortSignal/]
  ]
  for (const [options, message] of subscribeBad) {
    t.throws(() => hub.subscribe('t', options as never), { code: 'FST_STREAM_INVALID_OPTION', message })
  }
  t.equal(hub.stats().subscribers, 0, 'a refused subscribe leaves nothing behind')
  await hub.close()
})

t.test('the event queue compacts its consumed prefix and reads by index', async t => {
  const queue = new EventQueue<number>()
  for (let i = 0; i < 200; i++) queue.push(i)
  for (let i = 0; i < 150; i++) t.equal(queue.shift(), i)
  t.equal(queue.length, 50)
  t.equal(queue.at(0), 150)
  t.equal(queue.at(49), 199)
  while (queue.length > 0) queue.shift()
  t.equal(queue.shift(), undefined)
  queue.push(7)
  t.equal(queue.at(0), 7)
})
