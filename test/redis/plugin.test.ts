// Two Fastify instances behind one Redis: a publish on either reaches subscribers on both in
// the same order, and a client that leaves A resumes on B from its Last-Event-ID.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { listenApp, type TestApp } from '../helpers/app.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { messagesOf } from '../helpers/sse-parse.js'
import { openStream, type StreamClient } from '../helpers/stream-client.js'

const SSE = { accept: 'text/event-stream' }

let server: RedisServer
t.before(async () => { server = await startRedisServer() })
t.teardown(() => server.stop())

function chatRoutes (app: FastifyInstance): void {
  app.get('/chat', (_request, reply) =>
    reply.stream(({ signal, lastEventId }) => app.hub.subscribe('chat', { signal, lastEventId })))
}

/** An instance with its own Redis adapter on the shared server. */
async function instance (prefix: string): Promise<TestApp> {
  const adapter = await createRedisAdapter({ url: server.url, keyPrefix: prefix })
  const started = await listenApp(chatRoutes, { hub: { adapter } })
  return { app: started.app, url: started.url + '/chat' }
}

/** Opens an SSE stream and waits until its subscription is live on `app`. */
async function subscribed (app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  const before = app.hub.stats().subscribers
  const client = await openStream(url, { ...SSE, ...headers })
  await client.waitFor(text => text.length > 0)
  if (app.hub.stats().subscribers !== before + 1) throw new Error('the subscription is not registered')
  return client
}

t.test('publishing on A or B reaches subscribers on both, in the same order', async t => {
  const a = await instance('pair1:')
  const b = await instance('pair1:')
  t.teardown(() => Promise.all([a.app.close(), b.app.close()]))
  // Each reader takes its position asynchronously, and a publish on the other instance has no
  // order with it; connecting with a cursor makes the start exact whatever the timing.
  const start = await a.app.hub.publish('chat', 'start')
  const onA = await subscribed(a.app, a.url, { 'last-event-id': start })
  const onB = await subscribed(b.app, b.url, { 'last-event-id': start })
  const ids = []
  for (let i = 1; i <= 20; i++) ids.push(await (i % 3 === 0 ? b : a).app.hub.publish('chat', { i }))
  for (const client of [onA, onB]) {
    await client.waitFor(text => messagesOf(text).length === 20)
    const events = messagesOf(client.text)
    t.same(events.map(event => event.id), ids, 'same ids in the same order')
    t.same(events.map(event => JSON.parse(event.data).i), Array.from({ length: 20 }, (_, i) => i + 1))
    client.close()
  }
})

t.test('a client that leaves A resumes on B with no gap and no duplicate', async t => {
  const a = await instance('pair2:')
  const b = await instance('pair2:')
  t.teardown(() => Promise.all([a.app.close(), b.app.close()]))
  const onA = await subscribed(a.app, a.url)
  const ids: string[] = []
  for (let i = 1; i <= 5; i++) ids.push(await a.app.hub.publish('chat', i))
  await onA.waitFor(text => messagesOf(text).length === 5)
  const lastSeen = messagesOf(onA.text).at(-1)!.id!
  t.equal(lastSeen, ids[4])
  onA.close()
  await onA.ended
  // Missed while away: published on A.
  for (let i = 6; i <= 10; i++) ids.push(await a.app.hub.publish('chat', i))
  const onB = await subscribed(b.app, b.url, { 'last-event-id': lastSeen })
  await onB.waitFor(text => messagesOf(text).length === 5)
  await b.app.hub.publish('chat', 11)
  await onB.waitFor(text => messagesOf(text).length === 6)
  const events = messagesOf(onB.text)
  t.same(events.map(event => Number(event.data)), [6, 7, 8, 9, 10, 11])
  t.same(events.slice(0, 5).map(event => event.id), ids.slice(5))
  t.equal(b.app.streams.resumes, 1)
  onB.close()
})

t.test('NDJSON subscribers on B get the same events', async t => {
  const a = await instance('pair3:')
  const b = await instance('pair3:')
  t.teardown(() => Promise.all([a.app.close(), b.app.close()]))
  const id = await a.app.hub.publish('chat', 'first')
  const onB = await openStream(b.url + '?lastEventId=' + encodeURIComponent(id), { accept: 'application/x-ndjson' })
  await a.app.hub.publish('chat', { second: true })
  await onB.waitFor(text => text.includes('\n'))
  t.equal(onB.text, '{"second":true}\n')
  onB.close()
})
