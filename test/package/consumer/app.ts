// A TypeScript consumer of the packed package, checked under each moduleResolution by
// test/package/tarball.test.ts: both entry points, reply.stream, the hub and typed errors.
import Fastify from 'fastify'
import fastifyStream, { createMemoryAdapter, errors, sse, type HubAdapterFactory, type ReplySourceContext, type StreamCounters } from 'fastify-stream'
import { createHub, createSseEncoder, errors as coreErrors, streamResponse, type HubAdapterFactory as CoreAdapterFactory } from 'fastify-stream/core'
import { readNdjson, subscribe } from 'fastify-stream/client'

/** true only when T is `any`: errors must be precisely typed, never `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false

const app = Fastify()
await app.register(fastifyStream, { heartbeatMs: 15000, maxStreamsPerClient: 10 })

app.get('/ticks', (request, reply) =>
  reply.stream(async function * ({ signal, lastEventId }: ReplySourceContext) {
    signal.throwIfAborted()
    yield sse({ id: Number(lastEventId ?? 0) + 1, data: { ok: true } })
  }, { formats: ['sse', 'ndjson'] }))

const counters: StreamCounters = app.streams
const open: number = counters.open
const shutdown = new errors.FST_STREAM_SHUTDOWN()
const code: 'FST_STREAM_SHUTDOWN' = shutdown.code
const status: 503 = shutdown.statusCode
const notAny: IsAny<typeof errors.FST_STREAM_INVALID_OPTION> = false
const sameErrors: typeof errors = coreErrors
const id: Promise<string> = app.hub.publish('chat', { text: 'hi' })
const adapter: HubAdapterFactory = createMemoryAdapter()
const sameFactory: CoreAdapterFactory = adapter
const hub = createHub({ historySize: 10, adapter: sameFactory })
const encoder = createSseEncoder({ retryMs: 1000 })
const frame: string = encoder.encode(sse({ data: 'x' }))
const handler: typeof streamResponse = streamResponse

interface ChatEvents { chat: { text: string } }
async function readChat (): Promise<string[]> {
  const texts: string[] = []
  for await (const event of subscribe<ChatEvents>('http://127.0.0.1:3000/chat', { headers: { authorization: 'Bearer x' } })) {
    if (event.type === 'chat') texts.push(event.data.text)
  }
  for await (const item of readNdjson<{ n: number }>(fetch('http://127.0.0.1:3000/n'))) texts.push(String(item.n))
  return texts
}

export { open, code, status, notAny, sameErrors, id, hub, frame, handler, readChat }
