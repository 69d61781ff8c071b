// Real clients against real servers: node:http2 (h2c), the eventsource@4 client resuming
// with Last-Event-ID, @fastify/cors headers, and the framework-free core on node:http.
import cors from '@fastify/cors'
import { EventSource } from 'eventsource'
import Fastify, { type FastifyInstance } from 'fastify'
import http from 'node:http'
import http2 from 'node:http2'
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { streamResponse, StreamCounters, sse as coreSse } from '../../lib/index.js'
import fastifyStream, { sse } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { openStream } from '../helpers/stream-client.js'

/** Listens with HTTP/2 (h2c) and opens a client session to it. */
async function h2App (t: Test, routes: (app: FastifyInstance) => void): Promise<http2.ClientHttp2Session> {
  const { app, url } = await listenApp(routes, {}, { http2: true })
  t.teardown(() => app.close())
  const session = http2.connect(url)
  t.teardown(() => session.close())
  return session
}

t.test('S29: HTTP/2 (h2c) streams with no connection-specific headers and no warnings', async t => {
  const warnings: Error[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning) }
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  const session = await h2App(t, app => {
    app.get('/', (_request, reply) => reply.stream([sse({ id: '1', data: 'over h2' })]))
  })
  const request = session.request({ ':path': '/', accept: 'text/event-stream' })
  const [headers] = await once(request, 'response') as [http2.IncomingHttpHeaders]
  let body = ''
  request.setEncoding('utf8')
  request.on('data', (chunk: string) => { body += chunk })
  await once(request, 'end')
  t.equal(headers[':status'], 200)
  t.equal(headers['content-type'], 'text/event-stream; charset=utf-8')
  t.equal(headers.connection, undefined)
  t.equal(headers['keep-alive'], undefined)
  t.equal(headers['transfer-encoding'], undefined)
  t.equal(body, ':\n\nid: 1\ndata: over h2\n\nevent: end\ndata:\n\n')
  t.same(warnings, [])
})

t.test('HTTP/2: a client that resets the stream ends the producer', async t => {
  const finished = deferred()
  let streams: { open: number } | undefined
  const session = await h2App(t, app => {
    streams = app.streams
    app.get('/', (_request, reply) => reply.stream(async function * ({ signal }) {
      try {
        yield 'first'
        await delay(60_000, undefined, { signal })
      } finally {
        finished.resolve()
      }
    }))
  })
  const request = session.request({ ':path': '/', accept: 'text/event-stream' })
  request.setEncoding('utf8')
  const [chunk] = await once(request, 'data') as [string]
  t.match(chunk, /data: first/)
  request.close(http2.constants.NGHTTP2_CANCEL)
  await finished.promise
  t.equal(streams?.open, 0)
})

t.test('HTTP/2: an NDJSON failure mid-stream resets the stream after the error record', async t => {
  const session = await h2App(t, app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      yield { a: 1 }
      await delay(5)
      throw new Error('boom')
    }))
  })
  const request = session.request({ ':path': '/' })
  let body = ''
  request.setEncoding('utf8')
  request.on('data', (chunk: string) => { body += chunk })
  const failure = deferred<Error>()
  request.on('error', failure.resolve)
  t.match((await failure.promise).message, /NGHTTP2_INTERNAL_ERROR/, 'the stream was reset, not ended')
  t.equal(body, '{"a":1}\n{"error":{"code":"FST_STREAM_SOURCE_FAILED","message":"fastify-stream: the stream source failed"}}\n')
})

t.test('eventsource@4: a reconnect sends Last-Event-ID and the factory resumes from it', async t => {
  const seen: Array<string | undefined> = []
  const { app, url } = await listenApp(app => {
    app.get('/ticks', (_request, reply) => reply.stream(function * ({ lastEventId }) {
      seen.push(lastEventId)
      const start = Number(lastEventId ?? 0) + 1
      // Each connection delivers two events, then drops, so the client must reconnect.
      for (let i = start; i < start + 2; i++) yield sse({ id: String(i), data: { i } })
    }, { endEvent: false, retryMs: 10 }))
  })
  t.teardown(() => app.close())
  const source = new EventSource(`${url}/ticks`)
  t.teardown(() => source.close())
  const received: number[] = []
  const done = deferred()
  source.onmessage = event => {
    received.push(JSON.parse(event.data).i)
    if (received.length === 6) done.resolve()
  }
  await done.promise
  source.close()
  t.same(received, [1, 2, 3, 4, 5, 6], 'no gap and no duplicate across reconnects')
  t.same(seen.slice(0, 3), [undefined, '2', '4'])
})

