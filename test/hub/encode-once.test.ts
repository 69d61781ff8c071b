// Encode once, counted: a published event is serialized once, at publish, however many
// subscribers stream it (SSE and NDJSON, live and replayed, compressed or not), on the memory
// adapter and on Redis. A route with a serializer of its own serializes each event once more for its
// streams, still not once per subscriber.
import t from 'tap'
import fastifyStream, { type HubOptions } from '../../plugin/index.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import Fastify from 'fastify'
import { within } from '../helpers/bounded-wait.js'
import { openDecoded } from '../helpers/decoded-stream.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { messagesOf } from '../helpers/sse-parse.js'
import { openStream, type StreamClient } from '../helpers/stream-client.js'

const SUBSCRIBERS = 20
const EVENTS = 5

/** A JSON serializer that counts its calls. */
function counting (): { serializer: (value: unknown) => string, calls: () => number } {
  let calls = 0
  return { serializer: value => { calls++; return JSON.stringify(value) }, calls: () => calls }
}

async function streamingApp (hub: HubOptions, route: { serializer?: (value: unknown) => string }): Promise<{ app: ReturnType<typeof Fastify>, url: string }> {
  const app = Fastify()
  // The hub's own options, so the plugin creates (and closes) it.
  await app.register(fastifyStream, { hub, heartbeatMs: 0 })
  app.get('/feed', (request, reply) => reply.stream(app.hub.subscribe('feed', { lastEventId: request.lastEventId })))
  app.get('/own', (request, reply) => reply.stream(app.hub.subscribe('feed', { lastEventId: request.lastEventId }), route))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }
}

async function openMany (url: string, accept: string): Promise<StreamClient[]> {
  return Promise.all(Array.from({ length: SUBSCRIBERS }, () => openStream(url, { accept })))
}

for (const store of ['memory', 'redis'] as const) {
  t.test(`${store}: one serialization per event, for every subscriber, format and replay`, async t => {
    const publisher = counting()
    const route = counting()
    const adapter = store === 'memory' ? undefined : await startRedisServer().then(server => { t.teardown(() => server.stop()); return createRedisAdapter({ url: server.url }) })
    const { app, url } = await streamingApp({ serializer: publisher.serializer, ...(adapter === undefined ? {} : { adapter }) }, { serializer: route.serializer })
    t.teardown(() => app.close())
    const sse = await openMany(url + '/feed', 'text/event-stream')
    const ndjson = await openMany(url + '/feed', 'application/x-ndjson')
    const own = await openMany(url + '/own', 'text/event-stream')
    const ids: string[] = []
    for (let i = 0; i < EVENTS; i++) ids.push(await app.hub.publish('feed', { i }))
    await within(Promise.all(sse.map(client => client.waitFor(text => messagesOf(text).length === EVENTS))), 'every SSE subscriber has every event')
    await within(Promise.all([...ndjson, ...own].map(client => client.waitFor(text => text.includes('"i":4')))), 'the others too')
    const resumed = await openStream(url + '/feed', { accept: 'text/event-stream', 'last-event-id': ids[0]! })
    await within(resumed.waitFor(text => messagesOf(text).length === EVENTS - 1), 'the replay')
    t.equal(publisher.calls(), EVENTS, `${EVENTS} events, ${3 * SUBSCRIBERS + 1} subscribers: serialized once each`)
    t.equal(route.calls(), EVENTS, 'the route\'s own serializer: once per event for all its streams')
    for (const client of [...sse, ...ndjson, ...own, resumed]) client.close()
  })
}

t.test('compressed subscribers: each compresses its own bytes, the event is still serialized once', async t => {
  const publisher = counting()
  const app = Fastify()
  await app.register(fastifyStream, { hub: { serializer: publisher.serializer }, heartbeatMs: 0 })
  app.get('/feed', (_request, reply) => reply.stream(app.hub.subscribe('feed'), { compress: { encodings: ['br', 'gzip'] } }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/feed`
  const clients = await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => openDecoded(url, i % 2 === 0 ? 'text/event-stream' : 'application/x-ndjson', i % 4 < 2 ? 'gzip' : 'br')))
  for (let i = 0; i < EVENTS; i++) await app.hub.publish('feed', { i })
  await within(Promise.all(clients.map(client => client.waitFor(text => text.includes('"i":4')))), 'every compressed subscriber has every event')
  t.equal(publisher.calls(), EVENTS, `${EVENTS} events, ${SUBSCRIBERS} compressed subscribers in two codings and two formats: serialized once each`)
  for (const client of clients) client.destroy()
})
