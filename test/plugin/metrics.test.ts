// registerStreamMetrics(): fastify.streams and fastify.hub.stats() as Prometheus metrics,
// scraped from a real prom-client registry and parsed, while real streams open and close.
import Fastify, { type FastifyInstance } from 'fastify'
import * as client from 'prom-client'
import t, { type Test } from 'tap'
import fastifyStream, { type FastifyStreamOptions as StreamFastifyOptions, type StreamCounters } from '../../plugin/index.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { registerStreamMetrics } from '../../plugin/metrics.js'
import { deferred } from '../helpers/deferred.js'
import { logLines } from '../helpers/log-lines.js'
import { parseScrape, type Scrape } from '../helpers/prometheus-text.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { openStream } from '../helpers/stream-client.js'

const SSE = { accept: 'text/event-stream' }

// The whole exposition, in registration order: the name and type of every family.
const FAMILIES: Array<[string, 'counter' | 'gauge']> = [
  ['fastify_stream_open', 'gauge'],
  ['fastify_stream_opened_total', 'counter'],
  ['fastify_stream_events_total', 'counter'],
  ['fastify_stream_bytes_total', 'counter'],
  ['fastify_stream_errors_total', 'counter'],
  ['fastify_stream_aborted_total', 'counter'],
  ['fastify_stream_heartbeats_total', 'counter'],
  ['fastify_stream_rejected_total', 'counter'],
  ['fastify_stream_rejected_per_client_total', 'counter'],
  ['fastify_stream_lingering', 'gauge'],
  ['fastify_stream_resumes_total', 'counter'],
  ['fastify_stream_hub_topics', 'gauge'],
  ['fastify_stream_hub_subscribers', 'gauge'],
  ['fastify_stream_hub_queued', 'gauge'],
  ['fastify_stream_hub_published_total', 'counter'],
  ['fastify_stream_hub_delivered_total', 'counter'],
  ['fastify_stream_hub_drops_total', 'counter'],
  ['fastify_stream_hub_disconnects_total', 'counter'],
  ['fastify_stream_hub_resumes_total', 'counter'],
  ['fastify_stream_hub_resets_total', 'counter'],
  ['fastify_stream_hub_backend_state', 'gauge'],
  ['fastify_stream_hub_backend_outages_total', 'counter']
]

// The metric of each fastify.streams counter, to compare every one with the live object.
const STREAM_METRIC: Record<keyof StreamCounters, string> = {
  open: 'fastify_stream_open',
  opened: 'fastify_stream_opened_total',
  events: 'fastify_stream_events_total',
  bytes: 'fastify_stream_bytes_total',
  errors: 'fastify_stream_errors_total',
  aborted: 'fastify_stream_aborted_total',
  heartbeats: 'fastify_stream_heartbeats_total',
  rejected: 'fastify_stream_rejected_total',
  rejectedPerClient: 'fastify_stream_rejected_per_client_total',
  lingering: 'fastify_stream_lingering',
  resumes: 'fastify_stream_resumes_total'
}

/**
 * An app with metrics in `registry`, listening: a three-event stream that then idles until
 * its client leaves (`finished` runs in its finally), and the hub's chat.
 */
async function streamingApp (registry: client.Registry, finished: () => void, options: StreamFastifyOptions = {}): Promise<{ app: FastifyInstance, url: string }> {
  const app = Fastify()
  await app.register(fastifyStream, { heartbeatMs: 0, ...options })
  await registerStreamMetrics(app, { registry, client })
  app.get('/ticks', (_request, reply) => reply.stream(async function * ({ signal }) {
    try {
      yield * ['a', 'b', 'c']
      await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
    } finally {
      finished()
    }
  }))
  app.get('/chat', (_request, reply) => reply.stream(({ signal }) => app.hub.subscribe('chat', { signal })))
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url }
}

/** An app with the plugin, not listening. */
async function bareApp (t: Test): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyStream)
  return app
}

