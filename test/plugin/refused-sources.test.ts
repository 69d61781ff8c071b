// A source handed to reply.stream() that is never streamed (refused, HEAD, already answered)
// is released: a hub subscription passed directly must leave its topic, or every refusal
// would leak a subscriber for the life of the process.
import http from 'node:http'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import type { ServerResponse } from 'node:http'
import t from 'tap'
import { streamResponse } from '../../lib/index.js'
import { listenApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { openStream } from '../helpers/stream-client.js'

t.test('refused and HEAD requests release a hub subscription passed as the source', async t => {
  const responses: ServerResponse[] = []
  const { app, url } = await listenApp(app => {
    app.get('/chat', (request, reply) => {
      responses.push(reply.raw)
      return reply.stream(app.hub.subscribe('chat', { lastEventId: request.lastEventId }), { formats: ['sse'] })
    })
    app.get('/twice', (_request, reply) => {
      reply.send('answered')
      return reply.stream(app.hub.subscribe('chat'))
    })
  }, { maxStreamsPerClient: 1 })
  t.teardown(() => app.close())
  // A raw socket: Node's fetch keeps a spare keep-alive connection after a cancelled body,
  // which would hold app.close() for Fastify's keep-alive timeout.
  const held = await openStream(url + '/chat', { accept: 'text/event-stream' })
  t.equal(held.status, 200, 'the first stream opens')
  t.equal(app.hub.stats().subscribers, 1, 'and holds one subscriber')

  const overCap = await fetch(url + '/chat', { headers: { accept: 'text/event-stream' } })
  t.equal(overCap.status, 429, 'the second stream from this client is refused')
  await overCap.body?.cancel()
  const notAcceptable = await fetch(url + '/chat', { headers: { accept: 'application/x-ndjson' } })
  t.equal(notAcceptable.status, 406, 'a format the route does not offer is refused')
  await notAcceptable.body?.cancel()
  const head = await fetch(url + '/chat', { method: 'HEAD', headers: { accept: 'text/event-stream' } })
  t.equal(head.status, 200, 'HEAD answers with the head alone')
  const twice = await fetch(url + '/twice')
  t.equal(await twice.text(), 'answered', 'a reply already answered keeps its answer')
  t.equal(app.hub.stats().subscribers, 1, 'none of them left a subscriber behind')

  const closed = once(responses[0] as ServerResponse, 'close')
  held.close()
  await closed
  t.equal(app.hub.stats().subscribers, 0, 'the held stream leaves its topic when its client leaves')
  t.equal(app.streams.open, 0, 'and ends')
})

t.test('every kind of source is released when the core refuses the request', async t => {
  const released: string[] = []
  const allReleased = deferred()
  const release = (name: string): void => {
    released.push(name)
    if (released.length === 4) allReleased.resolve()
  }
  const readable = new Readable({ objectMode: true, read () {} })
  readable.once('close', () => release('readable'))
  async function * generator (): AsyncGenerator<number> {
    try {
      yield 1
    } finally {
      release('generator')
    }
  }
  const started = generator()
  await started.next()
  const sources: unknown[] = [
    readable,
    started,
    { [Symbol.iterator]: () => ({ next: () => ({ done: true, value: undefined }) }), return () { release('iterator'); return { done: true } } },
    { next: () => ({ done: true }), return () { throw new Error('nothing to release') } },
    { next: async () => ({ done: true }), return: async () => { release('async iterator'); throw new Error('a rejected return() is ignored') } },
    [1, 2, 3],
    () => { release('factory called'); return [] },
    'not a source',
    null
  ]
  const server = http.createServer((req, res) => {
    const source = sources[Number(req.url?.slice(1))]
    streamResponse(req, res, source as never, { formats: ['sse'] }).catch(() => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  for (let i = 0; i < sources.length; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/${i}`, { headers: { accept: 'application/x-ndjson' } })
    t.equal(res.status, 406, `source ${i}: refused`)
    await res.body?.cancel()
  }
  await allReleased.promise
  t.same(released.sort(), ['async iterator', 'generator', 'iterator', 'readable'], 'the Readable is destroyed and the iterators returned; the factory never runs')
})
