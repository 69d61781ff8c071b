/**
 * fastify-stream/client in real Chromium (Debian's, through playwright-core): the page loads
 * the built dist/lib/client/*.js as ES modules, with an import map for eventsource-parser, as
 * a page without a bundler would, and talks to the plugin over real sockets. An Authorization
 * header reaches the route; a restart of the server is resumed with no gap; abort, 204 and the
 * retry: hint behave; readNdjson reads a feed and the in-band error record.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { chromium, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { sse } from '../../lib/index.js'
import { startServer, type ClientTestServer } from './fixtures.js'
import { within } from '../helpers/bounded-wait.js'
import { deferred } from '../helpers/deferred.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLIENT_DIST = join(ROOT, 'dist', 'lib', 'client')
const CLIENT_SOURCE = join(ROOT, 'lib', 'client')
const PARSER_DIST = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('eventsource-parser/package.json')), 'dist')
// Generous bounds for a loaded CI machine; each wait ends as soon as its condition holds.
const WAIT = { timeout: 30_000 }
// A subscription that ends has run its reconnection loop to the end: no request can follow,
// so "nothing reconnected" is checked when it ends, not after a quiet window. A client that
// kept reconnecting never ends: the bound fails it with a message instead of a timeout.
const ENDS_WITHIN_MS = 20_000

// The page a user without a bundler writes: an import map names the client's one dependency.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>loading</title>
<script type="importmap">{ "imports": { "eventsource-parser": "/vendor/eventsource-parser/index.js" } }</script>
<script type="module">
import * as client from '/client/index.js'
window.client = client
document.title = 'ready'
</script></head><body></body></html>`

declare global {
  interface Window {
    client: typeof import('../../lib/client/index.js')
    seen: Array<{ type: string, data: unknown, id: string | undefined }>
    retries: string[]
    stop: () => void
  }
}

/** The page, the client's files, and the routes the scenarios use. */
function routes (sourceDone: () => void): (app: FastifyInstance) => void {
  return app => {
    app.get('/', async (_request, reply) => reply.type('text/html').send(PAGE))
    app.register(fastifyStatic, { root: CLIENT_DIST, prefix: '/client/', allowedPath: path => path.endsWith('.js') })
    app.register(fastifyStatic, { root: PARSER_DIST, prefix: '/vendor/eventsource-parser/', decorateReply: false, allowedPath: path => path === '/index.js' })
    app.get('/three', (request, reply) => reply.stream([1, 2, 3].map(n => sse({ id: n, event: 'tick', data: { n, auth: request.headers.authorization ?? null } }))))
    app.get('/gone', async (_request, reply) => reply.code(204).send())
    app.get('/brief', (request, reply) => reply.stream([sse({ id: Number(request.lastEventId ?? 0) + 1, data: 'x' })], { retryMs: 300, endEvent: false }))
    app.get('/endless', (_request, reply) => reply.stream(async function * ({ signal, lastEventId }) {
      try {
        for (let n = Number(lastEventId ?? 0) + 1; ; n++) {
          yield sse({ id: n, data: n })
          await delay(10, undefined, { signal })
        }
      } finally {
        sourceDone()
      }
    }))
    // Compressed with the one coding the query names (Chromium accepts gzip and br itself).
    for (const coding of ['gzip', 'br'] as const) {
      app.get(`/compressed/${coding}`, (_request, reply) => reply.stream(
        Array.from({ length: 20 }, (_, i) => sse({ id: i + 1, data: { n: i + 1, text: 'the same words again' } })),
        { compress: { encodings: [coding] } }
      ))
    }
    app.get('/users', (_request, reply) => reply.stream(async function * () {
      for (let id = 1; id <= 100; id++) yield { id, name: `ü${id}` }
      // The failure comes after the items are on the wire, as a real one mid-stream does.
      // Chromium drops the whole body of a truncated chunked response that arrives in one read
      // (headers, items, record and FIN together): 5 of 8 such fetches saw 0 bytes.
      await delay(50)
      throw new Error('hidden')
    }, { formats: ['ndjson'] }))
  }
}

