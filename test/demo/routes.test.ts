/**
 * Every demo route's formats and headers: finite streams through inject(), endless ones
 * (monitor, the default feed) over real sockets.
 */
import { test } from 'tap'
import { buildApp } from '../../demo/app.js'
import { USER_COLUMNS, fakeUser } from '../../demo/fake-users.js'
import { listenDemo, openStream } from '../helpers/demo-clients.js'
import { parseScrape } from '../helpers/prometheus-text.js'
import { startRedisServer } from '../helpers/redis-server.js'

const SSE = 'text/event-stream'
const NDJSON = 'application/x-ndjson'
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

test('GET /health answers JSON with status, uptime, open streams and the in-memory hub', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.equal(body.status, 'ok')
  t.ok(Number.isInteger(body.uptimeSeconds) && body.uptimeSeconds >= 0)
  t.equal(body.openStreams, 0)
  t.same(body.hub, { adapter: 'memory', state: 'ready' })
})

test('GET /health names the Redis hub by its address, without the password', async t => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  // Redis's default user has no password, so AUTH default <anything> is accepted.
  const app = await buildApp({ logLevel: 'silent', redisUrl: `redis://default:s3cret@127.0.0.1:${server.port}/0` })
  t.teardown(() => app.close())
  const res = await app.inject('/health')
  t.same(res.json().hub, { adapter: 'redis', address: `redis://127.0.0.1:${server.port}/0`, state: 'ready' })
  t.notMatch(res.body, 's3cret')
})

test('GET /metrics: Prometheus text with this app\'s streams and hub, and the process', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  const other = await buildApp({ logLevel: 'silent' })
  t.teardown(() => other.close())
  const reader = await openStream(`${url}/api/users/feed?intervalMs=60000`, { accept: SSE })
  t.teardown(() => reader.destroy())
  await reader.waitForEvents(1)
  const post = await app.inject({ method: 'POST', url: '/api/chat', payload: { name: 'ada', text: 'hello' } })
  t.equal(post.statusCode, 201)

  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  const metrics = parseScrape(res.body)
  t.equal(metrics.types.get('fastify_stream_open'), 'gauge')
  t.equal(metrics.types.get('fastify_stream_opened_total'), 'counter')
  t.equal(metrics.value('fastify_stream_open'), 1, 'the feed')
  t.equal(metrics.value('fastify_stream_events_total'), 1, 'its first user')
  t.equal(metrics.value('fastify_stream_hub_published_total'), 1, 'the chat message')
  t.equal(metrics.value('fastify_stream_hub_backend_state', { adapter: 'memory', state: 'ready' }), 1)
  t.equal(metrics.types.get('process_cpu_user_seconds_total'), 'counter', 'with the process metrics')
  t.equal(metrics.types.get('nodejs_eventloop_lag_seconds'), 'gauge')

  const theirs = parseScrape((await other.inject('/metrics')).body)
  t.equal(theirs.value('fastify_stream_open'), 0, 'another app in the process counts its own streams')
  t.equal(theirs.value('fastify_stream_hub_published_total'), 0)
  t.equal(theirs.types.get('process_cpu_user_seconds_total'), 'counter', 'and shares the process metrics')
})

test('the feed as SSE: headers, one user event per id, then the end event', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/api/users/feed?intervalMs=0&count=3&seed=7', headers: { accept: SSE } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-cache, no-transform')
  t.equal(res.headers['x-accel-buffering'], 'no')
  t.match(res.headers.vary, /Accept/)
  const frames = res.body.split('\n\n').filter(frame => frame !== '')
  t.equal(frames[0], 'retry: 1000', 'the reconnection delay goes out first')
  for (let id = 1; id <= 3; id++) {
    t.equal(frames[id], `event: user\nid: ${id}\ndata: ${JSON.stringify(fakeUser(7, id))}`)
  }
  t.equal(frames[4], 'event: end\ndata:', 'a finite feed says it is done')
  t.equal(frames.length, 5)
})

