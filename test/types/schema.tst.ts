// Type tests (tstyche 5): a route's declared items type its stream, with the two type
// providers Fastify documents; without one, nothing changes.
import Fastify from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import { expect, test } from 'tstyche'
import { sse, sseEvents, streamContent } from '../../plugin/index.js'

const UserT = Type.Object({ id: Type.Integer(), name: Type.String() })
const CpuT = Type.Object({ load: Type.Number() })
const MemoryT = Type.Object({ used: Type.Integer() })

test('typebox: items must match the itemSchema', () => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  app.get('/users', { schema: { response: { 200: { content: { 'application/x-ndjson': { itemSchema: UserT } } } } } }, (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith([{ id: 1, name: 'a' }])
    expect(reply.stream).type.toBeCallableWith(async function * () { yield { id: 1, name: 'a', passwordHash: 'x' } })
    expect(reply.stream).type.toBeCallableWith([sse({ id: 1, data: { id: 1, name: 'a' } })])
    expect(reply.stream).type.not.toBeCallableWith([{ id: 'one', name: 'a' }])
    expect(reply.stream).type.not.toBeCallableWith(async function * () { yield { name: 'a' } })
    expect(reply.stream).type.not.toBeCallableWith([sse({ data: { id: 'one' } })])
    return reply.stream([])
  })
})

test('typebox: an SSE schema per event checks each event against its own', () => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  const Live = Type.Union([
    Type.Object({ event: Type.Literal('cpu'), data: CpuT }),
    Type.Object({ event: Type.Literal('memory'), data: MemoryT })
  ])
  app.get('/live', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: Live } } } } } }, (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith([sse({ event: 'cpu', data: { load: 0.5 } }), sse({ event: 'memory', data: { used: 3 } })])
    expect(reply.stream).type.toBeCallableWith(async function * () { yield sse({ event: 'cpu', data: { load: 1 } }); yield sse({ event: 'memory', id: 2, data: { used: 3 } }) })
    expect(reply.stream).type.not.toBeCallableWith([sse({ event: 'cpu', data: { used: 3 } })])
    expect(reply.stream).type.not.toBeCallableWith(async function * () { yield sse({ event: 'memory', data: { load: 1 } }) })
    expect(reply.stream).type.not.toBeCallableWith([sse({ event: 'disk', data: { load: 1 } })])
    expect(reply.stream).type.not.toBeCallableWith([{ load: 0.5 }])
    return reply.stream([])
  })
})

test('typebox: a hub subscription must carry the declared data', () => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  app.get('/users', { schema: { response: { 200: streamContent(UserT, ['sse']) } } }, (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith(app.hub.subscribe<{ id: number, name: string }>('users'))
    expect(reply.stream).type.not.toBeCallableWith(app.hub.subscribe<{ id: string }>('users'))
    expect(reply.stream).type.not.toBeCallableWith(app.hub.subscribe('users'))
    return reply.stream(app.hub.subscribe<{ id: number, name: string }>('users'))
  })
})

test('json-schema-to-ts: plain schemas as const, with the helpers', () => {
  const app = Fastify().withTypeProvider<JsonSchemaToTsProvider>()
  const User = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id'], additionalProperties: false } as const
  app.get('/users', { schema: { response: { 200: streamContent(User) } } }, (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith([{ id: 1 }, { id: 2, name: 'b' }])
    expect(reply.stream).type.not.toBeCallableWith([{ id: '1' }])
    expect(reply.stream).type.not.toBeCallableWith([{ name: 'no id' }])
    return reply.stream([])
  })
  const Cpu = { type: 'object', properties: { load: { type: 'number' } }, required: ['load'] } as const
  app.get('/live', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: sseEvents({ cpu: Cpu, note: { type: 'string' } }) } } } } } }, (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith([sse({ event: 'cpu', data: { load: 1 } }), sse({ event: 'note', data: 'hi' })])
    expect(reply.stream).type.not.toBeCallableWith([sse({ event: 'cpu', data: 'hi' })])
    return reply.stream([])
  })
})

test('without a type provider, any item is accepted, as before', () => {
  const app = Fastify()
  app.get('/users', { schema: { response: { 200: streamContent({ type: 'object', properties: { id: { type: 'integer' } } }) } } }, (_request, reply) => {
    expect(reply.stream).type.toBeCallableWith([{ id: 'anything' }, 42, 'x'])
    expect(reply.stream).type.toBeCallableWith(app.hub.subscribe('users'))
    return reply.stream([])
  })
})
