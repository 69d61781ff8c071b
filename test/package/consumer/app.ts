// A TypeScript consumer of the packed package, checked under each moduleResolution by
// test/package/tarball.test.ts: every entry point, reply.stream, the hub, metrics and typed errors.
import Fastify from 'fastify'
import fastifyStream, { errors, sse, type Hub, type ReplySourceContext, type StreamCounters } from 'fastify-stream'
import { createHub, createMemoryAdapter, type HubAdapterFactory, type ResetData } from 'fastify-stream/hub'
import { registerStreamMetrics } from 'fastify-stream/metrics'
import { encodeSseEvent, errors as coreErrors, streamResponse } from 'fastify-stream/core'
import { readNdjson, subscribe, type ResetData as ClientResetData } from 'fastify-stream/client'
import { Registry } from 'prom-client'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { streamContent, transformStreamDocument } from 'fastify-stream'

/** true only when T is `any`: errors must be precisely typed, never `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false

const app = Fastify()
await app.register(fastifyStream, { heartbeatMs: 15000, maxStreamsPerClient: 10 })

app.get('/ticks', (request, reply) =>
  reply.stream(async function * ({ signal, lastEventId }: ReplySourceContext) {
    signal.throwIfAborted()
    yield sse({ id: Number(lastEventId ?? 0) + 1, data: { ok: true } })
  }, { formats: ['sse', 'ndjson'] }))

// A route that declares its items: the TypeBox provider types what its source yields.
const User = Type.Object({ id: Type.Integer(), name: Type.String() })
app.withTypeProvider<TypeBoxTypeProvider>().get('/users', { schema: { response: { 200: streamContent(User, ['sse', 'ndjson']) } } }, (_request, reply) =>
  reply.stream(async function * () {
    yield { id: 1, name: 'Ada', passwordHash: 'not sent' }
    yield sse({ id: 2, data: { id: 2, name: 'Grace' } })
  }))
const openapi: Record<string, unknown> = transformStreamDocument({ openapi: '3.1.0', paths: {} })

const counters: StreamCounters = app.streams
const open: number = counters.open
const shutdown = new errors.FST_STREAM_SHUTDOWN()
const code: 'FST_STREAM_SHUTDOWN' = shutdown.code
const status: 503 = shutdown.statusCode
const notAny: IsAny<typeof errors.FST_STREAM_INVALID_OPTION> = false
const sameErrors: typeof errors = coreErrors
const id: Promise<string> = app.hub.publish('chat', { text: 'hi' })
const adapter: HubAdapterFactory = createMemoryAdapter()
const hub: Hub = createHub({ historySize: 10, adapter })
const frame: string = encodeSseEvent(sse({ data: 'x' }))
const handler: typeof streamResponse = streamResponse
registerStreamMetrics(app, { registry: new Registry() })
const reset: ClientResetData = { reason: 'expired', earliest: null } satisfies ResetData

interface ChatEvents { chat: { text: string } }
async function readChat (): Promise<string[]> {
  const texts: string[] = []
  for await (const event of subscribe<ChatEvents>('http://127.0.0.1:3000/chat', { headers: { authorization: 'Bearer x' } })) {
    if (event.type === 'chat') texts.push(event.data.text)
    else if (event.type === 'reset') texts.push(event.data.reason)
  }
  for await (const item of readNdjson<{ n: number }>(fetch('http://127.0.0.1:3000/n'))) texts.push(String(item.n))
  return texts
}

export { openapi, open, code, status, notAny, sameErrors, id, hub, frame, handler, reset, readChat }
