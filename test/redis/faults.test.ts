// Redis outages: redis-server is killed mid-stream and restarted on the same port. Publishing
// fails with FST_STREAM_HUB_UNAVAILABLE meanwhile, subscribers stay connected, the state shows
// in hub.stats() and the logs, and each process goes back to the streams after its pub/sub
// link returns, so every event published after recovery arrives, in order, exactly once, and
// what Redis lost is reported as a reset.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { errors } from '../../plugin/index.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { listenApp } from '../helpers/app.js'
import { logLines, type LogLines } from '../helpers/log-lines.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { messagesOf, parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

const SSE = { accept: 'text/event-stream' }
// Reconnect quickly so the test spends its time on behaviour, not on ioredis's backoff.
const FAST_RETRY = { retryStrategy: () => 50 }

function chatRoutes (app: FastifyInstance): void {
  app.get('/chat', (_request, reply) =>
    reply.stream(({ signal, lastEventId }) => app.hub.subscribe('chat', { signal, lastEventId })))
}

async function instance (url: string, log: LogLines): Promise<{ app: FastifyInstance, url: string }> {
  const adapter = await createRedisAdapter({ url, keyPrefix: 'faults:', redisOptions: FAST_RETRY })
  const started = await listenApp(chatRoutes, { hub: { adapter }, heartbeatMs: 0 }, { logger: { level: 'info', stream: log } })
  return { app: started.app, url: started.url + '/chat' }
}

t.test('killing and restarting redis-server mid-stream loses no event published after recovery', async t => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  const logA = logLines()
  const logB = logLines()
  const a = await instance(server.url, logA)
  const b = await instance(server.url, logB)
  t.teardown(() => Promise.all([a.app.close(), b.app.close()]))

  const start = await a.app.hub.publish('chat', 0)
  const client = await openStream(b.url, { ...SSE, 'last-event-id': start })
  let ended = false
  client.ended.then(() => { ended = true }, () => { ended = true })
  const ids: string[] = []
  for (let i = 1; i <= 10; i++) ids.push(await a.app.hub.publish('chat', i))
  await client.waitFor(text => messagesOf(text).length === 10)

  await server.kill()
  await logA.waitFor('Redis connection lost')
  await t.rejects(a.app.hub.publish('chat', 'lost?'), errors.FST_STREAM_HUB_UNAVAILABLE, 'publish fails during the outage, nothing is queued')
  t.match(a.app.hub.stats().backend, { adapter: 'redis', state: 'down', outages: 1 })
  t.match(a.app.hub.stats().backend.lastError, /ECONNREFUSED|closed|ECONNRESET/)
  const warning = await logA.waitFor('Redis connection lost')
  t.equal(warning.level, 40, 'logged as a warning through fastify.log')
  // A client that resumes on B during the outage is connected at once and waits.
  const resumer = await openStream(b.url, { ...SSE, 'last-event-id': ids[2]! })
  t.equal(resumer.status, 200)

  const readyLines = logA.records.length
  await server.start()
  await logA.waitFor('Redis connection ready', readyLines)
  t.equal(a.app.hub.stats().backend.state, 'ready')
  // Published at once, possibly before B's reader is back: it must still get them.
  for (let i = 11; i <= 20; i++) ids.push(await a.app.hub.publish('chat', i))

  await client.waitFor(text => messagesOf(text).length === 20)
  const events = messagesOf(client.text)
  t.same(events.map(event => Number(event.data)), Array.from({ length: 20 }, (_, i) => i + 1), 'in order, none lost, none twice')
  t.same(events.map(event => event.id), ids)
  t.notOk(ended, 'the subscriber stayed connected through the outage')
  const caughtUp = await logB.waitFor('Redis pub/sub reconnected')
  t.equal(caughtUp.topics, 1, 'B went back to the stream of the topic it follows')
  // Redis lost its data: B cannot prove that nothing was published and lost between event
  // 10 and the restart, so its live subscriber is told so, between 10 and 11.
  const live = parseSse(client.text)
  const resetAt = live.findIndex(event => event.event === 'reset')
  t.ok(resetAt > 0, 'a reset on the live stream')
  t.equal(JSON.parse(live[resetAt]!.data).reason, 'stale', 'because the topic\'s keys were recreated')
  t.equal(live[resetAt - 1]!.data, '10')
  t.equal(live[resetAt + 1]!.data, '11')

  // Redis lost its data (no persistence): the resumer's cursor is gone, so it is told so.
  await resumer.waitFor(text => messagesOf(text).length === 10)
  const resumed = parseSse(resumer.text)
  t.equal(resumed[0]!.event, 'reset')
  t.match(JSON.parse(resumed[0]!.data).reason, /^(expired|unknown)$/)
  t.same(messagesOf(resumer.text).map(event => Number(event.data)), Array.from({ length: 10 }, (_, i) => i + 11))
  client.close()
  resumer.close()
})

t.test('a Redis that is down when a subscriber arrives delays it, then delivers what was published after it came', async t => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  const log = logLines()
  const a = await instance(server.url, log)
  t.teardown(() => a.app.close())
  await server.kill()
  await log.waitFor('Redis connection lost')
  const client = await openStream(a.url, SSE)
  t.equal(client.status, 200, 'the stream opens even while Redis is down')
  const from = log.records.length
  await server.start()
  await log.waitFor('Redis connection ready', from)
  // Published at once, before the reader may have read its position: it arrived before.
  await a.app.hub.publish('chat', 'after')
  await client.waitFor(text => messagesOf(text).length === 1)
  t.equal(messagesOf(client.text)[0]!.data, 'after')
  client.close()
})
