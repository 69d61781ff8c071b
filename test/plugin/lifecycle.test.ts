// Streaming behaviour over real sockets: the head at once, cancellation, backpressure,
// heartbeats, errors after the head, and shutdown.
import { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import { sse } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { waitUntilStable } from '../helpers/wait-stable.js'
import { countOf, openStream } from '../helpers/stream-client.js'
import { reached } from '../helpers/bounded-wait.js'

const SSE = { accept: 'text/event-stream' }

/** A source that never yields: it waits (for its signal) until the stream ends. */
async function * idleSource ({ signal }: { signal: AbortSignal }): AsyncGenerator<string> {
  await delay(60_000, undefined, { signal })
}

t.test('the head and a first frame go out at once, before the source has anything', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(idleSource))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  t.equal(client.status, 200)
  t.equal(client.headers['content-type'], 'text/event-stream; charset=utf-8')
  t.equal(await client.waitFor(text => text.length > 0), ':\n\n')
  client.close()
})

t.test('NDJSON flushes its head at once too', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(idleSource))
  })
  t.teardown(() => app.close())
  const client = await openStream(url)
  t.equal(client.headers['content-type'], 'application/x-ndjson')
  client.close()
})

for (const how of ['close', 'reset'] as const) {
  t.test(`a client ${how} aborts the signal and runs finally within 100 ms (idle source)`, async t => {
    const finished = deferred<number>()
    let aborted = false
    const { app, url } = await listenApp(app => {
      app.get('/', (_request, reply) => reply.stream(async function * ({ signal }) {
        signal.addEventListener('abort', () => { aborted = true })
        try {
          yield 'first'
          await delay(60_000, undefined, { signal })
        } finally {
          finished.resolve(performance.now())
        }
      }))
    })
    t.teardown(() => app.close())
    const client = await openStream(url, SSE)
    await client.waitFor(text => text.includes('data: first'))
    t.equal(app.streams.open, 1)
    const leftAt = performance.now()
    client[how]()
    const finishedAt = await finished.promise
    t.ok(finishedAt - leftAt < 100, `finally ran ${Math.round(finishedAt - leftAt)} ms after the client left`)
    t.ok(aborted, 'the signal aborted')
    t.equal(app.streams.open, 0)
    t.equal(app.streams.aborted, 1)
  })
}

t.test('backpressure: a paused client stops the producer; resuming restarts it', async t => {
  let produced = 0
  const resumed = deferred()
  const finished = deferred()
  let resumeTarget = Infinity
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      try {
        for (;;) {
          produced++
          if (produced >= resumeTarget) resumed.resolve()
          yield 'x'.repeat(1000)
        }
      } finally {
        finished.resolve()
      }
    }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  client.pause()
  // Once the socket buffers are full the count must stay put, which can only happen if the
  // pump stopped pulling; then it must stay put for a good while longer.
  const stalledAt = await waitUntilStable(() => produced)
  await waitUntilStable(() => produced, 400)
  t.equal(produced, stalledAt, 'no item is pulled while the client is paused')
  t.ok(stalledAt * 1000 < 32 * 1024 * 1024, `the producer ran at most the buffers ahead (${stalledAt} items)`)
  resumeTarget = stalledAt + 500
  client.resume()
  await resumed.promise
  t.ok(produced >= stalledAt + 500, 'the producer continues once the client reads again')
  client.close()
  await finished.promise
})

t.test('a client that leaves while the pump waits for drain still ends the producer', async t => {
  const finished = deferred<number>()
  let produced = 0
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      try {
        for (;;) {
          produced++
          yield 'y'.repeat(4096)
        }
      } finally {
        finished.resolve(performance.now())
      }
    }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  client.pause()
  // The producer stops once the server hits backpressure.
  await waitUntilStable(() => produced)
  const leftAt = performance.now()
  client.reset()
  const finishedAt = await finished.promise
  t.ok(finishedAt - leftAt < 100, `finally ran ${Math.round(finishedAt - leftAt)} ms after the reset`)
  t.equal(app.streams.open, 0)
})

t.test('an endless sync iterable cannot starve the event loop: a close still stops it', async t => {
  const finished = deferred()
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(function * () {
      try {
        for (let i = 0; ; i++) yield i
      } finally {
        finished.resolve()
      }
    }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  // Megabytes from a source that never awaits: the pump must still yield to the event loop
  // (every few writes) for the close below to be seen at all.
  await client.waitFor(text => text.length > 2_000_000)
  client.close()
  await finished.promise
  t.equal(app.streams.open, 0)
})

t.test('an object-mode Readable is streamed and destroyed when the client leaves', async t => {
  const destroyed = deferred()
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => {
      const readable = new Readable({ objectMode: true, read () {} })
      readable.push({ n: 1 })
      readable.on('close', () => destroyed.resolve())
      return reply.stream(readable)
    })
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  await client.waitFor(text => text.includes('data: {"n":1}'))
  client.close()
  await reached(t, destroyed.promise, 'the Readable was destroyed')
})

