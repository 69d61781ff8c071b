// The limits a user meets, driven over the edge with real sockets: streams per client (from
// several loopback addresses), Connection: close, and a shutdown with a reader that stalls.
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import fastifyStream from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { waitUntilStable } from '../helpers/wait-stable.js'
import { openStream, type StreamClient } from '../helpers/stream-client.js'

/** Opens an endless SSE stream from `localAddress`; resolves with the response head. */
function streamFrom (url: string, localAddress: string, path = '/endless'): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: Promise<string>, close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url + path, { localAddress, agent: false, headers: { accept: 'text/event-stream' } }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      const ended = new Promise<string>(resolve => res.on('close', () => resolve(body)))
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: ended, close: () => request.destroy() })
    })
    request.on('error', reject)
  })
}

function endlessRoute (app: FastifyInstance): void {
  app.get('/endless', (_request, reply) => reply.stream(async function * ({ signal }) {
    yield 'open'
    await once(signal, 'abort')
  }))
}

t.test('a client address over maxStreamsPerClient gets 429 with Retry-After; other addresses still stream', async t => {
  const { app, url } = await listenApp(endlessRoute, { maxStreamsPerClient: 3 })
  t.teardown(() => app.close())
  const held = []
  for (let i = 0; i < 3; i++) held.push(await streamFrom(url, '127.0.0.2'))
  t.same(held.map(stream => stream.status), [200, 200, 200])
  const refused = await streamFrom(url, '127.0.0.2')
  t.equal(refused.status, 429)
  t.equal(refused.headers['retry-after'], '5')
  const body = JSON.parse(await refused.body)
  t.equal(body.code, 'FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT')
  t.match(body.message, /too many open streams/)
  t.equal(app.streams.rejectedPerClient, 1)
  const others = await Promise.all(['127.0.0.3', '127.0.0.4'].map(address => streamFrom(url, address)))
  t.same(others.map(stream => stream.status), [200, 200], 'other addresses are not affected')
  // Closing one stream gives its slot back.
  held[0]!.close()
  await held[0]!.body
  while (app.streams.open !== 4) await new Promise(resolve => setImmediate(resolve))
  const again = await streamFrom(url, '127.0.0.2')
  t.equal(again.status, 200, 'a freed slot can be taken again')
  for (const stream of [...held, ...others, again]) stream.close()
})

t.test('clientKey decides who a client is; trustProxy applies to the default key', async t => {
  const keyed = await listenApp(endlessRoute, { maxStreamsPerClient: 1, clientKey: request => String(request.headers['x-tenant']) })
  t.teardown(() => keyed.app.close())
  const first = await openStream(keyed.url + '/endless', { 'x-tenant': 'a' })
  const second = await openStream(keyed.url + '/endless', { 'x-tenant': 'a' })
  const other = await openStream(keyed.url + '/endless', { 'x-tenant': 'b' })
  t.same([first.status, second.status, other.status], [200, 429, 200])
  first.close()
  other.close()

  const app = Fastify({ trustProxy: true })
  await app.register(fastifyStream, { maxStreamsPerClient: 1 })
  endlessRoute(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`
  const viaProxy: StreamClient[] = []
  for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.1']) viaProxy.push(await openStream(base + '/endless', { 'x-forwarded-for': forwarded }))
  t.same(viaProxy.map(stream => stream.status), [200, 200, 429], 'one proxy address, two clients behind it')
  for (const stream of viaProxy) stream.close()
})

t.test('maxStreamsPerClient and clientKey are checked at register time', async t => {
  for (const [options, pattern] of [
    [{ maxStreamsPerClient: 0 }, /maxStreamsPerClient.*positive integer, or Infinity/],
    [{ maxStreamsPerClient: 1.5 }, /maxStreamsPerClient/],
    [{ clientKey: 'ip' }, /clientKey.*function/]
  ] as const) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(fastifyStream, options as never) }, { code: 'FST_STREAM_INVALID_OPTION', message: pattern })
    await app.close()
  }
  const app = Fastify()
  await app.register(fastifyStream, { maxStreamsPerClient: Infinity })
  endlessRoute(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`
  const streams = await Promise.all(Array.from({ length: 5 }, () => openStream(base + '/endless')))
  t.same(streams.map(stream => stream.status), [200, 200, 200, 200, 200], 'Infinity turns the cap off')
  for (const stream of streams) stream.close()
})

t.test('maxStreams refusals say when to retry too', async t => {
  const { app, url } = await listenApp(endlessRoute, { maxStreams: 1 })
  t.teardown(() => app.close())
  const held = await openStream(url + '/endless')
  const refused = await openStream(url + '/endless')
  t.equal(refused.status, 503)
  t.equal(refused.headers['retry-after'], '5')
  held.close()
})

/**
 * Sends `request` on a raw socket and reads until the body's last chunk. Then it waits up to
 * `ms` for the server to close: a keep-alive socket stays open, which only a bound can tell.
 */
async function rawExchange (port: number, request: string, ms = 1000): Promise<{ text: string, closedByServer: boolean }> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.setEncoding('latin1')
  let text = ''
  const ended = once(socket, 'end').then(() => true)
  socket.write(request)
  await new Promise<void>(resolve => socket.on('data', chunk => {
    text += chunk
    if (text.endsWith('0\r\n\r\n')) resolve()
  }))
  let timer: NodeJS.Timeout | undefined
  const closedByServer = await Promise.race([ended, new Promise<boolean>(resolve => { timer = setTimeout(resolve, ms, false) })])
  clearTimeout(timer)
  socket.destroy()
  return { text, closedByServer }
}

t.test('RFC 9112 §9.6: a finished stream whose request said Connection: close closes the socket', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/finite', (_request, reply) => reply.stream(['a', 'b'], { format: 'sse' }))
  })
  t.teardown(() => app.close())
  const port = Number(new URL(url).port)
  const closing = await rawExchange(port, 'GET /finite HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  t.match(closing.text, /\r\nconnection: close\r\n/i, 'the head says close')
  t.notMatch(closing.text, /keep-alive/i, 'and never keep-alive')
  t.ok(closing.closedByServer, 'the server closed the socket after the stream')
  const keeping = await rawExchange(port, 'GET /finite HTTP/1.1\r\nHost: x\r\n\r\n')
  t.match(keeping.text, /\r\nconnection: keep-alive\r\n/i, 'a keep-alive request keeps its connection')
  t.notOk(keeping.closedByServer)
})

t.test('close() finishes within 2 s even when a reader stalls and never reads the shutdown frame', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/endless', (_request, reply) => reply.stream(function * () { for (;;) yield 'z'.repeat(16 * 1024) }, { format: 'sse' }))
  })
  const stalled = await openStream(url + '/endless')
  stalled.pause()
  // Wait until the server is blocked on drain: its writes stop counting up.
  await waitUntilStable(() => app.streams.bytes)
  const started = performance.now()
  await app.close()
  const took = performance.now() - started
  t.ok(took < 2000, `close() took ${took.toFixed(0)} ms`)
  // Paused, the client cannot see the end; once it reads again, it finds the body cut off.
  stalled.resume()
  const { complete } = await stalled.ended
  t.notOk(complete, 'the stalled reader was cut off')
  t.equal(app.streams.open, 0)
})
