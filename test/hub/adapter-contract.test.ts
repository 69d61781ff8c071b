// One suite of hub behaviour, run against every adapter: memory, a single redis-server and
// a three-master Redis Cluster. What a subscriber sees must not depend on where events are
// stored: ids that grow, delivery once and in order, resume without gap or duplicate, a
// reset for every cursor that cannot be honoured, idempotent publishes, and history bounded
// by size and by time.
import t, { type Test } from 'tap'
import { INVALID_LAST_EVENT_ID, type SseEvent } from '../../lib/index.js'
import type { HubAdapter } from '../../lib/hub/adapter.js'
import { createHub } from '../../lib/hub/create-hub.js'
import type { Hub } from '../../lib/hub/hub.js'
import type { HubOptions } from '../../lib/hub/options.js'
import type { HubSubscription } from '../../lib/hub/hub.js'
import { dataOf, keepAdapter, take } from '../helpers/hub.js'
import { adapterCases } from '../helpers/adapter-cases.js'

// Every wait in this file is bounded; a hang fails the check that hung, with its name.
const WAIT_MS = 5000
const TTL_MS = 300

const CASES = adapterCases(t)

let hubs = 0

for (const adapterCase of CASES) {
  t.test(adapterCase.name, async t => {
    /** A hub on a fresh adapter with its own key prefix, closed in teardown. */
    const hubOf = async (t: Test, options: HubOptions = {}): Promise<{ hub: Hub, adapter: HubAdapter }> => {
      const kept = keepAdapter(await adapterCase.create(`contract${++hubs}:`))
      const hub = createHub({ ...options, adapter: kept.factory })
      t.teardown(() => hub.close())
      return { hub, adapter: kept.adapter }
    }

    t.test('ids increase per topic, also when topics interleave', async t => {
      const { hub, adapter } = await hubOf(t)
      const ids: Record<string, string[]> = { a: [], b: [] }
      for (let i = 0; i < 20; i++) {
        for (const topic of ['a', 'b']) ids[topic]!.push(await hub.publish(topic, i))
      }
      for (const topic of ['a', 'b']) {
        const list = ids[topic]!
        for (const id of list) t.match(id, /^[\x21-\x7e]{1,64}$/, 'printable ASCII, usable as an SSE id and a cursor')
        t.ok(list.every((id, i) => i === 0 || adapter.compare(list[i - 1]!, id) < 0), `${topic}: each id above the one before`)
      }
    })

    t.test('subscribe, then publish: every subscriber gets each event once, in id order', async t => {
      const { hub, adapter } = await hubOf(t)
      const first = hub.subscribe('t')
      const second = hub.subscribe('t')
      const sequential = []
      for (let i = 0; i < 20; i++) sequential.push(await hub.publish('t', i))
      // Concurrent publishes: delivery follows the ids the adapter assigned, whatever order
      // the promises settle in.
      const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => hub.publish('t', 20 + i)))
      const byId = new Map([...sequential, ...concurrent].map((id, i) => [id, i]))
      const expected = [...byId.keys()].sort((x, y) => adapter.compare(x, y))
      for (const subscription of [first, second]) {
        const events = await takeWithin(subscription, 40)
        t.same(events.map(event => event.id), expected)
        t.same(dataOf(events), expected.map(id => byId.get(id)))
      }
      await expectNext(t, hub, [first, second], 't')
    })

    t.test('a resume replays what came after the cursor, then goes live, with no gap or duplicate', async t => {
      const { hub } = await hubOf(t)
      const ids = []
      for (let i = 1; i <= 30; i++) ids.push(await hub.publish('t', i))
      const subscription = hub.subscribe('t', { lastEventId: ids[9] })
      // Published while the replay is read: each must come once, after the replayed ones.
      const racing = (async () => { for (let i = 31; i <= 60; i++) await hub.publish('t', i) })()
      const events = await takeWithin(subscription, 50)
      await racing
      t.same(dataOf(events), Array.from({ length: 50 }, (_, i) => 11 + i))
      t.same(events.slice(0, 20).map(event => event.id), ids.slice(10))
      t.match(hub.stats(), { resumes: 1, resets: 0 })
      await expectNext(t, hub, [subscription], 't')
      // At the newest id there is nothing to replay: the next event is a live one.
      const current = hub.subscribe('t', { lastEventId: await hub.publish('t', 'newest') })
      await takeWithin(subscription, 1)
      await expectNext(t, hub, [current, subscription], 't')
    })

    t.test('garbage cursors and INVALID_LAST_EVENT_ID get an invalid reset, then live events', async t => {
      const { hub } = await hubOf(t)
      const earliest = await hub.publish('t', 1)
      let latest = await hub.publish('t', 2)
      for (const cursor of ['garbage', '01-1', '-1', 'x'.repeat(65), INVALID_LAST_EVENT_ID]) {
        const subscription = hub.subscribe('t', { lastEventId: cursor })
        const [reset] = await takeWithin(subscription, 1)
        t.equal(reset!.event, 'reset', JSON.stringify(cursor))
        t.same(reset!.data, { reason: 'invalid', earliest }, JSON.stringify(cursor))
        t.equal(reset!.id, latest, 'its id is where live delivery continues')
        latest = await expectNext(t, hub, [subscription], 't')
        await subscription.return()
      }
    })

    t.test('a cursor never issued on the topic gets an unknown reset', async t => {
      const { hub } = await hubOf(t)
      const ids = []
      for (let i = 1; i <= 3; i++) ids.push(await hub.publish('t', i))
      const never = bump(ids[2]!, 1000)
      const subscription = hub.subscribe('t', { lastEventId: never })
      const [reset] = await takeWithin(subscription, 1)
      t.equal(reset!.event, 'reset')
      t.same(reset!.data, { reason: 'unknown', earliest: ids[0] })
      t.equal(reset!.id, ids[2])
      await expectNext(t, hub, [subscription], 't')
      // On a topic with no events at all the reset has no id: the client's cursor is cleared.
      const empty = hub.subscribe('empty', { lastEventId: bump(ids[2]!, 2000) })
      const [emptyReset] = await takeWithin(empty, 1)
      t.same(emptyReset!.data, { reason: 'unknown', earliest: null })
      t.equal(emptyReset!.id, '')
      await expectNext(t, hub, [empty], 'empty')
    })

    t.test('an idempotency key returns the first id, and the event is stored and delivered once', async t => {
      const { hub } = await hubOf(t)
      const before = await hub.publish('t', 'before')
      const live = hub.subscribe('t')
      const id = await hub.publish('t', 'once', { idempotencyKey: 'order-42' })
      t.equal(await hub.publish('t', 'again', { idempotencyKey: 'order-42' }), id, 'the retry gets the first id')
      t.not(await hub.publish('other', 'elsewhere', { idempotencyKey: 'order-42' }), id, 'keys are per topic')
      const fresh = await hub.publish('t', 'fresh', { idempotencyKey: 'order-43' })
      t.not(fresh, id)
      t.same(dataOf(await takeWithin(live, 2)), ['once', 'fresh'])
      await expectNext(t, hub, [live], 't')
      const resumed = hub.subscribe('t', { lastEventId: before })
      t.same(dataOf(await takeWithin(resumed, 3)), ['once', 'fresh', 'last'], 'the history holds it once too')
    })

    t.test('after historyTtlMs without a publish, the history is gone: an old cursor gets a reset', async t => {
      const { hub } = await hubOf(t, { historyTtlMs: TTL_MS })
      const first = await hub.publish('t', 1, { idempotencyKey: 'k' })
      const publishedAt = Date.now()
      await hub.publish('t', 2)
      // Within the TTL the history is there: this check can fail as well as the one below.
      const early = hub.subscribe('t', { lastEventId: first })
      t.same(dataOf(await takeWithin(early, 1)), [2])
      await early.return()
      // A topic's keys expire at one instant, but a join reads its position and then its
      // history: a join that straddles the instant sees a position and no history. Wait for
      // one wholly after it.
      const reset = await waitForReset(hub, 't', first, event => event.id === '')
      t.ok(Date.now() - publishedAt >= TTL_MS, 'not before the TTL')
      t.equal(reset.event, 'reset')
      // Redis cannot tell a cursor whose keys expired from one never issued; memory can.
      t.match(reset.data, { reason: /^(expired|unknown)$/, earliest: null })
      t.equal(reset.id, '', 'no position: the topic holds nothing now')
      t.not(await hub.publish('t', 3, { idempotencyKey: 'k' }), first, 'idempotency keys expire with the history')
    })

    t.test('historySize bounds the history: a cursor older than it gets an expired reset', async t => {
      const historySize = 10
      const { hub } = await hubOf(t, { historySize })
      const first = await hub.publish('t', 0)
      const ids = [first]
      // Enough for Redis to trim whole stream nodes, so the cursor is really gone.
      for (let i = 1; i <= 300; i++) ids.push(await hub.publish('t', i))
      const subscription = hub.subscribe('t', { lastEventId: first })
      const [reset] = await takeWithin(subscription, 1)
      t.equal(reset!.event, 'reset')
      t.match(reset!.data, { reason: 'expired' })
      const earliest = (reset!.data as { earliest: string }).earliest
      const kept = ids.length - ids.indexOf(earliest)
      t.ok(kept >= historySize && kept <= historySize + adapterCase.trimSlack, `${kept} events retained`)
      // From the earliest retained event on, the history is complete.
      const fromEarliest = hub.subscribe('t', { lastEventId: earliest })
      t.same(dataOf(await takeWithin(fromEarliest, kept - 1)), Array.from({ length: kept - 1 }, (_, i) => 301 - kept + 1 + i))
      const recent = hub.subscribe('t', { lastEventId: ids[297] })
      t.same(dataOf(await takeWithin(recent, 3)), [298, 299, 300])
      await expectNext(t, hub, [subscription, fromEarliest, recent], 't')
    })
  })
}

