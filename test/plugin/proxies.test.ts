// The proxy configs of docs/deploying.md, run as users run them: nginx, Caddy and HAProxy in
// the foreground in front of a real server. Through each, SSE events arrive as they are
// written, NDJSON and CSV arrive whole and uncompressed, and close() reaches the client.
import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { sse } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { within } from '../helpers/bounded-wait.js'
import { proxyConfigs, startProxy, type ProxyKind } from '../helpers/proxies.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

const CONFIGS = proxyConfigs(readFileSync(new URL('../../docs/deploying.md', import.meta.url), 'utf8'))
const KINDS: ProxyKind[] = ['nginx', 'caddy', 'haproxy']
const TICKS = 5
// HAProxy without `option http-no-delay` sends with MSG_MORE, so the kernel holds each small
// write for about 200 ms unless another one pushes it out (measured: 205 ms for the head and
// for each event). Each event is written on an idle connection: the first after the held
// head would have gone out, and the others after a pause longer than the hold.
const FIRST_TICK_AFTER_MS = 300
const TICK_PAUSE_MS = 250
// Through a proxy that passes writes on, an event arrives within a few ms on loopback.
const MAX_LATENCY_MS = 100
// Proxies that tell the client when Node cut a response: the chunked body ends without its
// last chunk. Caddy 2.6.2 ends the client's response cleanly instead, so only the in-band
// error record tells NDJSON clients (docs/deploying.md says so).
const SHOWS_CUT: Record<ProxyKind, boolean> = { nginx: true, caddy: false, haproxy: true }
const ROWS = 2000
// What a browser asks for: a proxy must still not compress a stream.
const BROWSER = { 'accept-encoding': 'gzip, deflate, br' }

for (const kind of KINDS) {
  t.test(`${kind} with the config of docs/deploying.md`, async t => {
    const written: number[] = []
    const { app, url } = await listenApp(streamRoutes(written))
    t.teardown(() => app.close())
    const proxy = await startProxy(kind, CONFIGS[kind], portOf(url))
    t.teardown(() => proxy.stop())
    // The first request pays for a cold route and a starting worker, not for the proxy's
    // forwarding: a HEAD (the head only; the source never runs) takes it.
    const warmUp = await within(openStream(proxy.url + '/ticks', { accept: 'text/event-stream' }, 'HEAD'), 'a HEAD through the proxy')
    await within(warmUp.ended, 'the end of the HEAD')

    t.test('the head at once, and each SSE event within 100 ms of its write', async t => {
      const { head, events } = await tickLatencies(proxy.url, written)
      t.ok(head < MAX_LATENCY_MS, `the head took ${head.toFixed(1)} ms`)
      t.ok(events.every(ms => ms < MAX_LATENCY_MS), `events took ${events.map(ms => ms.toFixed(1)).join(', ')} ms`)
    })

    t.test('an NDJSON stream and a CSV download arrive whole and uncompressed', async t => {
      for (const [path, accept] of [['/rows', 'application/x-ndjson'], ['/export.csv', 'text/csv']] as const) {
        const direct = await app.inject({ url: path, headers: { accept } })
        const client = await within(openStream(proxy.url + path, { accept, ...BROWSER }), `the head of ${path}`)
        t.equal((await within(client.ended, `the end of ${path}`)).complete, true, `${path} ends complete`)
        t.equal(client.status, 200)
        t.equal(client.headers['content-type'], direct.headers['content-type'])
        t.equal(client.headers['cache-control'], 'no-cache, no-transform')
        t.equal(client.headers['content-disposition'], direct.headers['content-disposition'])
        t.equal(client.headers['content-encoding'], undefined, `${path} is not compressed`)
        t.ok(client.text === direct.body, `${path}: ${client.bytes} bytes, ${direct.body.length} expected`)
      }
    })

    t.test('close() reaches the client as the final FST_STREAM_SHUTDOWN error', async t => {
      const sseClient = await within(openStream(proxy.url + '/live', { accept: 'text/event-stream' }), 'the head of the SSE stream')
      const ndjsonClient = await within(openStream(proxy.url + '/live', { accept: 'application/x-ndjson' }), 'the head of the NDJSON stream')
      await within(Promise.all([sseClient, ndjsonClient].map(client => client.waitFor(text => text.includes('hello')))), 'the first items')
      await within(app.close(), 'app.close()')
      await within(sseClient.ended, 'the proxied SSE stream to end')
      const last = parseSse(sseClient.text).at(-1)
      t.equal(last?.event, 'stream-error')
      t.equal(JSON.parse(last?.data ?? '{}').code, 'FST_STREAM_SHUTDOWN')
      const ndjson = await within(ndjsonClient.ended, 'the proxied NDJSON stream to end')
      t.equal(JSON.parse(ndjsonClient.text.trimEnd().split('\n').at(-1) ?? '{}').error?.code, 'FST_STREAM_SHUTDOWN')
      if (SHOWS_CUT[kind]) t.equal(ndjson.complete, false, 'the client sees that the response was cut')
    })
  })
}

