// Presence, run against every adapter: memory, a single redis-server and a three-master Redis
// Cluster. Who is here must not depend on where it is kept: clients and users counted at once
// (several tabs of one user are one user), listed a page at a time in join order, `join` and
// `leave` once per user for those who ask, coalesced, without ids and outside the history;
// and where the store is shared, every hub on it sees the same.
import t, { type Test } from 'tap'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub, HubOptions } from '../../lib/hub/index.js'
import { adapterCases } from '../helpers/adapter-cases.js'
import { within } from '../helpers/bounded-wait.js'
import { brief, collect } from '../helpers/hub.js'

const CASES = adapterCases(t)
let stores = 0

for (const adapterCase of CASES) {
  t.test(adapterCase.name, async t => {
    const prefix = (): string => `presence${++stores}:`
    /** A hub on a fresh store (or on `shared`'s store), closed in teardown. */
    const hubOf = async (t: Test, options: HubOptions = {}, shared = prefix()): Promise<Hub> => {
      const hub = createHub({ ...options, adapter: await adapterCase.create(shared) })
      t.teardown(() => hub.close())
      return hub
    }

    t.test('counts clients and users; several tabs of one user are one user', async t => {
      const hub = await hubOf(t)
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
      const hub = await hubOf(t, { presenceDelayMs: 20 })
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
      const hub = await hubOf(t)
      const subscriptions = Array.from({ length: 10_000 }, (_, i) => hub.subscribe('big', { presence: { id: `user-${i % 5000}` } }))
      const first = await hub.presence('big', { limit: 1000 })
      t.equal(first.clients, 10_000)
      t.equal(first.users, 5000)
      t.equal(first.list.length, 1000, 'a page is at most the limit')
      t.same(first.list[0], { id: 'user-0', info: null, clients: 2 })
      // Users that leave and join between pages do not shift the others: every user who stays
      // is listed exactly once.
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
      t.same((await hub.presence('big', { limit: 2, cursor: 'not a cursor' })).list.map(user => user.id), ['user-0', 'user-2'], 'a cursor that is not one lists from the start')
      for (const subscription of [...subscriptions, late]) await subscription.return()
      t.match(await hub.presence('big'), { clients: 0, users: 0 })
      await hub.close()
      await t.rejects(hub.presence('big'), { code: 'FST_STREAM_HUB_CLOSED' }, 'a closed hub says so')
    })

    if (adapterCase.shared) sharedStore(t, hubOf, prefix)
  })
}

/** Hubs on one shared store: one process's users are every process's. */
function sharedStore (t: Test, hubOf: (t: Test, options?: HubOptions, shared?: string) => Promise<Hub>, prefix: () => string): void {
  t.test('two hubs on one store: the same presence, and each hears the other\'s joins and leaves', async t => {
    const store = prefix()
    const [a, b] = await Promise.all([hubOf(t, { presenceDelayMs: 20 }, store), hubOf(t, { presenceDelayMs: 20 }, store)])
    const watcherOnB = collect(b.subscribe('room', { presenceEvents: true }))
    // B hears a topic once its channel is subscribed there: a round trip to B's own join.
    const own = b.subscribe('room', { presence: { id: 'bea' } })
    await within(watcherOnB.next(1), 'Bea\'s join, on B')
    const adaTab1 = a.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada' } } })
    const adaTab2 = b.subscribe('room', { presence: { id: 'ada', info: { name: 'Ada' } } })
    await within(watcherOnB.next(2), 'Ada\'s join, from A or B')
    const expected = { clients: 3, users: 2, list: [{ id: 'bea', info: null, clients: 1 }, { id: 'ada', info: { name: 'Ada' }, clients: 2 }], cursor: null }
    t.same(await a.presence('room'), expected, 'A sees B\'s clients')
    t.same(await b.presence('room'), expected, 'and B sees A\'s: one user in two processes is one user')
    await adaTab1.return()
    // A read sends its own process's changes first; another process sees them once sent.
    t.match(await a.presence('room'), { clients: 2, users: 2 }, 'Ada still has a tab, on B')
    t.match(await b.presence('room'), { clients: 2, users: 2 }, 'and B agrees')
    await adaTab2.return()
    await within(watcherOnB.next(3), 'Ada\'s leave')
    const carol = a.subscribe('room', { presence: { id: 'carol' } })
    await within(watcherOnB.next(4), 'Carol\'s join, from A')
    // A closes: its users leave at once, with events, not a lease later.
    await a.close()
    await within(watcherOnB.next(5), 'Carol\'s leave when A closed')
    t.same(brief(watcherOnB.events), [
      'join {"id":"bea","info":null}',
      'join {"id":"ada","info":{"name":"Ada"}}',
      'leave {"id":"ada","info":{"name":"Ada"}}',
      'join {"id":"carol","info":null}',
      'leave {"id":"carol","info":null}'
    ])
    t.same(await b.presence('room'), { clients: 1, users: 1, list: [{ id: 'bea', info: null, clients: 1 }], cursor: null })
    await carol.return()
    await own.return()
  })
}