/** Fails the test unless dist/lib/client was built from the current sources. */
function distIsFresh (): string | undefined {
  for (const file of readdirSync(CLIENT_SOURCE).filter(name => name.endsWith('.ts'))) {
    const built = join(CLIENT_DIST, file.replace(/\.ts$/, '.js'))
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(CLIENT_SOURCE, file)).mtimeMs) {
      return `${built} is missing or older than its source: run \`npm run build\` first`
    }
  }
  return undefined
}

async function openPage (t: Test, url: string): Promise<{ page: Page, problems: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  await page.goto(url)
  await page.waitForFunction(() => document.title === 'ready', undefined, WAIT)
  return { page, problems }
}

t.test('the client in Chromium against the plugin', async t => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: run \`node test/system-deps.mjs\` (apt-get install -y chromium)`)
    return
  }
  const stale = distIsFresh()
  if (stale !== undefined) {
    t.fail(stale)
    return
  }
  let sourceDone = deferred()
  let server: ClientTestServer = await startServer(routes(() => sourceDone.resolve()))
  const port = server.port
  t.teardown(() => server.app.close())
  const { page, problems } = await openPage(t, `${server.url}/`)

  await t.test('an Authorization header reaches the route; the end event stops it', async t => {
    const events = await within(page.evaluate(async () => {
      const seen = []
      for await (const event of window.client.subscribe('/three', { headers: { authorization: 'Bearer from-the-page' } })) seen.push(event)
      return seen
    }), 'the subscription to end by itself after the end event', ENDS_WITHIN_MS)
    t.same(events.map(event => [event.type, event.id, event.data]), [1, 2, 3].map(n => ['tick', String(n), { n, auth: 'Bearer from-the-page' }]))
    t.same(server.requests.filter(request => request.url === '/three').map(request => request.authorization), ['Bearer from-the-page'], 'one request, with the header')
  })

  await t.test('a restart of the server is resumed with no gap and no duplicate', async t => {
    await page.evaluate(() => {
      window.seen = []
      window.retries = []
      const subscription = window.client.subscribe('/endless', {
        retryMs: 50,
        onEvent: event => { window.seen.push({ type: event.type, data: event.data, id: event.id }) },
        onRetry: info => { window.retries.push(info.error.code) }
      })
      window.stop = () => subscription.close()
    })
    await page.waitForFunction(() => window.seen.length >= 5, undefined, WAIT)
    await server.app.close()
    await page.waitForFunction(() => window.retries.includes('FST_STREAM_CLIENT_NETWORK'), undefined, WAIT)
    const lastBefore = await page.evaluate(() => window.seen.length)
    sourceDone = deferred()
    server = await startServer(routes(() => sourceDone.resolve()), { port })
    await page.waitForFunction(last => window.seen.length >= last + 5, lastBefore, WAIT)
    await page.evaluate(() => window.stop())
    const seen = await page.evaluate(() => window.seen.map(event => event.data as number))
    t.same(seen, seen.map((_, i) => i + 1), `1, 2, 3… across the restart (last before: ${lastBefore}): ${seen.join(' ')}`)
    t.equal(server.requests[0]?.lastEventId, String(lastBefore), 'the new server was asked to resume after the last id')
    t.equal(await page.evaluate(() => window.retries[0]), 'FST_STREAM_SHUTDOWN', 'the shutdown record made it reconnect')
    await sourceDone.promise
  })

  await t.test('abort stops the stream and nothing reconnects', async t => {
    sourceDone = deferred()
    const before = server.requests.length
    const count = await within(page.evaluate(async () => {
      const controller = new AbortController()
      let n = 0
      for await (const event of window.client.subscribe('/endless', { signal: controller.signal, retryMs: 10 })) {
        if (event.type === 'message' && ++n === 3) controller.abort()
      }
      return n
    }), 'the subscription to end on abort', ENDS_WITHIN_MS)
    t.equal(count, 3)
    t.equal(await within(sourceDone.promise.then(() => 'finished'), 'the route\'s source to see the browser go'), 'finished', 'the source saw the browser go')
    t.equal(server.requests.length, before + 1, 'no reconnection')
  })

  await t.test('a 204 stops for good', async t => {
    const before = server.requests.length
    t.same(await within(page.evaluate(async () => {
      const subscription = window.client.subscribe('/gone', { retryMs: 10, onEvent: () => {} })
      await subscription.done
      return 'done'
    }), 'the subscription to end after a 204', ENDS_WITHIN_MS), 'done')
    t.equal(server.requests.length, before + 1, 'one request: no reconnection after the 204')
  })

  await t.test('the retry: hint sets the reconnection time', async t => {
    const before = server.requests.length
    const { ids, delays } = await page.evaluate(async () => {
      const ids = []
      const delays: number[] = []
      const subscription = window.client.subscribe('/brief', { retryMs: 5000, onRetry: ({ delayMs }) => { delays.push(delayMs) } })
      for await (const event of subscription) if (ids.push(event.id) === 3) break
      return { ids, delays }
    })
    t.same(ids, ['1', '2', '3'], 'each reconnection resumed')
    const brief = server.requests.slice(before)
    for (const i of [1, 2]) {
      // The wait is the client's own (its timer, up to 20% jitter); the server's clock only
      // bounds it from above: on a loaded machine its onResponse runs late, and the gap it
      // sees shrinks.
      const delay = delays[i - 1] ?? 0
      const gap = (brief[i]?.at ?? 0) - (brief[i - 1]?.finishedAt ?? Infinity)
      t.ok(delay >= 300 && delay <= 360 && gap < 1500, `reconnected after ${delay} ms, ${gap.toFixed(0)} ms after the close as the server saw it (retry: 300; the client's own 5000 would be too slow)`)
    }
  })

  await t.test('compressed streams: subscribe() and readNdjson() over Chromium\'s fetch decode gzip and Brotli', async t => {
    const result = await page.evaluate(async () => {
      const out: Record<string, { coding: string | null, items: unknown[], events: unknown[] }> = {}
      for (const coding of ['gzip', 'br']) {
        const response = await fetch(`/compressed/${coding}`, { headers: { accept: 'application/x-ndjson' } })
        const items = []
        for await (const item of window.client.readNdjson(response)) items.push((item as { n: number }).n)
        const events = []
        for await (const event of window.client.subscribe(`/compressed/${coding}`)) events.push((event.data as { n: number }).n)
        out[coding] = { coding: response.headers.get('content-encoding'), items, events }
      }
      return out
    })
    const all = Array.from({ length: 20 }, (_, i) => i + 1)
    for (const coding of ['gzip', 'br']) {
      t.equal(result[coding]?.coding, coding, `${coding}: the response was compressed`)
      t.same(result[coding]?.items, all, `${coding}: readNdjson decoded every item`)
      t.same(result[coding]?.events, all, `${coding}: subscribe() decoded every event, then stopped at the end event`)
    }
  })

  await t.test('readNdjson: a feed, then the in-band error record as a typed error', async t => {
    const result = await page.evaluate(async () => {
      const items = []
      try {
        for await (const item of window.client.readNdjson(fetch('/users', { headers: { accept: 'application/x-ndjson' } }))) items.push(item)
        return { items, code: 'none' }
      } catch (err) {
        return { items, code: (err as { code: string }).code, name: (err as Error).name }
      }
    })
    t.equal(result.items.length, 100)
    t.same(result.items[99], { id: 100, name: 'ü100' })
    t.match(result, { code: 'FST_STREAM_SOURCE_FAILED', name: 'StreamClientError' })
  })

  await t.test('readNdjson: abort stops the reading and the server sees the client go', async t => {
    sourceDone = deferred()
    const result = await page.evaluate(async () => {
      const controller = new AbortController()
      const items = []
      try {
        const response = fetch('/endless', { headers: { accept: 'application/x-ndjson' }, signal: controller.signal })
        for await (const item of window.client.readNdjson(response, { signal: controller.signal })) {
          if (items.push(item) === 3) controller.abort()
        }
        return { items, name: 'none' }
      } catch (err) {
        return { items, name: (err as Error).name }
      }
    })
    t.same(result, { items: [1, 2, 3], name: 'AbortError' }, 'the loop throws the abort reason after the third item')
    t.equal(await within(sourceDone.promise.then(() => 'finished'), 'the route\'s source to see the browser go'), 'finished', 'the source saw the browser go')
  })

  t.same(problems, [], 'no script errors in the page')
})
