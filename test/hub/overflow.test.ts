// Slow consumers and cleanup: bounded queues with both overflow policies, a stalled
// subscriber that neither grows memory nor delays others, and prompt release on abort.
import { getEventListeners } from 'node:events'
import t from 'tap'
import { errors } from '../../lib/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { dataOf, take } from '../helpers/hub.js'

t.test("'drop-oldest' keeps the newest maxQueue events and counts the drops", async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('metrics', { maxQueue: 3, overflow: 'drop-oldest' })
  for (let i = 1; i <= 10; i++) await hub.publish('metrics', i)
  t.match(hub.stats(), { queued: 3, drops: 7, disconnects: 0 })
  t.same(dataOf(await take(subscription, 3)), [8, 9, 10])
  await hub.publish('metrics', 11)
  t.same(dataOf(await take(subscription, 1)), [11], 'still subscribed')
  await subscription.return()
})

t.test("'disconnect' (the default) ends a subscriber that overflows with FST_STREAM_SLOW_CONSUMER", async t => {
  const hub = createHub({ maxQueue: 3 })
  t.teardown(() => hub.close())
  const slow = hub.subscribe('t')
  const fast = hub.subscribe('t')
  for (let i = 1; i <= 3; i++) await hub.publish('t', i)
  t.equal(hub.stats().subscribers, 2, 'a full queue is not yet an overflow')
  t.same(dataOf(await take(fast, 3)), [1, 2, 3])
  await hub.publish('t', 4)
  // Only the fast subscriber's copy of event 4 is queued: the slow one's three were freed.
  t.match(hub.stats(), { subscribers: 1, queued: 1, disconnects: 1, drops: 0 }, 'the queue was freed at once')
  await t.rejects(slow.next(), errors.FST_STREAM_SLOW_CONSUMER)
  t.same(await slow.next(), { done: true, value: undefined })
  t.same(dataOf(await take(fast, 1)), [4], 'the others go on')
  await fast.return()
})

t.test('a stalled subscriber never grows memory and never delays the others', async t => {
  const hub = createHub({ maxQueue: 16, overflow: 'drop-oldest', historySize: 0 })
  t.teardown(() => hub.close())
  const stalled = hub.subscribe('t')
  const reader = hub.subscribe('t')
  let maxQueued = 0
  const reading = take(reader, 2000)
  for (let i = 0; i < 2000; i++) {
    await hub.publish('t', i)
    maxQueued = Math.max(maxQueued, hub.stats().queued)
  }
  const events = await reading
  t.equal(events.length, 2000, 'the reader got every event')
  t.ok(maxQueued <= 17, `at most one queue's worth is held (max ${maxQueued})`)
  t.equal(hub.stats().drops, 2000 - 16)
  t.same(dataOf(await take(stalled, 16)), Array.from({ length: 16 }, (_, i) => 1984 + i))
  await stalled.return()
  await reader.return()
})

t.test('a disconnected subscriber mid-replay is freed too', async t => {
  const hub = createHub({ maxQueue: 2 })
  t.teardown(() => hub.close())
  const ids = []
  for (let i = 0; i < 3; i++) ids.push(await hub.publish('t', i))
  const resumed = hub.subscribe('t', { lastEventId: ids[0] })
  // Three live events arrive before the replay is applied: the queue of two overflows.
  for (let i = 3; i < 6; i++) await hub.publish('t', i)
  await t.rejects(resumed.next(), errors.FST_STREAM_SLOW_CONSUMER)
  t.equal(hub.stats().queued, 0)
})

t.test('aborting the signal ends a pending next() at once and releases everything', async t => {
  const hub = createHub({ historySize: 0 })
  t.teardown(() => hub.close())
  const controller = new AbortController()
  const subscription = hub.subscribe('t', { signal: controller.signal })
  t.equal(getEventListeners(controller.signal, 'abort').length, 1)
  const pending = subscription.next()
  controller.abort()
  t.same(await pending, { done: true, value: undefined })
  t.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the listener is removed')
  t.match(hub.stats(), { topics: 0, subscribers: 0, queued: 0 })
  t.equal(hub.stats().backend.topics, 0)
  t.same(await subscription.next(), { done: true, value: undefined })
  await subscription.return()
})

t.test('return() frees the queue and a pending next() and removes the abort listener', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const controller = new AbortController()
  const queued = hub.subscribe('t', { signal: controller.signal })
  await hub.publish('t', 1)
  await hub.publish('t', 2)
  t.equal(hub.stats().queued, 2)
  await queued.return()
  t.equal(hub.stats().queued, 0)
  t.equal(getEventListeners(controller.signal, 'abort').length, 0)
  const waiting = hub.subscribe('t', { signal: controller.signal })
  const pending = waiting.next()
  await waiting.return()
  t.same(await pending, { done: true, value: undefined })
  controller.abort()
  t.equal(hub.stats().subscribers, 0)
})

t.test('a subscription with an already aborted signal is over before it starts', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t', { signal: AbortSignal.abort(), lastEventId: 'x' })
  t.same(await subscription.next(), { done: true, value: undefined })
  t.match(hub.stats(), { topics: 0, subscribers: 0, resumes: 0 })
})

t.test('aborting during a replay ends it without waiting for the replay', async t => {
  const hub = createHub()
  t.teardown(() => hub.close())
  const id = await hub.publish('t', 1)
  const controller = new AbortController()
  const subscription = hub.subscribe('t', { signal: controller.signal, lastEventId: id })
  const pending = subscription.next()
  controller.abort()
  t.same(await pending, { done: true, value: undefined })
  t.equal(hub.stats().subscribers, 0)
})
