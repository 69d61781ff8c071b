// The pump on its own, on a real node:http server: the edges that the plugin's happy paths
// do not reach (shutdown before the head, iterators that misbehave on return()).
import http, { type ServerResponse } from 'node:http'
import { EventEmitter, once } from 'node:events'
import t, { type Test } from 'tap'
import { createEncoder } from '../../lib/framing/create-encoder.js'
import { streamHeaders } from '../../lib/http/headers.js'
import { StreamCounters } from '../../lib/write-path/counters.js'
import { StreamPump } from '../../lib/write-path/pump.js'
import { deferred } from '../helpers/deferred.js'
import { openStream } from '../helpers/stream-client.js'

/** A server whose single route hands the response to `handle`; returns its URL. */
async function serve (t: Test, handle: (res: ServerResponse) => void): Promise<string> {
  const server = http.createServer((_req, res) => handle(res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

function pumpFor (res: ServerResponse, source: unknown, counters = new StreamCounters()): StreamPump {
  const controller = new AbortController()
  return new StreamPump(res, source, {
    encoder: createEncoder('sse'),
    owner: undefined,
    factory: { controller, context: { signal: controller.signal, lastEventId: undefined, format: 'sse' } },
    config: {
      heartbeatMs: 0,
      lifetimeMs: 0,
      counters,
      writeHead: pump => { res.writeHead(200, streamHeaders(pump.encoder)) }
    }
  })
}

/** Starts a pump whose source is `source`, answering a failure before the head with a 503. */
function startAnswering (t: Test, source: unknown, counters: StreamCounters): Promise<{ url: string, pump: Promise<StreamPump> }> {
  const pumpMade = deferred<StreamPump>()
  return serve(t, res => {
    const pump = pumpFor(res, source, counters)
    pumpMade.resolve(pump)
    pump.start().then(failure => {
      if (failure !== undefined) res.writeHead(503).end((failure as { code?: string }).code)
    }, () => {})
  }).then(url => ({ url, pump: pumpMade.promise }))
}

t.test('a shutdown while an async factory is pending answers 503 and never opens the head', async t => {
  const factoryDone = deferred<Iterable<string>>()
  const counters = new StreamCounters()
  const { url, pump } = await startAnswering(t, () => factoryDone.promise, counters)
  const client = openStream(url)
  await (await pump).shutdown()
  factoryDone.resolve(['never'])
  const answered = await client
  await answered.ended
  t.equal(answered.text, 'FST_STREAM_SHUTDOWN')
})

t.test('an async factory that rejects after a shutdown began answers with the shutdown', async t => {
  const factoryDone = deferred<void>()
  const counters = new StreamCounters()
  const { url, pump } = await startAnswering(t, async () => {
    await factoryDone.promise
    throw new Error('factory failed late')
  }, counters)
  const client = openStream(url)
  await (await pump).shutdown()
  factoryDone.resolve()
  const answered = await client
  await answered.ended
  t.equal(answered.text, 'FST_STREAM_SHUTDOWN')
})

t.test('a source that throws after a shutdown began answers with the shutdown, not its error', async t => {
  const firstItem = deferred<void>()
  const counters = new StreamCounters()
  const { url, pump } = await startAnswering(t, async function * () {
    await firstItem.promise
    throw new Error('late failure')
  }, counters)
  const client = openStream(url)
  const shuttingDown = (await pump).shutdown()
  firstItem.resolve()
  await shuttingDown
  const answered = await client
  await answered.ended
  t.equal(answered.text, 'FST_STREAM_SHUTDOWN')
  t.equal(counters.open, 0)
})

t.test('a client that leaves while an async factory is pending leaves nothing open', async t => {
  const factoryDone = deferred<Iterable<string>>()
  const counters = new StreamCounters()
  const { url, pump } = await startAnswering(t, () => factoryDone.promise, counters)
  const request = http.get(url, { agent: false })
  request.on('error', () => {})
  await pump
  t.equal(counters.open, 1)
  request.destroy()
  while (counters.open !== 0) await new Promise(resolve => setImmediate(resolve))
  factoryDone.resolve(['never'])
  t.equal(counters.aborted, 0, 'it never opened, so it was not an aborted stream')
})

t.test('an iterator whose return() throws is still released', async t => {
  const counters = new StreamCounters()
  const url = await serve(t, res => {
    let n = 0
    const iterator = {
      [Symbol.iterator] () { return this },
      next: () => ({ done: false, value: n++ }),
      return: () => { throw new Error('broken return') }
    }
    pumpFor(res, iterator, counters).start().catch(() => {})
  })
  const client = await openStream(url)
  await client.waitFor(text => text.length > 1000)
  client.close()
  await client.ended
  while (counters.open !== 0) await new Promise(resolve => setImmediate(resolve))
  t.equal(counters.aborted, 1)
})

t.test('a sink that never pushes back still gets event-loop turns from an endless sync source', async t => {
  // A response whose writes always succeed (a huge socket buffer): no drain ever comes, so
  // only the pump's own yielding lets the timer below run and close the stream.
  const sink = Object.assign(new EventEmitter(), {
    writes: 0,
    write (): boolean { sink.writes++; return true },
    end (): void {},
    destroy (): void {},
    socket: null
  })
  const finished = deferred<void>()
  const counters = new StreamCounters()
  const pump = new StreamPump(sink, {
    * [Symbol.iterator] () {
      try {
        for (;;) yield 'x'.repeat(100)
      } finally {
        finished.resolve()
      }
    }
  }, { encoder: createEncoder('ndjson'), owner: undefined, config: { heartbeatMs: 0, lifetimeMs: 0, counters, writeHead: () => {} } })
  setImmediate(() => sink.emit('close'))
  t.equal(await pump.start(), undefined)
  await finished.promise
  // The turn comes after 8 writes or 2 ms, whichever is first, so a slow machine writes fewer.
  t.ok(sink.writes >= 1, `it wrote (${sink.writes} writes) and yielded before the close`)
  t.equal(counters.aborted, 1)
})
