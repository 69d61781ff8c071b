// The memory adapter keeps the Redis adapter's semantics for retention and retries: history
// has a TTL (idle topics are forgotten, so memory returns to its baseline) and an idempotency
// key makes a retried publish store nothing.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { createHub } from '../../lib/hub/create-hub.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { dataOf, keepAdapter, take } from '../helpers/hub.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc (): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

async function until (condition: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

t.test('an idempotency key makes a retry store nothing and deliver nothing', async t => {
  const hub = createHub({ historyTtlMs: 200 })
  t.teardown(() => hub.close())
  const subscription = hub.subscribe('t')
  const first = await hub.publish('t', 'pay', { idempotencyKey: 'charge-1' })
  t.equal(await hub.publish('t', 'pay', { idempotencyKey: 'charge-1' }), first)
  await hub.publish('t', 'next')
  t.same(dataOf(await take(subscription, 2)), ['pay', 'next'], 'seen once')
  // Past the TTL the key is forgotten: the same key is a new publish.
  await new Promise(resolve => setTimeout(resolve, 450))
  t.not(await hub.publish('t', 'pay', { idempotencyKey: 'charge-1' }), first)
  for (const bad of ['', 'x'.repeat(129), 'tab\there', 5]) {
    await t.rejects(hub.publish('t', 1, { idempotencyKey: bad as string }), { code: 'FST_STREAM_INVALID_OPTION', message: /idempotencyKey/ })
  }
})

t.test('idle topics past the history TTL are forgotten and the heap returns to its baseline', async t => {
  const hub = createHub({ historyTtlMs: 200 })
  t.teardown(() => hub.close())
  const baseline = heapAfterGc()
  for (let i = 0; i < 20_000; i++) await hub.publish(`topic-${i}`, { i, text: 'x'.repeat(100) })
  t.equal(hub.stats().backend.topics, 20_000)
  const full = heapAfterGc()
  t.ok(full - baseline > 2_000_000, `20,000 topics hold memory (${((full - baseline) / 1e6).toFixed(1)} MB)`)
  await until(() => hub.stats().backend.topics === 0)
  const after = heapAfterGc()
  t.ok(after - baseline < (full - baseline) / 10, `back near the baseline (${((after - baseline) / 1e6).toFixed(2)} MB over it)`)
})

t.test('a followed topic keeps its ids but loses idle history: an old cursor gets a reset', async t => {
  const hub = createHub({ historyTtlMs: 150 })
  t.teardown(() => hub.close())
  const live = hub.subscribe('t')
  const old = await hub.publish('t', 1)
  await hub.publish('t', 2)
  await take(live, 2)
  await new Promise(resolve => setTimeout(resolve, 400))
  t.equal(hub.stats().backend.topics, 1, 'still there: it has a subscriber')
  const resumed = hub.subscribe('t', { lastEventId: old })
  const [reset] = await take(resumed, 1)
  t.equal(reset!.event, 'reset')
  t.same(reset!.data, { reason: 'expired', earliest: null })
  await hub.publish('t', 3)
  t.same(dataOf(await take(live, 1)), [3], 'live delivery goes on')
  t.same(dataOf(await take(resumed, 1)), [3], 'and reaches the reset subscriber too')
})

t.test('historyTtlMs is checked', async t => {
  for (const bad of [0, -1, 1.5, '1000', 366 * 24 * 3600 * 1000]) {
    t.throws(() => createHub({ historyTtlMs: bad as number }), { code: 'FST_STREAM_INVALID_OPTION', message: /historyTtlMs/ })
  }
})

t.test('idempotency keys expire on their own while their topic stays busy', async t => {
  const kept = keepAdapter(createMemoryAdapter())
  const hub = createHub({ adapter: kept.factory, historyTtlMs: 1000 })
  t.teardown(() => hub.close())
  const keyedAt = Date.now()
  const first = await hub.publish('t', 1, { idempotencyKey: 'k' })
  // The sweep is driven by hand at chosen times: the topic was published to after the key.
  const adapter = kept.adapter
  const sweep = (adapter as unknown as { sweep: (now: number) => void }).sweep.bind(adapter)
  await new Promise(resolve => setTimeout(resolve, 50))
  await hub.publish('t', 2)
  sweep(keyedAt + 990)
  t.equal(await hub.publish('t', 1, { idempotencyKey: 'k' }), first, 'still within the TTL')
  sweep(keyedAt + 1020)
  t.equal(hub.stats().backend.topics, 1, 'the busy topic is kept')
  t.not(await hub.publish('t', 1, { idempotencyKey: 'k' }), first, 'the expired key is forgotten')
})