async function scrape (registry: client.Registry): Promise<Scrape> {
  return parseScrape(await registry.metrics())
}

function sameAsCounters (t: Test, metrics: Scrape, counters: StreamCounters, when: string): void {
  for (const [key, name] of Object.entries(STREAM_METRIC) as Array<[keyof StreamCounters, string]>) {
    t.equal(metrics.value(name), counters[key], `${name} is fastify.streams.${key} (${when})`)
  }
}

t.test('every counter and hub figure is a metric of the right type, read live at each scrape', async t => {
  const finished = deferred()
  const registry = new client.Registry()
  const { app, url } = await streamingApp(registry, finished.resolve)
  t.teardown(() => app.close())

  const idle = await scrape(registry)
  t.same([...idle.types], FAMILIES, 'exactly these families, with these TYPE lines')
  t.same([...idle.help.keys()], FAMILIES.map(([name]) => name), 'each with a HELP line')
  t.same(idle.samples.filter(sample => sample.value !== 0).map(sample => sample.name + JSON.stringify(sample.labels)),
    ['fastify_stream_hub_backend_state{"adapter":"memory","state":"ready"}'], 'everything starts at 0 but the backend state')
  t.same(idle.samples.filter(sample => sample.name === 'fastify_stream_hub_backend_state').map(sample => sample.labels.state),
    ['connecting', 'ready', 'down', 'closed'], 'one series per backend state')
  t.equal(idle.value('fastify_stream_hub_backend_outages_total', { adapter: 'memory' }), 0)

  const ticks = await openStream(`${url}/ticks`, SSE)
  await ticks.waitFor(text => text.includes('data: c\n\n'))
  const streaming = await scrape(registry)
  t.equal(streaming.value('fastify_stream_open'), 1)
  t.equal(streaming.value('fastify_stream_opened_total'), 1)
  t.equal(streaming.value('fastify_stream_events_total'), 3)
  t.equal(streaming.value('fastify_stream_bytes_total'), ticks.bytes, 'every byte the client received')
  sameAsCounters(t, streaming, app.streams, 'one stream open')

  ticks.close()
  await finished.promise
  const closed = await scrape(registry)
  t.equal(closed.value('fastify_stream_open'), 0, 'the gauge goes down')
  t.equal(closed.value('fastify_stream_aborted_total'), 1)
  t.equal(closed.value('fastify_stream_opened_total'), 1, 'the counter stays')
  sameAsCounters(t, closed, app.streams, 'after the client left')

  const chat = await openStream(`${url}/chat`, SSE)
  t.teardown(() => chat.close())
  await chat.waitFor(text => text.length > 0)
  const subscribed = await scrape(registry)
  t.equal(subscribed.value('fastify_stream_hub_subscribers'), 1)
  t.equal(subscribed.value('fastify_stream_hub_topics'), 1)
  await app.hub.publish('chat', 'hello')
  await app.hub.publish('chat', 'again')
  await chat.waitFor(text => text.includes('data: again\n\n'))
  const published = await scrape(registry)
  t.equal(published.value('fastify_stream_hub_published_total'), 2)
  t.equal(published.value('fastify_stream_hub_delivered_total'), 2)
  t.equal(published.value('fastify_stream_hub_queued'), 0, 'the subscriber has taken both')
  t.equal(published.value('fastify_stream_events_total'), 5, 'three ticks and two chat events')
  t.same(Object.fromEntries(Object.entries(app.hub.stats()).filter(([key]) => key !== 'backend')),
    Object.fromEntries(['topics', 'subscribers', 'queued', 'published', 'delivered', 'drops', 'disconnects', 'resumes', 'resets']
      .map(key => [key, published.value(`fastify_stream_hub_${key}${['topics', 'subscribers', 'queued'].includes(key) ? '' : '_total'}`)])),
    'every hub figure is hub.stats()')
})

