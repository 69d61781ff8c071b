// Type tests (tstyche 5): fastify-stream/client. One event map types the server's sse<M>()
// items and the client's subscribe<M>() events; readNdjson<T>() types its items.
import { expect, test } from 'tstyche'
import {
  StreamClientError,
  readNdjson,
  subscribe,
  type EventOf,
  type EventSubscription,
  type ResetData as ClientResetData,
  type SubscribeOptions,
  type SubscriptionEvent
} from '../../lib/client/index.js'
import { sse, type SseEvent } from '../../lib/index.js'
import type { ResetData } from '../../lib/hub/index.js'

interface ChatEvents {
  chat: { text: string, from: string }
  typing: { user: string }
  message: string
}

test('sse<M>() accepts exactly the events of the map', () => {
  expect(sse<ChatEvents>({ event: 'chat', id: 1, data: { text: 'hi', from: 'a' } })).type.toBeAssignableTo<SseEvent>()
  expect(sse<ChatEvents>).type.toBeCallableWith({ event: 'typing', data: { user: 'b' }, retry: 1000 })
  expect(sse<ChatEvents>).type.not.toBeCallableWith({ event: 'chat', data: { user: 'b' } })
  expect(sse<ChatEvents>).type.not.toBeCallableWith({ event: 'nope', data: {} })
  expect(sse<ChatEvents>).type.not.toBeCallableWith({ event: 'chat' })
  expect(sse<ChatEvents>).type.not.toBeCallableWith({ data: 'no event name' })
})

test('sse() without a map is unchanged', () => {
  expect(sse({ id: 1, event: 'anything', data: { any: true } })).type.toBeAssignableTo<SseEvent>()
  expect(sse({})).type.toBeAssignableTo<SseEvent>()
  expect(sse).type.not.toBeCallableWith({ id: true })
  expect(sse).type.not.toBeCallableWith({ name: 'x' })
})

test('subscribe<M>(): checking event.type narrows event.data', async () => {
  const subscription = subscribe<ChatEvents>('/chat', { headers: { authorization: 'Bearer x' } })
  expect(subscription).type.toBe<EventSubscription<ChatEvents>>()
  expect(subscription.lastEventId).type.toBe<string>()
  expect(subscription.done).type.toBe<Promise<void>>()
  for await (const event of subscription) {
    expect(event.type).type.toBe<'chat' | 'typing' | 'message' | 'reset'>()
    expect(event.text).type.toBe<string>()
    expect(event.id).type.toBe<string | undefined>()
    if (event.type === 'chat') expect(event.data).type.toBe<{ text: string, from: string }>()
    if (event.type === 'message') expect(event.data).type.toBe<string>()
    if (event.type === 'reset') expect(event.data).type.toBe<ResetData>()
  }
})

test('the callbacks get the same union', () => {
  subscribe<ChatEvents>('/chat', {
    onEvent: event => {
      expect(event).type.toBe<EventOf<ChatEvents>>()
      if (event.type === 'typing') expect(event.data.user).type.toBe<string>()
    }
  })
  expect(subscribe<ChatEvents>).type.not.toBeCallableWith('/chat', { onEvent: (event: SubscriptionEvent<'chat', number>) => event })
  expect<{ retryMs: number }>().type.toBeAssignableTo<SubscribeOptions<ChatEvents>>()
})

test('without a map: any name, unknown data', async () => {
  for await (const event of subscribe(new URL('http://x.test/'))) {
    expect(event).type.toBe<SubscriptionEvent<string, unknown>>()
  }
})

test('subscribe() options', () => {
  expect(subscribe).type.toBeCallableWith('/x', { method: 'POST', body: '{}', retryMs: 500, maxAttempts: Infinity, endEvent: false, lastEventId: '7' })
  expect(subscribe).type.toBeCallableWith('/x', { body: new URLSearchParams(), signal: AbortSignal.timeout(1), credentials: 'include' })
  expect(subscribe).type.not.toBeCallableWith('/x', { body: new ReadableStream() })
  expect(subscribe).type.not.toBeCallableWith('/x', { retryMs: '500' })
  expect(subscribe).type.not.toBeCallableWith('/x', { endEvent: true })
  expect(subscribe).type.toBeCallableWith('/x', { fetch: (url: string, init: RequestInit) => fetch(url, init) })
})

test('the client\'s reset data is the hub\'s', () => {
  expect<ClientResetData>().type.toBe<ResetData>()
})

test('readNdjson<T>()', async () => {
  for await (const user of readNdjson<{ id: number }>(fetch('/users'))) expect(user.id).type.toBe<number>()
  for await (const item of readNdjson(new Response('').body as ReadableStream<Uint8Array>, { signal: AbortSignal.timeout(1) })) expect(item).type.toBe<unknown>()
  expect(readNdjson).type.not.toBeCallableWith('/users')
})

test('errors carry a FST_STREAM_ code and a status', () => {
  const err = new StreamClientError('FST_STREAM_CLIENT_NETWORK', 'fastify-stream: x')
  expect(err.code).type.toBe<`FST_STREAM_${string}`>()
  expect(err.status).type.toBe<number | undefined>()
  expect(StreamClientError).type.not.toBeConstructableWith('NOT_OURS', 'x')
})