t.test('heartbeats go out only when the stream is idle', async t => {
  const release = deferred()
  const { app, url } = await listenApp(app => {
    app.get('/idle', (_request, reply) => reply.stream(idleSource))
    // Events every event-loop turn, far more often than its heartbeat interval.
    app.get('/busy', (_request, reply) => reply.stream(async function * () {
      for (let i = 0; i < 40; i++) {
        yield i
        await new Promise(resolve => setImmediate(resolve))
      }
      await release.promise
    }, { heartbeatMs: 250 }))
  }, { heartbeatMs: 40 })
  t.teardown(() => app.close())
  const idle = await openStream(url + '/idle', SSE)
  const text = await idle.waitFor(text => countOf(text, ':\n\n') >= 3)
  t.equal(text.slice(0, 9), ':\n\n:\n\n:\n\n', 'the idle stream gets comment frames')
  idle.close()
  const busy = await openStream(url + '/busy', SSE)
  await busy.waitFor(text => text.includes('data: 39\n\n'))
  t.equal(countOf(busy.text, ':\n\n'), 1, 'a busy stream sends only its preamble, no heartbeat')
  await reached(t, busy.waitFor(text => countOf(text, ':\n\n') >= 2), 'a heartbeat follows once it goes idle')
  release.resolve()
  t.ok(app.streams.heartbeats >= 3, 'two idle heartbeats and one after the busy phase were counted')
})

t.test('heartbeatMs: 0 disables heartbeats', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * ({ signal }) {
      yield 'a'
      await delay(100, undefined, { signal })
      yield 'b'
    }, { heartbeatMs: 0 }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  await client.ended
  t.equal(client.text, ':\n\ndata: a\n\ndata: b\n\nevent: end\ndata:\n\n')
})

t.test('SSE: a source failing midway sends a named error event without internals, logged once', async t => {
  const logs: Array<Record<string, unknown>> = []
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      yield 'ok'
      await delay(5)
      throw new Error('database password is hunter2')
    }))
  }, {}, { logger: { level: 'error', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  const { complete } = await client.ended
  t.equal(complete, true, 'an SSE stream ends cleanly after its error event')
  t.equal(client.text, ':\n\ndata: ok\n\nevent: stream-error\ndata: {"code":"FST_STREAM_SOURCE_FAILED","message":"fastify-stream: the stream source failed"}\n\n')
  t.notMatch(client.text, /hunter2/)
  const errors = logs.filter(line => line.level === 50)
  t.equal(errors.length, 1, 'logged once')
  t.match(errors[0], { err: { message: 'database password is hunter2' } })
  t.equal(app.streams.errors, 1)
})

t.test('N6: NDJSON: an error record after the good ones, then an abort', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      yield { a: 1 }
      yield { a: 2 }
      await delay(5)
      throw new Error('boom')
    }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url)
  const { complete } = await client.ended
  t.equal(complete, false, 'the body is aborted, so truncation is visible')
  t.equal(client.text, '{"a":1}\n{"a":2}\n{"error":{"code":"FST_STREAM_SOURCE_FAILED","message":"fastify-stream: the stream source failed"}}\n')
})

t.test('an invalid field mid-stream ends that stream with its code, and returns the source', async t => {
  const finished = deferred()
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      try {
        yield 'fine'
        await delay(5)
        yield sse({ id: 'a\u0000b', data: 'x' })
        yield 'never'
      } finally {
        finished.resolve()
      }
    }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  await client.ended
  await finished.promise
  t.match(client.text, /^:\n\ndata: fine\n\nevent: stream-error\ndata: \{"code":"FST_STREAM_INVALID_ID"/)
  t.notMatch(client.text, /never/)
  t.notOk(client.text.includes('a\u0000b'), 'the invalid id never reached the wire')
})

t.test('CSV: a failure midway aborts the download', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * () {
      yield { a: 1 }
      await delay(5)
      throw new Error('boom')
    }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url, { accept: 'text/csv' })
  const { complete } = await client.ended
  t.equal(complete, false)
  t.equal(client.text, 'a\r\n1\r\n')
})

t.test('handlerTimeout never cuts a stream', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(async function * ({ signal }) {
      for (let i = 0; i < 4; i++) {
        yield i
        await delay(40, undefined, { signal })
      }
    }))
  }, {}, { handlerTimeout: 50 })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  const { complete } = await client.ended
  t.equal(complete, true)
  t.match(client.text, /data: 3\n\nevent: end\ndata:\n\n$/)
})