test('the feed as NDJSON, by Accept and by default', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const accept of [NDJSON, undefined, '*/*']) {
    const res = await app.inject({ url: '/api/users/feed?intervalMs=0&count=4', headers: accept === undefined ? {} : { accept } })
    t.equal(res.statusCode, 200, `Accept: ${accept}`)
    t.equal(res.headers['content-type'], 'application/x-ndjson')
    const lines = res.body.split('\n')
    t.equal(lines.pop(), '', 'every line ends with \\n')
    t.same(lines.map(line => JSON.parse(line)), [1, 2, 3, 4].map(id => fakeUser(42, id)), 'seed 42 by default')
  }
})

test('the feed offers no CSV: Accept text/csv gets 406', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/api/users/feed?intervalMs=0&count=2', headers: { accept: 'text/csv' } })
  t.equal(res.statusCode, 406)
  t.equal(res.json().code, 'FST_STREAM_NOT_ACCEPTABLE')
})

test('the default feed sends the first user at once, then one per interval, forever', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  const started = performance.now()
  const reader = await openStream(`${url}/api/users/feed?intervalMs=100`, { accept: SSE })
  t.teardown(() => reader.destroy())
  const [first] = await reader.waitForEvents(1)
  t.ok(performance.now() - started < 90, 'the first user does not wait for the interval')
  const events = await reader.waitForEvents(3)
  t.same(events.map(event => event.id), ['1', '2', '3'])
  t.same(events.map(event => event.event), ['user', 'user', 'user'])
  t.same(JSON.parse(first?.data ?? ''), fakeUser(42, 1))
  t.ok(performance.now() - started >= 200, 'three users take two intervals')
})

test('the export as CSV by default: RFC 4180 rows under a header, as an attachment', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const accept of [undefined, '*/*', BROWSER_ACCEPT, 'text/csv']) {
    const res = await app.inject({ url: '/api/users/export?count=3&seed=9', headers: accept === undefined ? {} : { accept } })
    t.equal(res.statusCode, 200, `Accept: ${accept}`)
    t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
    t.equal(res.headers['content-disposition'], 'attachment; filename="users.csv"')
    t.match(res.headers.vary, /\bAccept\b/, 'the body depends on Accept')
    t.equal(res.headers['content-length'], undefined, 'streamed, so no length')
    const lines = res.body.split('\r\n')
    t.equal(lines[0], USER_COLUMNS.join(','))
    t.equal(lines.length, 5, 'header, three rows, and the final CRLF')
    t.equal(lines[4], '')
    t.match(lines[1], new RegExp(`^1,${fakeUser(9, 1).username},`))
  }
})

test('the export as NDJSON when Accept asks, and 406 for SSE', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const ndjson = await app.inject({ url: '/api/users/export?count=2', headers: { accept: NDJSON } })
  t.equal(ndjson.statusCode, 200)
  t.equal(ndjson.headers['content-type'], 'application/x-ndjson')
  t.equal(ndjson.headers['content-disposition'], undefined, 'not a download')
  t.same(ndjson.body.trim().split('\n').map(line => JSON.parse(line)), [fakeUser(42, 1), fakeUser(42, 2)])

  const preferred = await app.inject({ url: '/api/users/export?count=1', headers: { accept: 'text/csv;q=0.5, application/jsonl' } })
  t.equal(preferred.headers['content-type'], 'application/x-ndjson', 'q-values decide')

  const sse = await app.inject({ url: '/api/users/export?count=2', headers: { accept: SSE } })
  t.equal(sse.statusCode, 406)
  t.equal(sse.json().code, 'FST_STREAM_NOT_ACCEPTABLE')
  t.equal(sse.headers['content-disposition'], undefined)
})

test('the export count defaults to 1000 rows', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject('/api/users/export')
  const lines = res.body.split('\r\n')
  t.equal(lines.length, 1002)
  t.match(lines[1000], /^1000,/)
})

