// maxLifetimeMs: long streams end cleanly so connections rebalance across instances, and
// EventSource comes back with its Last-Event-ID and resumes without a gap.
import { setTimeout as sleep } from 'node:timers/promises'
import { EventSource } from 'eventsource'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import fastifyStream, { sse } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

/** An endless ticker that resumes after its cursor; records how each run ended. */
function tickerRoute (ends: unknown[], options: Record<string, unknown>) {
  return (app: FastifyInstance) => {
    app.get('/ticks', (_request, reply) => reply.stream(async function * ({ signal, lastEventId }) {
      try {
        for (let i = Number(lastEventId ?? 0) + 1; ; i++) {
          yield sse({ id: i, data: i })
          await sleep(5, undefined, { signal })
        }
      } catch (err) {
        ends.push((err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code)
      }
    }, options))
  }
}

t.test('an SSE stream past its lifetime ends cleanly with a retry hint and no end event', async t => {
  const ends: unknown[] = []
  const lifetime = 300
  const { app, url } = await listenApp(tickerRoute(ends, { maxLifetimeMs: lifetime, retryMs: 50 }), { heartbeatMs: 0 })
  t.teardown(() => app.close())
  const started = performance.now()
  const client = await openStream(url + '/ticks', { accept: 'text/event-stream' })
  const { complete } = await client.ended
  const lived = performance.now() - started
  t.ok(complete, 'a clean end, not an abort')
  t.ok(client.text.endsWith('retry: 50\n\n'), 'the last frame asks the client to come back')
  t.notMatch(client.text, /event: end/, 'no end event: the client must reconnect, not stop')
  t.ok(lived >= lifetime * 0.9 - 5, `lived ${lived.toFixed(0)} ms, at least the lifetime less its jitter`)
  t.ok(lived <= lifetime * 1.1 + 1000, `lived ${lived.toFixed(0)} ms, not much past the lifetime plus jitter`)
  const events = parseSse(client.text)
  t.ok(events.length > 3, 'it streamed until then')
  while (ends.length === 0) await sleep(5)
  t.same(ends, ['FST_STREAM_LIFETIME_OVER'], 'the source was told why it stopped')
  t.equal(app.streams.open, 0)
  t.equal(app.streams.aborted, 0, 'not counted as a client abort')
})

t.test('eventsource@4 reconnects after each lifetime with its Last-Event-ID, without a gap', async t => {
  const ends: unknown[] = []
  const { app, url } = await listenApp(tickerRoute(ends, {}), { heartbeatMs: 0, maxLifetimeMs: 150, retryMs: 10 })
  t.teardown(() => app.close())
  const source = new EventSource(url + '/ticks')
  t.teardown(() => source.close())
  const received: number[] = []
  let opens = 0
  const done = deferred()
  source.onopen = () => { opens++ }
  source.onmessage = event => {
    received.push(Number(event.data))
    if (opens >= 3 && received.length >= 5) done.resolve()
  }
  await done.promise
  source.close()
  t.ok(opens >= 3, `reconnected ${opens - 1} times`)
  t.same(received, received.map((_v, i) => i + 1), 'every id once, in order, across reconnects')
  t.equal(app.streams.resumes, opens - 1, 'each reconnect resumed from a cursor')
})

t.test('NDJSON past its lifetime ends cleanly; a per-call 0 turns the plugin lifetime off', async t => {
  const ends: unknown[] = []
  const { app, url } = await listenApp(app => {
    tickerRoute(ends, { format: 'ndjson' })(app)
    app.get('/forever', (_request, reply) => reply.stream(async function * ({ signal }) {
      yield 'open'
      await sleep(600, undefined, { signal })
      yield 'still here'
    }, { maxLifetimeMs: 0 }))
  }, { maxLifetimeMs: 200 })
  t.teardown(() => app.close())
  const client = await openStream(url + '/ticks')
  const { complete } = await client.ended
  t.ok(complete)
  t.notMatch(client.text, /error/, 'no error record')
  const forever = await openStream(url + '/forever')
  await forever.ended
  t.equal(forever.text, '"open"\n"still here"\n', 'the route opted out')
})

t.test('maxLifetimeMs is checked at register time and per call', async t => {
  const app = Fastify()
  await t.rejects(async () => { await app.register(fastifyStream, { maxLifetimeMs: -1 }) }, { code: 'FST_STREAM_INVALID_OPTION', message: /maxLifetimeMs.*integer from 0/ })
  await app.close()
  const { app: good, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(['x'], { maxLifetimeMs: 1.5 }))
  })
  t.teardown(() => good.close())
  const res = await openStream(url + '/')
  await res.ended
  t.equal(res.status, 500)
  t.equal(JSON.parse(res.text).code, 'FST_STREAM_INVALID_OPTION')
})
