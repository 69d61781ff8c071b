// fastify.hub over real sockets: a route that streams a subscription delivers published
// events as SSE and NDJSON, resumes from Last-Event-ID, and ends a slow consumer in-band.
import type { Socket } from 'node:net'
import { EventSource } from 'eventsource'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import fastifyStream, { errors, type FastifyStreamOptions } from '../../plugin/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { listenApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { messagesOf, parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

const SSE = { accept: 'text/event-stream' }

function chatRoutes (app: FastifyInstance): void {
  app.get('/chat', (_request, reply) =>
    reply.stream(({ signal, lastEventId }) => app.hub.subscribe('chat', { signal, lastEventId })))
}

async function chatApp (options: FastifyStreamOptions = {}): Promise<{ app: FastifyInstance, url: string }> {
  const { app, url } = await listenApp(chatRoutes, options)
  return { app, url: url + '/chat' }
}

t.test('published events reach an SSE subscriber with their ids', async t => {
  const { app, url } = await chatApp()
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  await client.waitFor(text => text.length > 0)
  t.equal(app.hub.stats().subscribers, 1)
  const ids = []
  for (const text of ['hi', 'how are you?', 'bye']) ids.push(await app.hub.publish('chat', { text }, { event: 'chat' }))
  await client.waitFor(text => parseSse(text).length === 3)
  const events = parseSse(client.text)
  t.same(events.map(event => event.id), ids)
  t.same(events.map(event => event.event), ['chat', 'chat', 'chat'])
  t.same(events.map(event => JSON.parse(event.data).text), ['hi', 'how are you?', 'bye'])
  client.close()
  await client.ended
})

t.test('the same events reach an NDJSON subscriber as JSON lines', async t => {
  const { app, url } = await chatApp()
  t.teardown(() => app.close())
  const client = await openStream(url, { accept: 'application/x-ndjson' })
  t.equal(client.headers['content-type'], 'application/x-ndjson')
  // NDJSON has no preamble: wait until the subscription exists before publishing.
  await waitUntil(() => app.hub.stats().subscribers === 1, () => app.hub.subscribe('ready-probe').return())
  await app.hub.publish('chat', { n: 1 })
  await app.hub.publish('chat', 'plain')
  await client.waitFor(text => text.split('\n').length === 3)
  t.equal(client.text, '{"n":1}\n"plain"\n')
  client.close()
})

t.test('Last-Event-ID resumes with what was missed, then live, without duplicates', async t => {
  const { app, url } = await chatApp()
  t.teardown(() => app.close())
  const ids = []
  for (let i = 1; i <= 5; i++) ids.push(await app.hub.publish('chat', i))
  const client = await openStream(url, { ...SSE, 'last-event-id': ids[1]! })
  await client.waitFor(text => messagesOf(text).length === 3)
  await app.hub.publish('chat', 6)
  await client.waitFor(text => messagesOf(text).length === 4)
  t.same(messagesOf(client.text).map(event => Number(event.data)), [3, 4, 5, 6])
  t.equal(app.streams.resumes, 1)
  t.equal(app.hub.stats().resumes, 1)
  client.close()
})

t.test('eventsource@4 reconnects after a dropped connection and resumes from the hub without a gap', async t => {
  const cursors: Array<string | undefined> = []
  const sockets: Socket[] = []
  const { app, url } = await listenApp(app => {
    app.get('/chat', (request, reply) => {
      cursors.push(request.lastEventId)
      sockets.push(request.raw.socket)
      return reply.stream(({ signal, lastEventId }) => app.hub.subscribe('chat', { signal, lastEventId }), { retryMs: 10 })
    })
  }, { heartbeatMs: 0 })
  t.teardown(() => app.close())
  const source = new EventSource(url + '/chat')
  t.teardown(() => source.close())
  const received: number[] = []
  let waiting = { count: 0, done: deferred() }
  source.onmessage = event => {
    received.push(Number(event.data))
    if (received.length === waiting.count) waiting.done.resolve()
  }
  const opened = deferred()
  source.onopen = () => opened.resolve()
  await opened.promise
  waiting = { count: 2, done: deferred() }
  for (let i = 1; i <= 2; i++) await app.hub.publish('chat', i)
  await waiting.done.promise
  // The connection drops; what is published meanwhile comes back through the resume.
  const reconnected = deferred()
  source.onopen = () => reconnected.resolve()
  waiting = { count: 5, done: deferred() }
  sockets[0]!.destroy()
  for (let i = 3; i <= 4; i++) await app.hub.publish('chat', i)
  await reconnected.promise
  await app.hub.publish('chat', 5)
  await waiting.done.promise
  source.close()
  t.same(received, [1, 2, 3, 4, 5])
  t.equal(cursors.length, 2)
  t.equal(cursors[0], undefined)
  t.match(cursors[1], /-2$/, 'the browser-style client sent the id of the last event it saw')
})