t.test('haproxy without option http-no-delay holds the first event back (the control)', async t => {
  const config = CONFIGS.haproxy.replace(/^[ \t]*option http-no-delay\n/m, '')
  t.not(config, CONFIGS.haproxy, 'the guide sets option http-no-delay')
  const written: number[] = []
  const { app, url } = await listenApp(streamRoutes(written))
  t.teardown(() => app.close())
  const proxy = await startProxy('haproxy', config, portOf(url))
  t.teardown(() => proxy.stop())
  const { events: [first = 0] } = await tickLatencies(proxy.url, written)
  t.ok(first > MAX_LATENCY_MS, `the first event took ${first.toFixed(1)} ms`)
})

function streamRoutes (written: number[]) {
  return (app: FastifyInstance): void => {
    app.get('/ticks', (_request, reply) => reply.stream(async function * ({ signal }) {
      await delay(FIRST_TICK_AFTER_MS, undefined, { signal })
      for (let i = 0; i < TICKS; i++) {
        if (i > 0) await delay(TICK_PAUSE_MS, undefined, { signal })
        written.push(performance.now())
        yield sse({ id: i, event: 'tick', data: i })
      }
    }, { format: 'sse' }))
    app.get('/rows', (_request, reply) => reply.stream(rows(), { format: 'ndjson' }))
    app.get('/export.csv', (_request, reply) => {
      reply.header('content-disposition', 'attachment; filename="export.csv"')
      return reply.stream(rows(), { format: 'csv' })
    })
    app.get('/live', (_request, reply) => reply.stream(async function * ({ signal }) {
      yield 'hello'
      await delay(3_600_000, undefined, { signal })
    }))
  }
}

function * rows (): Generator<{ n: number, name: string, note: string }> {
  for (let n = 0; n < ROWS; n++) yield { n, name: `row ${n}`, note: 'x'.repeat(n % 200) }
}

/**
 * Opens /ticks through `base`. Resolves with the ms from the request to the response head,
 * and each event's arrival minus its write.
 */
async function tickLatencies (base: string, written: number[]): Promise<{ head: number, events: number[] }> {
  written.length = 0
  const requested = performance.now()
  const client = await within(openStream(base + '/ticks', { accept: 'text/event-stream', ...BROWSER }), 'the head of /ticks')
  const head = performance.now() - requested
  const encoding = client.headers['content-encoding']
  if (encoding !== undefined) {
    client.close()
    throw new Error(`the proxy compressed the SSE stream (content-encoding: ${encoding})`)
  }
  const arrivals = Array.from({ length: TICKS }, (_, i) =>
    client.waitFor(text => ticksIn(text) > i).then(() => performance.now()))
  const times = await within(Promise.all(arrivals), `${TICKS} tick events`)
  await within(client.ended, 'the end of /ticks')
  return { head, events: times.map((at, i) => at - (written[i] ?? Number.NaN)) }
}

function ticksIn (text: string): number {
  return parseSse(text).filter(event => event.event === 'tick').length
}

function portOf (url: string): number {
  return Number(new URL(url).port)
}
