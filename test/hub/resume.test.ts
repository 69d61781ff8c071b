// Resume: replay after a cursor then live, with no gap and no duplicate even while publishes
// race the replay, and an explicit reset for every cursor the history cannot honour.
import t from 'tap'
import { errors, type SseEvent } from '../../lib/index.js'
import type { HubAdapter, HubAdapterFactory, ReplayResult } from '../../lib/hub/adapter.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { RESET_EVENT } from '../../lib/hub/reset-event.js'
import { deferred } from '../helpers/deferred.js'
import { dataOf, take } from '../helpers/hub.js'

async function publishRange (hub: ReturnType<typeof createHub>, topic: string, from: number, to: number): Promise<string[]> {
  const ids = []
  for (let i = from; i <= to; i++) ids.push(await hub.publish(topic, i))
  return ids
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

t.test('a resume replays what was missed, then continues live', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const ids = await publishRange(hub, 't', 1, 10)
  const subscription = hub.subscribe('t', { lastEventId: ids[3] })
  await publishRange(hub, 't', 11, 12)
  const events = await take(subscription, 8)
  t.same(dataOf(events), range(5, 12))
  t.match(hub.stats(), { resumes: 1, resets: 0 })
  await subscription.return()
})

t.test('no gap and no duplicate while publishes race the replay and the reads', async t => {
  const hub = createHub({ historySize: 500 })
  t.teardown(() => hub.close())
  const ids = await publishRange(hub, 't', 1, 100)
  // Publishers run concurrently with a resuming reader; every interleaving must give 31..400.
  const subscription = hub.subscribe('t', { lastEventId: ids[29] })
  const racing = (async () => {
    for (let i = 101; i <= 400; i++) {
      await hub.publish('t', i)
      if (i % 7 === 0) await new Promise(resolve => setImmediate(resolve))
    }
  })()
  const events = await take(subscription, 370)
  await racing
  t.same(dataOf(events), range(31, 400))
  const idsSeen = events.map(event => event.id)
  t.equal(new Set(idsSeen).size, idsSeen.length, 'no id twice')
  await subscription.return()
})

t.test('a resume at the latest id replays nothing and waits for live events', async t => {
  const hub = createHub({ historySize: 0 })
  t.teardown(() => hub.close())
  const live = hub.subscribe('t')
  const [, last] = await publishRange(hub, 't', 1, 2)
  const resumed = hub.subscribe('t', { lastEventId: last })
  await hub.publish('t', 3)
  t.same(dataOf(await take(resumed, 1)), [3], 'no reset: nothing was missed')
  t.equal(hub.stats().resets, 0)
  await live.return()
  await resumed.return()
})

/** Subscribes with `cursor` and returns the reset event that comes first. */
async function resetFor (hub: ReturnType<typeof createHub>, cursor: unknown): Promise<SseEvent> {
  const subscription = hub.subscribe('t', { lastEventId: cursor as string })
  const [event] = await take(subscription, 1)
  await subscription.return()
  return event!
}

t.test('cursors the history cannot honour give a reset first, then live', async t => {
  const hub = createHub({ historySize: 5 })
  const other = createHub()
  t.teardown(() => Promise.all([hub.close(), other.close()]))
  const foreign = await other.publish('t', 'x')
  const elsewhere = await hub.publish('elsewhere', 'x')
  const ids = await publishRange(hub, 't', 1, 20)
  const earliest = ids[15]
  const epoch = ids[0]!.split('-')[0]
  const cases: Array<[unknown, string]> = [
    ['garbage', 'invalid'],
    ['1-2-3', 'invalid'],
    ['x'.repeat(65), 'invalid'],
    ['\u0000', 'invalid'],
    [42, 'invalid'],
    [foreign, 'stale'],
    [ids[1], 'expired'],
    [elsewhere, 'expired'],
    [`${epoch}-999999`, 'unknown']
  ]
  for (const [cursor, reason] of cases) {
    const event = await resetFor(hub, cursor)
    t.equal(event.event, RESET_EVENT, String(cursor))
    t.same(event.data, { reason, earliest }, String(cursor))
    t.equal(event.id, ids[19], 'the reset moves the client to the current position')
  }
  t.match(hub.stats(), { resumes: cases.length, resets: cases.length })

  // After the reset the subscription continues live.
  const subscription = hub.subscribe('t', { lastEventId: 'garbage' })
  await hub.publish('t', 21)
  const [reset, live] = await take(subscription, 2)
  t.equal(reset!.event, RESET_EVENT)
  t.equal(live!.data, 21)
  // And a client that resumes from the reset's id gets no second reset.
  const resumed = hub.subscribe('t', { lastEventId: reset!.id as string })
  t.same(dataOf(await take(resumed, 1)), [21])
  await subscription.return()
  await resumed.return()
})

t.test('a cursor between retained ids of this epoch is unknown', async t => {
  const hub = createHub({ historySize: 10 })
  t.teardown(() => hub.close())
  const ids = await publishRange(hub, 'a', 1, 3)
  const between = await hub.publish('b', 'b')
  await publishRange(hub, 'a', 4, 5)
  const subscription = hub.subscribe('a', { lastEventId: between })
  const [event] = await take(subscription, 1)
  t.same(event!.data, { reason: 'unknown', earliest: ids[0] })
  await subscription.return()
})

