// Type tests (tstyche 5): the hub as the plugin exposes it.
import Fastify from 'fastify'
import { expect, test } from 'tstyche'
import fastifyStream, { type Hub, type HubStats, type HubSubscription, type SseEvent } from '../../plugin/index.js'
import type { HubAdapter, HubAdapterFactory } from '../../lib/hub/adapter.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import type { PresenceEventData, PresencePage } from '../../lib/hub/presence/presence.js'

const app = Fastify()

test('fastify.hub is a Hub', () => {
  expect(app.hub).type.toBe<Hub>()
  expect(app.hub.publish('chat', { text: 'hi' })).type.toBe<Promise<string>>()
  expect(app.hub.subscribe('chat')).type.toBe<HubSubscription>()
  expect(app.hub.stats()).type.toBe<HubStats>()
})

test('a subscription is a reply.stream() source of sse() events', () => {
  app.get('/chat', (_request, reply) =>
    reply.stream(({ signal, lastEventId }) => app.hub.subscribe('chat', { signal, lastEventId })))
  expect<HubSubscription>().type.toBeAssignableTo<AsyncIterable<SseEvent>>()
})

test('the hub option takes hub options or a hub', async () => {
  expect(app.register).type.toBeCallableWith(fastifyStream, { hub: { historySize: 10, maxQueue: 5, overflow: 'drop-oldest' } })
  expect(app.register).type.toBeCallableWith(fastifyStream, { hub: createHub() })
  expect(app.register).type.toBeCallableWith(fastifyStream, { hub: { adapter: await createRedisAdapter({ url: 'redis://127.0.0.1:6379' }) } })
  expect(app.register).type.not.toBeCallableWith(fastifyStream, { hub: { overflow: 'block' } })
  expect(app.register).type.not.toBeCallableWith(fastifyStream, { hub: { historySize: '10' } })
  expect(createRedisAdapter({ url: 'redis://x' })).type.toBe<Promise<HubAdapterFactory>>()
  expect(createRedisAdapter).type.toBeCallableWith({ url: 'redis://x', presenceTtlMs: 15_000 })
  expect(createRedisAdapter).type.not.toBeCallableWith({ url: 'redis://x', presenceTtlMs: '15s' })
})

test('adapters are factories that receive the hub\'s context', async () => {
  expect(createMemoryAdapter()).type.toBe<HubAdapterFactory>()
  expect(createHub).type.toBeCallableWith({ adapter: createMemoryAdapter() })
  expect(createHub).type.toBeCallableWith({ adapter: await createRedisAdapter({ url: 'redis://x' }) })
  // Not awaited, not called, or an adapter object instead of its factory.
  expect(createHub).type.not.toBeCallableWith({ adapter: createRedisAdapter({ url: 'redis://x' }) })
  expect(createHub).type.not.toBeCallableWith({ adapter: createMemoryAdapter })
  expect(createHub).type.not.toBeCallableWith({ adapter: createMemoryAdapter()({} as never) })
  const own: HubAdapterFactory = context => {
    expect(context.historySize).type.toBe<number>()
    return createMemoryAdapter()(context)
  }
  expect(own).type.toBeAssignableTo<(context: never) => HubAdapter>()
  expect<HubAdapter>().type.not.toHaveProperty('attach')
})

test('publish options and subscribe options are checked', () => {
  expect(app.hub.publish).type.toBeCallableWith('t', 1, { event: 'tick' })
  expect(app.hub.publish).type.not.toBeCallableWith('t', 1, { event: 1 })
  expect(app.hub.subscribe).type.not.toBeCallableWith('t', { overflow: 'never' })
  expect(app.hub.subscribe).type.not.toBeCallableWith('t', { signal: 'abort' })
})

test('presence: a subscription says who it is; hub.presence() pages; join and leave narrow by event', async () => {
  expect(app.hub.subscribe).type.toBeCallableWith('room', { presence: { id: 'ada', info: { name: 'Ada' } }, presenceEvents: true })
  expect(app.hub.subscribe).type.not.toBeCallableWith('room', { presence: { name: 'Ada' } })
  expect(app.hub.presence('room', { limit: 10, cursor: null })).type.toBe<Promise<PresencePage>>()
  expect(app.hub.presence).type.not.toBeCallableWith('room', { limit: '10' })
  for await (const event of app.hub.subscribe<{ text: string }>('room', { presenceEvents: true })) {
    if (event.event === 'join' || event.event === 'leave') expect(event.data).type.toBe<PresenceEventData | { text: string }>()
  }
  const page = await app.hub.presence('room')
  expect(page.users).type.toBe<number>()
  expect(page.cursor).type.toBe<string | null>()
})