t.test('a stale Last-Event-ID gets a reset event, then live events', async t => {
  const { app, url } = await chatApp()
  t.teardown(() => app.close())
  const other = createHub()
  const stale = await other.publish('chat', 'old')
  await other.close()
  await app.hub.publish('chat', 'before')
  const client = await openStream(url, { ...SSE, 'last-event-id': stale })
  await client.waitFor(text => parseSse(text).length === 1)
  await app.hub.publish('chat', 'after')
  await client.waitFor(text => parseSse(text).length === 2)
  const [reset, live] = parseSse(client.text)
  t.equal(reset!.event, 'reset')
  t.match(JSON.parse(reset!.data), { reason: 'stale' })
  t.equal(live!.data, 'after')
  client.close()
})

t.test('a slow consumer is disconnected in-band and resumes from history', async t => {
  const { app, url } = await chatApp({ hub: { maxQueue: 4 } })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  await client.waitFor(text => text.length > 0)
  client.pause()
  const big = 'x'.repeat(64 * 1024)
  const ids: string[] = []
  // The socket buffers fill, the pump waits for drain, the queue of 4 overflows: bounded.
  for (let i = 0; i < 2000 && app.hub.stats().disconnects === 0; i++) ids.push(await app.hub.publish('chat', { i, big }))
  t.equal(app.hub.stats().disconnects, 1, 'the subscriber was disconnected')
  t.equal(app.streams.errors, 0, 'a slow subscriber is not a stream error')
  t.equal(app.hub.stats().queued, 0, 'its queue was freed')
  client.resume()
  const ended = await client.ended
  t.ok(ended.complete, 'SSE ends cleanly after the error event')
  const events = parseSse(client.text)
  const last = events[events.length - 1]!
  t.equal(last.event, 'stream-error')
  t.equal(JSON.parse(last.data).code, 'FST_STREAM_SLOW_CONSUMER')
  const received = events.slice(0, -1)
  t.same(received.map(event => event.id), ids.slice(0, received.length), 'a gapless prefix')
  // The client resumes from the last id it got and receives the rest from history.
  const resumed = await openStream(url, { ...SSE, 'last-event-id': received[received.length - 1]!.id! })
  await resumed.waitFor(text => messagesOf(text).length === ids.length - received.length)
  t.same(messagesOf(resumed.text).map(event => event.id), ids.slice(received.length))
  resumed.close()
})

t.test('fastify.close() ends hub streams and closes the hub the plugin created', async t => {
  const { app, url } = await chatApp()
  const client = await openStream(url, SSE)
  await client.waitFor(text => text.length > 0)
  await app.close()
  await client.ended
  t.equal(app.hub.stats().backend.state, 'closed')
  await t.rejects(app.hub.publish('chat', 1), errors.FST_STREAM_HUB_CLOSED)
})

t.test('a hub passed in is used as it is and left open for its owner', async t => {
  const hub = createHub({ historySize: 3 })
  const app = Fastify()
  await app.register(fastifyStream, { hub })
  t.equal(app.hub, hub)
  await app.close()
  t.equal(hub.stats().backend.state, 'ready')
  await hub.close()
})

t.test('the hub option is validated at register time', async t => {
  for (const hub of [5, 'memory', [], null, { historySize: -1 }, { overflow: 'never' }, { nope: 1 }]) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(fastifyStream, { hub } as never) }, { code: 'FST_STREAM_INVALID_OPTION' }, JSON.stringify(hub))
  }
})

t.test('hub options configure the hub the plugin creates', async t => {
  const app = Fastify()
  await app.register(fastifyStream, { hub: { historySize: 2, maxQueue: 1, overflow: 'drop-oldest' } })
  t.teardown(() => app.close())
  const subscription = app.hub.subscribe('t')
  for (let i = 0; i < 3; i++) await app.hub.publish('t', i)
  t.equal(app.hub.stats().drops, 2)
  t.equal((await subscription.next()).value?.data, 2)
})

/** Waits until `done()` holds, checking after each round trip through `step()`; bounded. */
async function waitUntil (done: () => boolean, step: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await step()
  if (!done()) throw new Error('condition never held')
}

t.test('a waiting subscriber gets live events written at once (push path), in order, also as CSV', async t => {
  const { app, url } = await chatApp()
  t.teardown(() => app.close())
  const sseClient = await openStream(url, SSE)
  const csvClient = await openStream(url, { accept: 'text/csv' })
  await sseClient.waitFor(text => text.length > 0)
  while (app.hub.stats().subscribers < 2) await new Promise(resolve => setImmediate(resolve))
  const events = app.streams.events
  for (let i = 0; i < 50; i++) await app.hub.publish('chat', { i })
  await sseClient.waitFor(text => parseSse(text).length === 50)
  t.same(parseSse(sseClient.text).map(event => JSON.parse(event.data).i), Array.from({ length: 50 }, (_, i) => i))
  // CSV has no shared frame, so the push path declines and next() delivers instead.
  await csvClient.waitFor(text => text.split('\r\n').length === 52)
  t.equal(csvClient.text.split('\r\n')[1], '0')
  t.equal(app.streams.events - events, 100)
  sseClient.close()
  csvClient.close()
})
