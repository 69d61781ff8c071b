// Presence beyond what every adapter shares (presence-contract.test.ts): bounded, checked
// input, an adapter without presence, close() with changes pending, the memory store's edges.
import t from 'tap'
import { createHub } from '../../lib/hub/create-hub.js'
import type { HubAdapterFactory } from '../../lib/hub/adapter.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { MemoryPresence } from '../../lib/hub/presence/memory-presence.js'
import type { PresenceChange } from '../../lib/hub/presence/presence.js'
import { collect } from '../helpers/hub.js'

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