t.test('a reset on an empty topic has an empty id, which clears the client cursor', async t => {
  const hub = createHub({ historySize: 0 })
  const other = createHub()
  t.teardown(() => Promise.all([hub.close(), other.close()]))
  const event = await resetFor(hub, await other.publish('t', 1))
  t.equal(event.id, '')
  t.same(event.data, { reason: 'stale', earliest: null })
  // With historySize 0 an id of this epoch that is not the latest is reported as expired.
  await hub.publish('x', 1)
  const ids = await publishRange(hub, 't', 1, 2)
  const keep = hub.subscribe('t')
  await hub.publish('t', 3)
  const expired = await resetFor(hub, ids[0])
  t.same(expired.data, { reason: 'expired', earliest: null })
  await keep.return()
})

t.test('the reset event frames as a named SSE event with JSON data', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const event = await resetFor(hub, 'nope')
  const { encodeSseEvent } = await import('../../lib/index.js')
  t.equal(encodeSseEvent(event), 'event: reset\nid:\ndata: {"reason":"invalid","earliest":null}\n\n')
})

t.test('replayed events come from the history\'s text: equal to the live ones, never serialized again', async t => {
  let serialized = 0
  const hub = createHub({ serializer: value => { serialized++; return JSON.stringify(value) } })
  t.teardown(() => hub.close())
  const live = hub.subscribe('t')
  const ids = await publishRange(hub, 't', 1, 3)
  const [, second] = await take(live, 2)
  const resumed = hub.subscribe('t', { lastEventId: ids[0] })
  const [replayed] = await take(resumed, 1)
  t.not(replayed, second, 'a new event: the history keeps the text, not the live event with its value and frames')
  t.same({ id: replayed!.id, data: replayed!.data }, { id: second!.id, data: second!.data }, 'with the same id and data')
  t.equal(serialized, 3, 'each event was serialized once, at publish')
  await live.return()
  await resumed.return()
})

/** A memory adapter whose replay waits for `gate` and then ignores `until`, overlapping live. */
function overlappingAdapter (gate: Promise<void>): HubAdapterFactory {
  return context => {
    const inner = createMemoryAdapter()(context)
    return {
      name: 'overlapping',
      append: (topic, message) => inner.append(topic, message),
      follow: topic => inner.follow(topic),
      unfollow: topic => inner.unfollow(topic),
      position: topic => inner.position(topic),
      async replay (topic, cursor): Promise<ReplayResult> {
        await gate
        return inner.replay(topic, cursor, await inner.position(topic))
      },
      compare: (a, b) => inner.compare(a, b),
      status: () => inner.status(),
      close: () => inner.close()
    }
  }
}

/** A memory adapter with some methods replaced by `override(inner)`. */
function memoryWith (override: (inner: HubAdapter) => Partial<HubAdapter>): HubAdapterFactory {
  return context => {
    const inner = createMemoryAdapter()(context)
    return Object.assign(Object.create(inner) as HubAdapter, override(inner))
  }
}

t.test('live events that the replay also returned are de-duplicated by id', async t => {
  const gate = deferred()
  const hub = createHub({ adapter: overlappingAdapter(gate.promise) })
  t.teardown(() => hub.close())
  const ids = await publishRange(hub, 't', 1, 5)
  const subscription = hub.subscribe('t', { lastEventId: ids[1] })
  const first = subscription.next()
  // These go live into the queue and are also in the (late) replay.
  await publishRange(hub, 't', 6, 8)
  gate.resolve()
  t.equal((await first).value?.data, 3)
  await publishRange(hub, 't', 9, 10)
  t.same(dataOf(await take(subscription, 7)), range(4, 10))
  await subscription.return()
})

t.test('a failing replay ends the subscription with FST_STREAM_HUB_UNAVAILABLE', async t => {
  for (const [thrown, expected] of [
    [new Error('boom'), errors.FST_STREAM_HUB_UNAVAILABLE],
    [new errors.FST_STREAM_HUB_CLOSED(), errors.FST_STREAM_HUB_CLOSED]
  ] as const) {
    const adapter = memoryWith(() => ({ replay: () => Promise.reject(thrown) }))
    const hub = createHub({ adapter })
    const subscription = hub.subscribe('t', { lastEventId: 'x' })
    await t.rejects(subscription.next(), expected)
    t.same(await subscription.next(), { done: true, value: undefined })
    t.equal(hub.stats().subscribers, 0)
    await hub.close()
  }
})

t.test('a subscription that ends during its replay drops the replay', async t => {
  const gate = deferred()
  let replays = 0
  const adapter = memoryWith(inner => ({
    async position (topic: string) {
      await gate.promise
      return inner.position(topic)
    },
    replay (topic: string, cursor: string, until: string | undefined) {
      replays++
      return inner.replay(topic, cursor, until)
    }
  }))
  const hub = createHub({ adapter })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t', { lastEventId: 'x' })
  const pending = subscription.next()
  await subscription.return()
  t.same(await pending, { done: true, value: undefined }, 'the pending next() ends at once')
  gate.resolve()
  await new Promise(resolve => setImmediate(resolve))
  t.equal(replays, 0, 'no replay was fetched for a finished subscription')
})