/** take() with a deadline, so a missing event fails the check instead of the whole run. */
async function takeWithin (subscription: HubSubscription, count: number): Promise<SseEvent[]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`fewer than ${count} events within ${WAIT_MS} ms`)), WAIT_MS)
  })
  try {
    return await Promise.race([take(subscription, count), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Publishes a marker and checks that it is the very next event of each subscription: nothing
 * extra (a duplicate) came before it. Resolves to the marker's id.
 */
async function expectNext (t: Test, hub: Hub, subscriptions: HubSubscription[], topic: string): Promise<string> {
  const id = await hub.publish(topic, 'last')
  for (const subscription of subscriptions) {
    const [next] = await takeWithin(subscription, 1)
    t.same([next!.id, next!.data], [id, 'last'], 'nothing else before the next live event')
  }
  return id
}

/** Subscribes with `cursor` until the answer is a reset that `settled` accepts (bounded), and returns it. */
async function waitForReset (hub: Hub, topic: string, cursor: string, settled: (reset: SseEvent) => boolean = () => true): Promise<SseEvent> {
  const deadline = performance.now() + WAIT_MS
  for (;;) {
    const subscription = hub.subscribe(topic, { lastEventId: cursor })
    const [event] = await takeWithin(subscription, 1)
    await subscription.return()
    if (event!.event === 'reset' && settled(event!)) return event!
    if (performance.now() > deadline) throw new Error(`still replaying after ${WAIT_MS} ms`)
    // The TTL runs on the adapter's clock; ask again shortly.
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** An id of the same form and prefix as `id`, `by` further along: never issued here. */
function bump (id: string, by: number): string {
  const dash = id.lastIndexOf('-')
  return `${id.slice(0, dash)}-${Number(id.slice(dash + 1)) + by}`
}