test('the monitor as SSE: a metrics event per interval with every field, sequential ids', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  const reader = await openStream(`${url}/api/monitor?intervalMs=100`, { accept: SSE })
  t.teardown(() => reader.destroy())
  t.equal(reader.status, 200)
  t.equal(reader.headers['content-type'], 'text/event-stream; charset=utf-8')
  t.equal(reader.headers['cache-control'], 'no-cache, no-transform')
  const events = await reader.waitForEvents(3)
  t.same(events.map(event => event.id), ['1', '2', '3'])
  t.same(events.map(event => event.event), ['metrics', 'metrics', 'metrics'])
  const sample = JSON.parse(events[2]?.data ?? '')
  t.equal(sample.seq, 3)
  t.ok(sample.elapsedSeconds > 0.05 && sample.elapsedSeconds < 1, 'the rates cover about one interval')
  t.ok(sample.cpu.process >= 0 && sample.cpu.system >= 0 && sample.cpu.system <= 100)
  t.equal(sample.loadAverage.length, 3)
  t.ok(sample.memory.rss > 0 && sample.memory.heapUsed > 0 && sample.memory.heapTotal >= sample.memory.heapUsed)
  t.ok(sample.eventLoop.delayP50Ms >= 0 && sample.eventLoop.delayP99Ms >= sample.eventLoop.delayP50Ms)
  t.ok(sample.eventLoop.utilization >= 0 && sample.eventLoop.utilization <= 1)
  t.ok(Number.isInteger(sample.uptimeSeconds))
  t.equal(sample.streams.open, 1, 'it counts itself')
  t.ok(sample.streams.events >= 2, 'the plugin counted the earlier events')
  t.ok(sample.streams.eventsPerSecond > 0 && sample.streams.bytesPerSecond > 0)
  for (const key of ['opened', 'bytes', 'errors', 'aborted', 'heartbeats', 'rejected', 'resumes']) {
    t.type(sample.streams[key], 'number', `streams.${key}`)
  }
})

test('the monitor as NDJSON, and its numbering continues after a Last-Event-ID', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  const ndjson = await openStream(`${url}/api/monitor?intervalMs=100`)
  t.teardown(() => ndjson.destroy())
  t.equal(ndjson.headers['content-type'], 'application/x-ndjson')
  const text = await ndjson.waitForText(received => received.split('\n').length > 2)
  t.same(text.split('\n').slice(0, 2).map(line => JSON.parse(line).seq), [1, 2])

  const resumed = await openStream(`${url}/api/monitor?intervalMs=100`, { accept: SSE, 'last-event-id': '41' })
  t.teardown(() => resumed.destroy())
  const events = await resumed.waitForEvents(2)
  t.same(events.map(event => event.id), ['42', '43'])
})

test('the monitor offers no CSV', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/api/monitor', headers: { accept: 'text/csv' } })
  t.equal(res.statusCode, 406)
})

test('GET / serves the dashboard with a strict CSP, and uPlot comes from the app', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const page = await app.inject('/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'self'/)
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  t.match(page.body, '<section id="chat-panel"></section>')
  t.match(page.body, '<script type="module" src="/chat.js"></script>')
  t.notMatch(page.body, /https?:\/\//, 'no CDN: the page loads nothing from elsewhere')

  for (const path of ['/app.js', '/chat.js', '/live-stream.js', '/vendor/uplot/uPlot.esm.js']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 200, path)
    t.match(res.headers['content-type'], /javascript/, path)
  }
  const css = await app.inject('/vendor/uplot/uPlot.min.css')
  t.match(css.headers['content-type'], /^text\/css/)
  const other = await app.inject('/vendor/uplot/uPlot.cjs.js')
  t.equal(other.statusCode, 404, 'only the two files the page needs are exposed from node_modules')
})

test('a 5,000-digit intervalMs is refused over a real socket (coerced to 5, it streamed ~800 events/s)', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  for (const intervalMs of ['0'.repeat(4999) + '5', '9'.repeat(5000), '0x10']) {
    for (const path of ['/api/users/feed', '/api/monitor']) {
      const reader = await openStream(`${url}${path}?intervalMs=${intervalMs}`, { accept: SSE })
      t.teardown(() => reader.destroy())
      t.equal(await reader.finished, 'end', `${path}: the response ends instead of streaming`)
      t.equal(reader.status, 400, path)
      t.match(reader.headers['content-type'], /^application\/json/, path)
      t.match(JSON.parse(reader.text).message, /^querystring\/intervalMs must be an integer from (0|100) to 60000\b/, path)
    }
  }
  t.equal(app.streams.opened, 0, 'no stream was opened')
})