t.test('eventsource@4: the end event lets the client close instead of reconnecting', async t => {
  let connections = 0
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => {
      connections++
      return reply.stream(['only'], { retryMs: 10 })
    })
  })
  t.teardown(() => app.close())
  const source = new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, accept: 'text/event-stream' } }) })
  const ended = deferred()
  const messages: string[] = []
  source.onmessage = event => { messages.push(event.data) }
  source.addEventListener('end', () => { source.close(); ended.resolve() })
  await ended.promise
  t.same(messages, ['only'])
  t.equal(source.readyState, EventSource.CLOSED)
  t.equal(connections, 1)
})

t.test('@fastify/cors headers set in hooks reach the stream head', async t => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://example.test'], credentials: true })
  await app.register(fastifyStream)
  app.get('/', (_request, reply) => reply.stream(['x']))
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/', headers: { origin: 'https://example.test', accept: 'text/event-stream' } })
  t.equal(res.headers['access-control-allow-origin'], 'https://example.test')
  t.equal(res.headers['access-control-allow-credentials'], 'true')
  t.match(String(res.headers.vary), /Origin/)
  t.match(String(res.headers.vary), /Accept/)
})

t.test('fastify-stream/core streams on plain node:http', async t => {
  const counters = new StreamCounters()
  const faults: unknown[] = []
  const server = http.createServer((req, res) => {
    const source = req.url === '/fails'
      ? async function * () { yield 1; await delay(5); throw new Error('x') }
      : req.url === '/early'
        ? async function * () { throw Object.assign(new Error('teapot'), { statusCode: 418 }) }
        : req.url === '/invalid'
          ? 42
          : req.url === '/plain-error'
            ? () => { throw new Error('secret detail') }
            : [coreSse({ id: '1', data: 'a' })]
    streamResponse(req, res, source as never, {
      counters,
      formats: req.url === '/sse-only' ? ['sse'] : undefined,
      onFault: err => faults.push(err)
    }).catch(() => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const base = `http://127.0.0.1:${port}`
  const ok = await openStream(base + '/', { accept: 'text/event-stream', 'last-event-id': '3' })
  await ok.ended
  t.equal(ok.text, ':\n\nid: 1\ndata: a\n\nevent: end\ndata:\n\n')
  // The test client sends Connection: close (agent: false), and the stream honours it.
  t.equal(ok.headers.connection, 'close')
  const ndjson = await openStream(base + '/')
  await ndjson.ended
  t.equal(ndjson.text, '"a"\n')
  const refused = await openStream(base + '/sse-only', { accept: 'application/x-ndjson' })
  await refused.ended
  t.equal(refused.status, 406)
  t.equal(JSON.parse(refused.text).code, 'FST_STREAM_NOT_ACCEPTABLE')
  const early = await openStream(base + '/early')
  await early.ended
  t.equal(early.status, 418)
  t.same(JSON.parse(early.text), { statusCode: 418, message: 'Internal Server Error' }, 'a foreign error message is not shown')
  const invalid = await openStream(base + '/invalid')
  await invalid.ended
  t.equal(invalid.status, 500)
  t.equal(JSON.parse(invalid.text).code, 'FST_STREAM_INVALID_SOURCE')
  const plain = await openStream(base + '/plain-error')
  await plain.ended
  t.equal(plain.status, 500)
  t.same(JSON.parse(plain.text), { statusCode: 500, message: 'Internal Server Error' })
  const fails = await openStream(base + '/fails', { accept: 'text/event-stream' })
  await fails.ended
  t.match(fails.text, /event: stream-error/)
  t.equal(faults.length, 1)
  t.equal(counters.opened, 6)
})

t.test('the core works with default options too', async t => {
  const server = http.createServer((req, res) => { streamResponse(req, res, ['x']).catch(() => {}) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const client = await openStream(`http://127.0.0.1:${port}/`)
  await client.ended
  t.equal(client.text, '"x"\n')
})

t.test('eventsource@4: onopen fires while the source has produced nothing yet', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * ({ signal }) {
      await delay(60_000, undefined, { signal })
    }))
  })
  t.teardown(() => app.close())
  const source = new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, accept: 'text/event-stream' } }) })
  t.teardown(() => source.close())
  const opened = deferred()
  source.onopen = () => opened.resolve()
  await opened.promise
  t.equal(source.readyState, EventSource.OPEN)
  t.equal(app.streams.events, 0, 'no event was needed to open')
})
