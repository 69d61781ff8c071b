// Presence on the memory adapter: who is subscribed to a topic, counted at once and listed a
// page at a time; join and leave events for those who ask, one per user (not per tab),
// coalesced, without ids and outside the history; bounded, checked input.
import t from 'tap'
import { createHub } from '../../lib/hub/create-hub.js'
import type { HubEvent, HubSubscription } from '../../lib/hub/hub.js'
import type { HubAdapterFactory } from '../../lib/hub/adapter.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { MemoryPresence } from '../../lib/hub/presence/memory-presence.js'
import type { PresenceChange } from '../../lib/hub/presence/presence.js'
import { within } from '../helpers/bounded-wait.js'

/** Collects what `subscription` yields, in the background. */
function collect (subscription: HubSubscription): { events: HubEvent[], next: (count: number) => Promise<HubEvent[]> } {
  const events: HubEvent[] = []
  const waiters: Array<{ count: number, resolve: () => void }> = []
  const reading = (async () => {
    for await (const event of subscription) {
      events.push(event)
      for (const waiter of waiters.splice(0)) {
        if (events.length >= waiter.count) waiter.resolve()
        else waiters.push(waiter)
      }
    }
  })()
  reading.catch(() => {})
  return {
    events,
    next: count => events.length >= count ? Promise.resolve(events) : new Promise(resolve => waiters.push({ count, resolve: () => resolve(events) }))
  }
}

const brief = (events: HubEvent[]): string[] => events.map(event => `${event.event ?? 'message'} ${JSON.stringify(event.data)}${event.id === undefined ? '' : ' #' + String(event.id)}`)

t.test('counts clients and users; several tabs of one user are one user', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  t.same(await hub.presence('room'), { clients: 0, users: 0, list: [], cursor: null }, 'nobody yet')
  const ada1 = hub.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada' } } })
  const ada2 = hub.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada L.' } } })
  const bob = hub.subscribe('room', { presence: { id: 'bob' } })
  const anonymous = hub.subscribe('room')
  t.same(await hub.presence('room'), {
    clients: 3,
    users: 2,
    list: [{ id: 'ada', info: { name: 'Ada L.' }, clients: 2 }, { id: 'bob', info: null, clients: 1 }],
    cursor: null
  }, 'a subscription without presence is not counted; the newest tab\'s info wins')
  t.same(await hub.presence('elsewhere'), { clients: 0, users: 0, list: [], cursor: null }, 'per topic')
  await ada1.return()
  t.match(await hub.presence('room'), { clients: 2, users: 2 }, 'one of Ada\'s tabs closed: still here')
  await ada2.return()
  await bob.return()
  t.match(await hub.presence('room'), { clients: 0, users: 0, list: [] }, 'all gone')
  await anonymous.return()
})

t.test('join and leave: once per user, coalesced, no id, not in history', async t => {
  const hub = createHub({ presenceDelayMs: 20 })
  t.teardown(() => hub.close())
  const id = await hub.publish('room', 'before')
  const watcher = collect(hub.subscribe('room', { presenceEvents: true, presence: { id: 'watcher' } }))
  // The watcher's own join is an event too: it learns it is here like anyone else.
  await within(watcher.next(1), 'the watcher\'s own join')
  const ada1 = hub.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada' } } })
  await within(watcher.next(2), 'Ada\'s join')
  const ada2 = hub.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada' } } })
  await ada1.return()
  await hub.publish('room', 'between')
  await within(watcher.next(3), 'the message between')
  await ada2.return()
  await within(watcher.next(4), 'Ada\'s leave')
  // A reload: the last tab goes and comes back within the delay: no event at all.
  const bob = hub.subscribe('room', { presence: { id: 'bob' } })
  await within(watcher.next(5), 'Bob\'s join')
  await bob.return()
  const bobAgain = hub.subscribe('room', { presence: { id: 'bob' } })
  const last = await hub.publish('room', 'after')
  await within(watcher.next(6), 'the message after')
  t.same(brief(watcher.events).slice(0, 6), [
    'join {"id":"watcher","info":null}',
    'join {"id":"ada","info":{"name":"Ada"}}',
    `message "between" #${watcher.events[2]?.id as string}`,
    'leave {"id":"ada","info":{"name":"Ada"}}',
    'join {"id":"bob","info":null}',
    `message "after" #${last}`
  ], 'a second tab and closing the first make no event; the reload makes none')
  // History holds the topic's events only: a resume replays messages, never presence.
  const resumed = collect(hub.subscribe('room', { lastEventId: id }))
  await within(resumed.next(2), 'the replay')
  t.same(brief(resumed.events), [`message "between" #${watcher.events[2]?.id as string}`, `message "after" #${last}`])
  const plain = collect(hub.subscribe('room'))
  const carol = hub.subscribe('room', { presence: { id: 'carol' } })
  await within(watcher.next(7), 'Carol\'s join')
  t.same(plain.events, [], 'a subscriber that did not ask gets no presence events')
  for (const subscription of [bobAgain, carol]) await subscription.return()
})