t.test('coalescing: frames ready together leave in one write; an idle source flushes at once', async t => {
  const writes: number[] = []
  const second = deferred()
  const { app, url } = await listenApp(app => {
    app.addHook('onRequest', async (_request, reply) => {
      const write = reply.raw.write.bind(reply.raw) as (chunk: unknown) => boolean
      reply.raw.write = ((chunk: unknown) => { writes.push(Buffer.byteLength(chunk as string)); return write(chunk) }) as typeof reply.raw.write
    })
    app.get('/batch', (_request, reply) => reply.stream(Array.from({ length: 1000 }, (_, i) => i), { format: 'sse', endEvent: false }))
    app.get('/idle', (_request, reply) => reply.stream(async function * () {
      yield 'first'
      await second.promise
      yield 'second'
    }, { format: 'sse' }))
  })
  t.teardown(() => app.close())
  const batch = await openStream(url + '/batch')
  await batch.ended
  t.equal(writes.length, 1, '1000 ready events went out in one write')
  t.equal(writes[0], Buffer.byteLength(batch.text))
  const idle = await openStream(url + '/idle')
  await idle.waitFor(text => text.includes('data: first\n\n'))
  t.notMatch(idle.text, /second/, 'the first event arrived while the source was still waiting')
  second.resolve()
  await idle.ended
})

t.test('maxStreams: a stream over the limit gets 503', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(idleSource))
  }, { maxStreams: 1 })
  t.teardown(() => app.close())
  const first = await openStream(url, SSE)
  const second = await openStream(url, SSE)
  t.equal(second.status, 503)
  await second.ended
  t.equal(JSON.parse(second.text).code, 'FST_STREAM_TOO_MANY_STREAMS')
  t.equal(app.streams.rejected, 1)
  first.close()
})

t.test('shutdown: close() ends every open stream promptly with a final frame, runs finally', async t => {
  const finals: string[] = []
  const allFinished = deferred()
  const { app, url } = await listenApp(app => {
    app.get('/', (request, reply) => reply.stream(async function * ({ signal }) {
      try {
        yield 'hello'
        await delay(60_000, undefined, { signal })
      } finally {
        finals.push(request.id)
        if (finals.length === 3) allFinished.resolve()
      }
    }))
    app.get('/flood', (_request, reply) => reply.stream(function * () {
      try {
        for (;;) yield 'z'.repeat(2048)
      } finally {
        finals.push('flood')
      }
    }))
  })
  const sseClient = await openStream(url, SSE)
  const ndjsonClient = await openStream(url)
  const third = await openStream(url, SSE)
  const flooded = await openStream(url + '/flood', SSE)
  flooded.pause()
  await Promise.all([sseClient, ndjsonClient, third].map(c => c.waitFor(text => text.includes('hello'))))
  const started = performance.now()
  await app.close()
  const took = performance.now() - started
  t.ok(took < 1500, `close() took ${Math.round(took)} ms`)
  await allFinished.promise
  t.ok(finals.includes('flood'), 'the backpressured producer also ran finally')
  await sseClient.ended
  t.match(sseClient.text, /event: stream-error\ndata: \{"code":"FST_STREAM_SHUTDOWN"/)
  const ndjson = await ndjsonClient.ended
  t.match(ndjsonClient.text, /\{"error":\{"code":"FST_STREAM_SHUTDOWN"/)
  t.equal(ndjson.complete, false, 'NDJSON is aborted so the client knows it was cut')
  t.equal(app.streams.open, 0)
})

t.test('a stream that starts while the server is closing is refused with 503', async t => {
  const handlerEntered = deferred()
  const release = deferred()
  const closingStarted = deferred()
  const { app, url } = await listenApp(app => {
    // Runs after the plugin's own preClose hook, which is when streams are refused.
    app.addHook('preClose', async () => { closingStarted.resolve() })
    app.get('/', async (_request, reply) => {
      handlerEntered.resolve()
      await release.promise
      return reply.stream(['late'])
    })
  })
  const client = openStream(url, SSE)
  await handlerEntered.promise
  const closing = app.close()
  await closingStarted.promise
  release.resolve()
  const late = await client
  await late.ended
  t.equal(late.status, 503)
  t.equal(JSON.parse(late.text).code, 'FST_STREAM_SHUTDOWN')
  await closing
})

t.test('after a disconnect no listener or heartbeat timer of the stream is left', async t => {
  const finished = deferred()
  let raw: import('node:http').ServerResponse | undefined
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => {
      raw = reply.raw
      return reply.stream(async function * ({ signal }) {
        try {
          yield 'first'
          await delay(60_000, undefined, { signal })
        } finally {
          finished.resolve()
        }
      })
    })
  }, { heartbeatMs: 20 })
  t.teardown(() => app.close())
  const client = await openStream(url, SSE)
  await client.waitFor(text => countOf(text, ':\n\n') >= 2)
  t.equal(raw?.listenerCount('drain'), 1, 'the pump listens for drain while open')
  client.close()
  await finished.promise
  t.equal(raw?.listenerCount('drain'), 0, 'its drain listener is gone')
  const heartbeats = app.streams.heartbeats
  // Several heartbeat intervals later, nothing was counted: the timer was cleared.
  t.equal(await waitUntilStable(() => app.streams.heartbeats, 100), heartbeats)
})
