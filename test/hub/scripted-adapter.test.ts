// The hub against adapters it does not own: a scripted adapter drives the races a networked
// store produces (a cursor ahead of this process, duplicates arriving live, a replay that
// lands after the subscriber left), and the memory adapter is checked on its own.
import t from 'tap'
import { errors } from '../../lib/errors.js'
import type { PreparedEvent } from '../../lib/framing/prepared-event.js'
import type { HubAdapter, HubAdapterContext, HubAdapterFactory, ReplayResult } from '../../lib/hub/adapter.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { deferred, type Deferred } from '../helpers/deferred.js'
import { dataOf, take } from '../helpers/hub.js'

/** An adapter whose ids are plain integers and whose answers the test decides. */
interface Script {
  /** Makes the scripted adapter and keeps the hub's context for the test. */
  adapter: HubAdapterFactory
  context: () => HubAdapterContext
  deliver: (topic: string, id: number) => void
  event: (id: number) => PreparedEvent
  position: string | undefined
  replay: (cursor: string, until: string | undefined) => Promise<ReplayResult>
}

function scripted (): Script {
  let context: HubAdapterContext | undefined
  const script: Script = {
    adapter: ctx => {
      context = ctx
      // The default logger swallows lines when no logger was given.
      ctx.log.info({}, 'created')
      return {
        name: 'scripted',
        append: () => Promise.reject(new Error('not used')),
        follow () {},
        unfollow () {},
        position: () => Promise.resolve(script.position),
        replay: (_topic, cursor, until) => script.replay(cursor, until),
        compare: (a, b) => Number(a) - Number(b),
        status: () => ({ adapter: 'scripted', state: 'ready', topics: 0, since: 0, outages: 0 }),
        close: () => Promise.resolve()
      }
    },
    context: () => {
      if (context === undefined) throw new Error('no hub has made the scripted adapter yet')
      return context
    },
    event: id => script.context().prepare({ id: String(id), event: undefined, data: id, text: undefined }),
    deliver: (topic, id) => script.context().deliver(topic, script.event(id)),
    position: undefined,
    replay: () => Promise.resolve({ events: [] })
  }
  return script
}

t.test('live duplicates of replayed events are dropped, also when they reach a waiting consumer', async t => {
  const script = scripted()
  script.position = '5'
  script.replay = () => Promise.resolve({ events: [3, 4, 5].map(script.event) })
  const hub = createHub({ adapter: script.adapter })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t', { lastEventId: '2' })
  t.same(dataOf(await take(subscription, 3)), [3, 4, 5])
  const pending = subscription.next()
  script.deliver('t', 5)
  script.deliver('t', 6)
  script.deliver('t', 7)
  t.equal((await pending).value?.data, 6)
  t.same(dataOf(await take(subscription, 1)), [7])
})

t.test('a cursor ahead of this process (seen on another instance) suppresses what the client has', async t => {
  const script = scripted()
  script.position = '1'
  const hub = createHub({ adapter: script.adapter })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t', { lastEventId: '3' })
  const pending = subscription.next()
  for (const id of [2, 3, 4]) script.deliver('t', id)
  t.equal((await pending).value?.data, 4)
})

t.test('a resume at the position with a waiting consumer just waits for live events', async t => {
  const script = scripted()
  script.position = '9'
  const hub = createHub({ adapter: script.adapter })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t', { lastEventId: '9' })
  const pending = subscription.next()
  await new Promise(resolve => setImmediate(resolve))
  script.deliver('t', 10)
  t.equal((await pending).value?.data, 10)
})

t.test('a replay that lands after the subscriber overflowed or left is dropped', async t => {
  for (const how of ['overflow', 'return', 'rejected'] as const) {
    const script = scripted()
    script.position = '1'
    const gate: Deferred<void> = deferred()
    script.replay = async () => {
      await gate.promise
      if (how === 'rejected') throw new Error('late failure')
      return { events: [script.event(1)] }
    }
    const hub = createHub({ adapter: script.adapter, maxQueue: 1 })
    const subscription = hub.subscribe('t', { lastEventId: '0' })
    await new Promise(resolve => setImmediate(resolve))
    if (how === 'overflow') {
      script.deliver('t', 2)
      script.deliver('t', 3)
    } else {
      await subscription.return()
    }
    gate.resolve()
    await new Promise(resolve => setImmediate(resolve))
    if (how === 'overflow') await t.rejects(subscription.next(), errors.FST_STREAM_SLOW_CONSUMER)
    t.same(await subscription.next(), { done: true, value: undefined }, how)
    t.equal(hub.stats().subscribers, 0)
    await hub.close()
  }
})

t.test('return() after a failure is harmless', async t => {
  const script = scripted()
  const hub = createHub({ adapter: script.adapter, maxQueue: 1 })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t')
  script.deliver('t', 1)
  script.deliver('t', 2)
  t.same(await subscription.return(), { done: true, value: undefined })
  t.same(await subscription.next(), { done: true, value: undefined })
  t.doesNotThrow(() => script.deliver('t', 3), 'a late delivery to a topic nobody follows is ignored')
})

t.test('createHub calls its factory once, with its own context, and closes what it made', async t => {
  const made: Array<{ context: HubAdapterContext, closed: boolean }> = []
  // A factory of one's own may serve several hubs: each gets a fresh adapter.
  const factory: HubAdapterFactory = context => {
    const record = { context, closed: false }
    made.push(record)
    const inner = createMemoryAdapter()(context)
    return Object.assign(Object.create(inner) as HubAdapter, {
      close () {
        record.closed = true
        return inner.close()
      }
    })
  }
  const first = createHub({ adapter: factory, historySize: 3 })
  const second = createHub({ adapter: factory, historySize: 5, historyTtlMs: 1000 })
  t.same(made.map(({ context }) => [context.historySize, context.historyTtlMs]), [[3, 3_600_000], [5, 1000]])
  const subscription = second.subscribe('t')
  await first.publish('t', 'first only')
  await second.publish('t', 'second')
  t.same(dataOf(await take(subscription, 1)), ['second'], 'each hub has its own store')
  await first.close()
  t.same(made.map(({ closed }) => closed), [true, false])
  await second.close()
  t.same(made.map(({ closed }) => closed), [true, true])
})

t.test('the memory adapter on its own', async t => {
  const delivered: string[] = []
  const adapter: HubAdapter = createMemoryAdapter()({
    historySize: 2,
    historyTtlMs: 60_000,
    reset () {},
    presenceChanged () {},
    prepare: record => ({ id: record.id, data: record.data }) as unknown as PreparedEvent,
    deliver: (_topic, event) => { delivered.push(event.id as string) },
    log: { info () {}, warn () {}, error () {} }
  })
  adapter.unfollow('never-followed')
  t.same(await adapter.replay('unknown', 'garbage', undefined), { reset: { reason: 'invalid', earliest: null } })
  const first = await adapter.append('t', { event: undefined, data: 1, text: '1' })
  t.same(delivered, [], 'not delivered while nobody follows')
  t.same(await adapter.replay('t', first, undefined), { events: [] }, 'nothing up to an undefined position')
  const epoch = first.split('-')[0]
  t.same(await adapter.replay('unknown', `${epoch}-1`, undefined), { reset: { reason: 'expired', earliest: null } })
  adapter.follow('t')
  const second = await adapter.append('t', { event: undefined, data: 2, text: '2' })
  t.same(delivered, [second])
  t.equal(await adapter.position('t'), second)
  t.ok(adapter.compare(first, second) < 0)
  await adapter.close()
  t.equal(adapter.status().state, 'closed')
})
