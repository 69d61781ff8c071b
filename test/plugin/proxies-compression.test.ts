// Compressed streams behind the proxies of docs/deploying.md ("Compressed streams behind a
// proxy"), run as users run them. A stream Node gzips passes nginx and Caddy byte for byte,
// each event decodable within 100 ms of its write. With the guide's configs, nginx's site-wide
// gzip and Caddy's encode leave stream routes as Node sent them; the controls show what each
// does to a stream without those lines, despite its Cache-Control: no-transform.
import http, { type IncomingHttpHeaders } from 'node:http'
import { readFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { createGunzip } from 'node:zlib'
import type { FastifyInstance, RouteHandlerMethod } from 'fastify'
import t, { type Test } from 'tap'
import { sse } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { within } from '../helpers/bounded-wait.js'
import { proxyConfigs, proxyVariant, startProxy, type Proxy, type ProxyKind } from '../helpers/proxies.js'
import { parseSse } from '../helpers/sse-parse.js'

const GUIDE = readFileSync(new URL('../../docs/deploying.md', import.meta.url), 'utf8')
const CONFIGS = proxyConfigs(GUIDE)
const NGINX_SITE_GZIP = proxyVariant(GUIDE, 'nginx', 'site-gzip')
const CADDY_ENCODE = proxyVariant(GUIDE, 'caddy', 'encode')
const ITEMS = 5
// Each item is its own write, after a pause longer than the bound: an item a proxy holds until
// the next write (or the end) arrives at least a pause late, so the bound tells the two apart.
const PAUSE_MS = 150
const MAX_LATENCY_MS = 100
// Caddy's encode decides at a response's first write, and compresses only when that write is
// longer than its minimum_length (512 bytes): a CSV stream (text/*, which Caddy compresses by
// default; application/x-ndjson is not in its list) whose first row is this long. An SSE
// stream's first write is its short `:` comment.
const LONG = 'x'.repeat(600)
const SSE = 'text/event-stream'
const CSV = 'text/csv'

/** A response as the client got it: raw, decoded, and each item's arrival minus its write. */
interface Received {
  headers: IncomingHttpHeaders
  /** When the head arrived (performance.now()). */
  headAt: number
  raw: Buffer
  text: string
  latencies: number[]
}

/** The stream routes on a real server, behind `kind` run with `config`; both stop with `t`. */
async function behindProxy (t: Test, kind: ProxyKind, config: string): Promise<{ proxy: Proxy, written: number[] }> {
  const written: number[] = []
  const { app, url } = await listenApp(streamRoutes(written))
  t.teardown(() => app.close())
  const proxy = await startProxy(kind, config, portOf(url))
  t.teardown(() => proxy.stop())
  return { proxy, written }
}

t.test('a stream Node gzips passes nginx and Caddy once, each event on time', async t => {
  const written: number[] = []
  const { app, url } = await listenApp(streamRoutes(written))
  t.teardown(() => app.close())
  const direct = await receive(`${url}/ticks?gzip`, SSE, written)
  t.equal(direct.headers['content-encoding'], 'gzip', 'Node compressed it')
  for (const kind of ['nginx', 'caddy'] as ProxyKind[]) {
    const proxy = await startProxy(kind, CONFIGS[kind], portOf(url))
    t.teardown(() => proxy.stop())
    const proxied = await receive(`${proxy.url}/ticks?gzip`, SSE, written)
    t.equal(proxied.headers['content-encoding'], 'gzip', `${kind}: one coding, Node's`)
    t.match(proxied.headers.vary, /Accept-Encoding/, `${kind}: Vary: Accept-Encoding passed on`)
    t.equal(proxied.headers['cache-control'], 'no-cache, no-transform')
    t.ok(proxied.raw.equals(direct.raw), `${kind}: the gzip body byte for byte (${proxied.raw.length} bytes)`)
    t.same(ticksOf(proxied.text), [0, 1, 2, 3, 4], `${kind}: it decodes to the events written`)
    assertOnTime(t, proxied, kind)
  }
})

t.test('nginx with gzip on: the stream location keeps streams as Node sent them', async t => {
  // startProxy runs the block inside an http block that has gzip on for all three stream types.
  const { proxy, written } = await behindProxy(t, 'nginx', NGINX_SITE_GZIP)

  const plain = await receive(`${proxy.url}/streams/ticks`, SSE, written)
  t.equal(plain.headers['content-encoding'], undefined, 'an uncompressed stream stays uncompressed')
  t.same(ticksOf(plain.text), [0, 1, 2, 3, 4])
  assertOnTime(t, plain, 'uncompressed')

  const gzipped = await receive(`${proxy.url}/streams/ticks?gzip`, SSE, written)
  t.equal(gzipped.headers['content-encoding'], 'gzip', 'a stream Node gzips passes through')
  t.same(ticksOf(gzipped.text), [0, 1, 2, 3, 4])
  assertOnTime(t, gzipped, 'gzipped by Node')

  // The control: the same route outside the stream location.
  const elsewhere = await receive(`${proxy.url}/ticks`, SSE, written)
  t.equal(elsewhere.headers['content-encoding'], 'gzip', 'outside it, nginx compresses the stream')
  t.equal(elsewhere.headers['cache-control'], 'no-cache, no-transform', 'though it says no-transform')
  t.equal(elsewhere.headers.vary, undefined, 'and adds no Vary (gzip_vary is off by default)')
  assertOnTime(t, elsewhere, 'gzipped by nginx, flushed per write as proxying is unbuffered')
})

t.test('Caddy with encode matching its types: streams pass as Node sent them', async t => {
  const { proxy, written } = await behindProxy(t, 'caddy', CADDY_ENCODE)

  const page = await within(fetch(`${proxy.url}/page.json`), 'the JSON page')
  t.equal(page.headers.get('content-encoding'), 'gzip', 'Caddy compresses the rest of the app')
  await page.arrayBuffer()

  const long = await receive(`${proxy.url}/rows.csv`, CSV, written)
  t.equal(long.headers['content-encoding'], undefined, 'a CSV stream with a long first write stays uncompressed')
  t.equal(rowsIn(long.text), ITEMS)
  assertOnTime(t, long, 'uncompressed')
  // encode writes the head only with the first body write, to add Content-Encoding if it must.
  t.ok(long.headAt > (written[0] ?? Infinity), 'the head came only after the first row was written')

  const gzipped = await receive(`${proxy.url}/ticks?gzip`, SSE, written)
  t.equal(gzipped.headers['content-encoding'], 'gzip', 'a stream Node gzips passes through')
  t.same(ticksOf(gzipped.text), [0, 1, 2, 3, 4])
  assertOnTime(t, gzipped, 'gzipped by Node')
})

t.test('Caddy with a bare encode gzip compresses a long first write and holds it (the control)', async t => {
  const config = CADDY_ENCODE.replace(/^(\tencode gzip) \{\n[\s\S]*?^\t\}\n/m, '$1\n')
  t.not(config, CADDY_ENCODE, 'the guide limits encode with match')
  const { proxy, written } = await behindProxy(t, 'caddy', config)
  const long = await receive(`${proxy.url}/rows.csv`, CSV, written)
  t.equal(long.headers['content-encoding'], 'gzip', 'compressed, though it says no-transform')
  const [first = 0] = long.latencies
  t.ok(first > MAX_LATENCY_MS, `the first item took ${first.toFixed(1)} ms`)
})

function streamRoutes (written: number[]) {
  return (app: FastifyInstance): void => {
    // `?gzip` turns compress on for the call.
    const ticks: RouteHandlerMethod = (request, reply) => reply.stream(async function * ({ signal }) {
      for (let i = 0; i < ITEMS; i++) {
        await delay(PAUSE_MS, undefined, { signal })
        written.push(performance.now())
        yield sse({ id: i, event: 'tick', data: i })
      }
    }, { format: 'sse', compress: 'gzip' in (request.query as object) })
    app.get('/ticks', ticks)
    app.get('/streams/ticks', ticks)
    app.get('/rows.csv', (_request, reply) => reply.stream(async function * ({ signal }) {
      for (let i = 0; i < ITEMS; i++) {
        await delay(PAUSE_MS, undefined, { signal })
        written.push(performance.now())
        yield { i, note: LONG }
      }
    }, { format: 'csv' }))
    app.get('/page.json', async () => Array.from({ length: 50 }, (_, n) => ({ n, name: `row ${n}` })))
  }
}

/**
 * GETs `url` as a browser would (Accept-Encoding: gzip) and reads it to the end, gunzipping
 * as it arrives when it is gzipped: an item counts as arrived once it decodes.
 */
async function receive (url: string, accept: string, written: number[]): Promise<Received> {
  written.length = 0
  const count = accept === SSE ? (text: string) => ticksOf(text).length : rowsIn
  const request = http.get(url, { headers: { accept, 'accept-encoding': 'gzip' }, agent: false })
  const received = new Promise<Received>((resolve, reject) => {
    request.on('error', reject).on('response', response => {
      const headAt = performance.now()
      const raw: Buffer[] = []
      const arrivals: number[] = []
      let text = ''
      const decoder = response.headers['content-encoding'] === 'gzip' ? createGunzip() : new PassThrough()
      response.on('data', (chunk: Buffer) => raw.push(chunk)).pipe(decoder).setEncoding('utf8')
      decoder.on('data', (chunk: string) => {
        text += chunk
        while (arrivals.length < count(text)) arrivals.push(performance.now())
      }).on('error', reject).on('end', () => resolve({
        headers: response.headers,
        headAt,
        raw: Buffer.concat(raw),
        text,
        latencies: arrivals.map((at, i) => at - (written[i] ?? Number.NaN))
      }))
    })
  })
  try {
    return await within(received, `the whole of ${url}`)
  } finally {
    request.destroy()
  }
}

function assertOnTime (t: Test, received: Received, what: string): void {
  const { latencies } = received
  t.ok(latencies.length === ITEMS && latencies.every(ms => ms < MAX_LATENCY_MS),
    `${what}: each item decoded within ${MAX_LATENCY_MS} ms of its write: ${latencies.map(ms => ms.toFixed(1)).join(', ')} ms`)
}

function ticksOf (text: string): number[] {
  return parseSse(text).filter(event => event.event === 'tick').map(event => Number(event.data))
}

// The CSV header, then a row per item.
function rowsIn (text: string): number {
  return Math.max(0, text.split('\r\n').length - 2)
}

function portOf (url: string): number {
  return Number(new URL(url).port)
}
