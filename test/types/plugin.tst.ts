// Type tests (tstyche 5): what the plugin adds to Fastify's types, and what it refuses.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { expect, test } from 'tstyche'
import fastifyStream, {
  sse,
  type SseEvent,
  type FastifyStreamOptions,
  type ReplySourceContext,
  type ReplyStreamOptions,
  type StreamCounters
} from '../../plugin/index.js'

const app = Fastify()

test('register() takes the plugin and its options', () => {
  expect(app.register).type.toBeCallableWith(fastifyStream)
  expect(app.register).type.toBeCallableWith(fastifyStream, { heartbeatMs: 15000, defaultFormat: 'sse', endEvent: false })
  expect(app.register).type.not.toBeCallableWith(fastifyStream, { heartbeatMs: 'x' })
  expect(app.register).type.not.toBeCallableWith(fastifyStream, { defaultFormat: 'xml' })
  expect(app.register).type.not.toBeCallableWith(fastifyStream, { endEvent: true })
  expect<{ heartbeatMs: string }>().type.not.toBeAssignableTo<FastifyStreamOptions>()
  expect<{ heartbeatMs: number, maxStreams: number }>().type.toBeAssignableTo<FastifyStreamOptions>()
  expect<{ format: 'csv' }>().type.toBeAssignableTo<ReplyStreamOptions>()
  expect<{ format: 'json' }>().type.not.toBeAssignableTo<ReplyStreamOptions>()
})

test('reply.stream() returns the reply', () => {
  app.get('/', (_request, reply) => {
    const returned = reply.stream([1, 2, 3])
    expect(returned).type.toBe<FastifyReply>()
    expect(reply.stream(async function * () { yield 'x' }, { format: 'sse' })).type.toBe<FastifyReply>()
    return returned
  })
  app.get('/async', async (_request, reply) => reply.stream(new Set(['a'])))
})

test('reply.stream() accepts iterables and factories, not plain values', () => {
  app.get('/', (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith([1])
    expect(reply.stream).type.toBeCallableWith(new Map([['a', 1]]))
    expect(reply.stream).type.toBeCallableWith(async () => [1])
    expect(reply.stream).type.toBeCallableWith(async function * () { yield 1 })
    expect(reply.stream).type.not.toBeCallableWith(42)
    expect(reply.stream).type.not.toBeCallableWith(null)
    expect(reply.stream).type.not.toBeCallableWith([1], { heartbeatMs: '1' })
    expect(reply.stream).type.not.toBeCallableWith([1], { format: 'xml' })
    return reply.stream([])
  })
})

test('the factory context', () => {
  app.get('/', (_request, reply) => reply.stream(async function * (context) {
    expect(context).type.toBe<ReplySourceContext>()
    expect(context.signal).type.toBe<AbortSignal>()
    expect(context.lastEventId).type.toBe<string | undefined>()
    expect(context.request).type.toBe<FastifyRequest>()
    expect(context.reply).type.toBe<FastifyReply>()
    yield sse({ id: context.lastEventId ?? '0', data: null })
  }))
})

test('request.lastEventId and app.streams', () => {
  app.get('/', request => {
    expect(request.lastEventId).type.toBe<string | undefined>()
    return {}
  })
  expect(app.streams).type.toBe<StreamCounters>()
  expect(app.streams.open).type.toBe<number>()
  expect(app.streams.opened).type.toBe<number>()
  expect(app.streams.bytes).type.toBe<number>()
})

test('sse()', () => {
  expect(sse({ id: 1, event: 'x', data: {} })).type.toBe<SseEvent<{}, 'x'> & { readonly event: 'x' }>()
  expect(sse({ data: 1 })).type.toBe<SseEvent<number, never>>()
  expect(sse({})).type.toBeAssignableTo<SseEvent>()
  expect(sse).type.toBeCallableWith({ id: 'a', retry: 1000, comment: 'c', data: 'x' })
  expect(sse).type.not.toBeCallableWith({ id: true })
  expect(sse).type.not.toBeCallableWith({ retry: '1000' })
  expect(sse).type.not.toBeCallableWith({ event: 1 })
  expect(sse).type.not.toBeCallableWith({ name: 'x' })
})