t.test('in an OpenMetrics registry the counters still end in _total', async t => {
  const app = await bareApp(t)
  const registry = new client.Registry<client.OpenMetricsContentType>()
  registry.setContentType(client.openMetricsContentType)
  await registerStreamMetrics(app, { registry, client })
  const text = await registry.metrics()
  t.match(text, /^# TYPE fastify_stream_opened counter\n/m, 'the family is named without the suffix')
  t.match(text, /^fastify_stream_opened_total 0$/m, 'its sample carries it')
  t.match(text, /^# TYPE fastify_stream_open gauge\nfastify_stream_open 0$/m)
  t.match(text, /# EOF\n$/)
})

t.test('without client, prom-client is imported; without registry, its default register is used; close() removes the metrics', async t => {
  const app = Fastify()
  await app.register(fastifyStream)
  t.teardown(() => app.close())
  const before = client.register.getMetricsAsArray().length
  await registerStreamMetrics(app)
  t.equal(client.register.getMetricsAsArray().length, before + FAMILIES.length)
  t.equal(parseScrape(await client.register.metrics()).value('fastify_stream_open'), 0)
  await app.close()
  t.equal(client.register.getSingleMetric('fastify_stream_open'), undefined, 'gone with the app')
  t.equal(client.register.getMetricsAsArray().length, before)

  const again = await bareApp(t)
  const registry = new client.Registry()
  await registerStreamMetrics(again, { registry })
  t.equal(parseScrape(await registry.metrics()).value('fastify_stream_opened_total'), 0, 'a registry without the module works too')
})

t.test('instances sharing a registry need a prefix each; a clash leaves the registry as it was', async t => {
  const finished = deferred()
  const registry = new client.Registry()
  const first = await streamingApp(registry, finished.resolve)
  t.teardown(() => first.app.close())
  const second = await bareApp(t)

  await t.rejects(registerStreamMetrics(second, { registry, client }),
    { code: 'FST_STREAM_INVALID_OPTION', message: 'fastify-stream: option "prefix" gives fastify_stream_open, which the registry already holds; give each instance its own prefix or registry' })
  t.equal(registry.getMetricsAsArray().length, FAMILIES.length, 'nothing of the second was added')

  await registerStreamMetrics(second, { registry, client, prefix: 'second_app:' })
  const ticks = await openStream(`${first.url}/ticks`, SSE)
  await ticks.waitFor(text => text.includes('data: c\n\n'))
  const metrics = await scrape(registry)
  t.equal(metrics.types.size, 2 * FAMILIES.length)
  t.equal(metrics.types.get('second_app:hub_published_total'), 'counter')
  t.equal(metrics.value('fastify_stream_open'), 1, 'the first app has the stream')
  t.equal(metrics.value('second_app:open'), 0, 'the second does not')
  ticks.close()
  await finished.promise
})

t.test('closing an app removes only its own metrics, not a newer app\'s of the same name', async t => {
  const registry = new client.Registry()
  const old = Fastify()
  await old.register(fastifyStream)
  await registerStreamMetrics(old, { registry, client })
  registry.clear()
  const current = await bareApp(t)
  await registerStreamMetrics(current, { registry, client })
  const metric = registry.getSingleMetric('fastify_stream_open')
  await old.close()
  t.equal(registry.getSingleMetric('fastify_stream_open'), metric, 'still the current app\'s')
  t.equal(registry.getMetricsAsArray().length, FAMILIES.length)
})

t.test('bad options and a missing plugin are refused with FST_STREAM_INVALID_OPTION, before anything is added', async t => {
  const app = await bareApp(t)
  const registry = new client.Registry()
  const cases: Array<[string, unknown, RegExp]> = [
    ['null options', null, /option "options" must be an object/],
    ['an unknown key', { registy: registry }, /option "registy" is not a metrics option; use registry, client, prefix$/],
    ['a prefix starting with a digit', { registry, prefix: '1st_' }, /option "prefix" must be letters, digits, _ and :/],
    ['a prefix with a dash', { registry, prefix: 'my-app_' }, /option "prefix" must be/],
    ['a prefix that is not a string', { registry, prefix: 5 }, /option "prefix" must be/],
    ['a client that is not prom-client', { registry, client: { Counter: class {} } }, /option "client" must be the prom-client module/],
    ['a registry that is not one', { registry: {}, client }, /option "registry" must be a prom-client Registry$/],
    ['no registry and a client without one', { client: { Counter: client.Counter, Gauge: client.Gauge } }, /option "registry" must be/]
  ]
  for (const [what, options, message] of cases) {
    await t.rejects(registerStreamMetrics(app, options as never), { code: 'FST_STREAM_INVALID_OPTION', message }, what)
  }
  t.equal(registry.getMetricsAsArray().length, 0)
  await t.rejects(registerStreamMetrics(Fastify(), { registry, client }),
    { code: 'FST_STREAM_INVALID_OPTION', message: /option "fastify" has no fastify.streams; await fastify.register\(fastifyStream\) before registerStreamMetrics\(\)/ })
  await registerStreamMetrics(app, { registry, client, prefix: '' })
  t.equal(parseScrape(await registry.metrics()).value('open'), 0, 'an empty prefix is a valid one')
})

t.test('on an app that listens already, Fastify refuses the close hook and nothing is added', async t => {
  const app = await bareApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const registry = new client.Registry()
  await t.rejects(registerStreamMetrics(app, { registry, client }), { code: 'FST_ERR_INSTANCE_ALREADY_LISTENING' })
  t.equal(registry.getMetricsAsArray().length, 0)
})

t.test('without prom-client installed, the error says how to get it', async t => {
  const { registerStreamMetrics: withoutPromClient } = await t.mockImport<typeof import('../../plugin/metrics.js')>(
    '../../plugin/metrics.js', { 'prom-client': {} })
  const app = await bareApp(t)
  await t.rejects(withoutPromClient(app), { code: 'FST_STREAM_INVALID_OPTION', message: /option "client" needs the optional peer dependency prom-client; run npm install prom-client$/ })
})

t.test('the backend state and outages follow a Redis outage', async t => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  const log = logLines()
  // Reconnect quickly, so the outage shows at once rather than after ioredis's backoff.
  const adapter = await createRedisAdapter({ url: server.url, keyPrefix: 'metrics:', redisOptions: { retryStrategy: () => 50 } })
  const app = Fastify({ logger: { level: 'info', stream: log } })
  t.teardown(() => app.close())
  await app.register(fastifyStream, { hub: { adapter } })
  const registry = new client.Registry()
  await registerStreamMetrics(app, { registry, client })
  const up = await scrape(registry)
  t.equal(up.value('fastify_stream_hub_backend_state', { adapter: 'redis', state: 'ready' }), 1)
  t.equal(up.value('fastify_stream_hub_backend_state', { adapter: 'redis', state: 'down' }), 0)
  t.equal(up.value('fastify_stream_hub_backend_outages_total', { adapter: 'redis' }), 0)

  await server.kill()
  await log.waitFor('Redis connection lost')
  const down = await scrape(registry)
  t.equal(down.value('fastify_stream_hub_backend_state', { adapter: 'redis', state: 'down' }), 1)
  t.equal(down.value('fastify_stream_hub_backend_state', { adapter: 'redis', state: 'ready' }), 0)
  t.equal(down.value('fastify_stream_hub_backend_outages_total', { adapter: 'redis' }), 1)

  const from = log.records.length
  await server.start()
  await log.waitFor('Redis connection ready', from)
  const back = await scrape(registry)
  t.equal(back.value('fastify_stream_hub_backend_state', { adapter: 'redis', state: 'ready' }), 1)
  t.equal(back.value('fastify_stream_hub_backend_outages_total', { adapter: 'redis' }), 1, 'the outage stays counted')
})