t.test('10,000 clients on one topic: counted at once, listed a page at a time', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscriptions = Array.from({ length: 10_000 }, (_, i) => hub.subscribe('big', { presence: { id: `user-${i % 5000}` } }))
  const first = await hub.presence('big', { limit: 1000 })
  t.equal(first.clients, 10_000)
  t.equal(first.users, 5000)
  t.equal(first.list.length, 1000, 'a page is at most the limit')
  t.same(first.list[0], { id: 'user-0', info: null, clients: 2 })
  // Users that leave and join between pages do not shift the others: every user who stays is
  // listed exactly once.
  await subscriptions[1]!.return()
  await subscriptions[5001]!.return()
  const late = hub.subscribe('big', { presence: { id: 'late' } })
  const seen = first.list.map(user => user.id)
  let cursor = first.cursor
  while (cursor !== null) {
    const page = await hub.presence('big', { limit: 1000, cursor })
    seen.push(...page.list.map(user => user.id))
    cursor = page.cursor
  }
  t.equal(new Set(seen).size, seen.length, 'no user twice')
  t.equal(seen.length, 5001, 'the 5,000 (user-1 listed before it left) and late, who joined after')
  t.equal(seen.at(-1), 'late')
  t.same((await hub.presence('big', { limit: 1 })).list.map(user => user.id), ['user-0'], 'the default order is join order')
  for (const subscription of [...subscriptions, late]) await subscription.return()
  t.match(await hub.presence('big'), { clients: 0, users: 0 })
})

t.test('presence input is bounded and checked; an adapter without presence says so', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const bad: Array<[string, unknown, RegExp]> = [
    ['an empty id', { id: '' }, /presence\.id.*1 to 128/],
    ['a long id', { id: 'x'.repeat(129) }, /presence\.id/],
    ['a newline in the id', { id: 'a\nb' }, /control characters/],
    ['a number', { id: 7 }, /presence\.id/],
    ['a string', 'ada', /must be \{ id, info \}/],
    ['2 KB of info', { id: 'ada', info: { bio: 'x'.repeat(2000) } }, /at most 1024 bytes/],
    ['a BigInt in info', { id: 'ada', info: { n: 1n } }, /JSON-serializable/]
  ]
  for (const [what, presence, message] of bad) {
    t.throws(() => hub.subscribe('room', { presence: presence as never }), { code: 'FST_STREAM_INVALID_OPTION', message }, what)
  }
  t.throws(() => hub.subscribe('room', { presenceEvents: 'yes' as never }), { code: 'FST_STREAM_INVALID_OPTION', message: /presenceEvents/ })
  t.match(await hub.presence('room'), { clients: 0 }, 'a refused subscription joined nothing')
  await t.rejects(hub.presence('room', { limit: 0 }), { code: 'FST_STREAM_INVALID_OPTION', message: /limit/ })
  await t.rejects(hub.presence('room', null as never), { code: 'FST_STREAM_INVALID_OPTION', message: /\{ limit, cursor \}/ })
  await t.rejects(hub.presence('room', { cursor: 'x'.repeat(65) }), { code: 'FST_STREAM_INVALID_OPTION', message: /cursor/ })
  await t.rejects(hub.presence('bad topic!'), { code: 'FST_STREAM_INVALID_TOPIC' })
  t.throws(() => createHub({ presenceDelayMs: -1 }), { code: 'FST_STREAM_INVALID_OPTION', message: /presenceDelayMs/ })
  // A store of one's own without presence: subscriptions with it are refused, others work.
  const memory = createMemoryAdapter()
  const withoutPresence: HubAdapterFactory = context => {
    const adapter = memory(context)
    return { name: 'plain', append: (...a) => adapter.append(...a), follow: topic => adapter.follow(topic), unfollow: topic => adapter.unfollow(topic), position: topic => adapter.position(topic), replay: (...a) => adapter.replay(...a), compare: (a, b) => adapter.compare(a, b), status: () => adapter.status(), close: () => adapter.close() }
  }
  const plain = createHub({ adapter: withoutPresence })
  t.teardown(() => plain.close())
  t.throws(() => plain.subscribe('room', { presence: { id: 'ada' } }), { code: 'FST_STREAM_INVALID_OPTION', message: /the plain adapter does not/ })
  await t.rejects(plain.presence('room'), { code: 'FST_STREAM_INVALID_OPTION', message: /keeps presence/ })
  const works = plain.subscribe('room')
  await works.return()
})

t.test('close() with presence pending: no event after the end, no timer left', async t => {
  const hub = createHub({ presenceDelayMs: 60_000 })
  const watcher = collect(hub.subscribe('room', { presenceEvents: true }))
  hub.subscribe('room', { presence: { id: 'ada' } })
  await hub.close()
  t.same(watcher.events, [], 'the join waited its delay and the hub closed first')
})

t.test('the memory store: a leave it never saw a join for changes nothing', async t => {
  const changes: PresenceChange[] = []
  const store = new MemoryPresence((_topic, change) => changes.push(change))
  const client = {}
  store.leave('room', client)
  store.join('room', client, { id: 'ada', info: null })
  store.leave('room', {})
  t.match(await store.read('room', 10, undefined), { clients: 1, users: 1 }, 'an unknown client on a known topic')
  store.leave('room', client)
  t.same(changes.map(change => change.type), ['join', 'leave'], 'only the real join and leave')
})
