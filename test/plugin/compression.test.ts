// compress: gzip and Brotli negotiated from Accept-Encoding, each write flushed so a client
// decodes event N before the source makes N+1 (real sockets, zlib's own streaming decoders,
// Node's fetch and curl as clients), a valid end on every normal end, and nothing changed
// with it off.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import http from 'node:http'
import { constants as zlibConstants, gunzipSync } from 'node:zlib'
import t from 'tap'
import { negotiateEncoding } from '../../lib/http/accept-encoding.js'
import { GzipSink } from '../../lib/write-path/gzip-sink.js'
import { GzipWriter } from '../../lib/write-path/gzip-writer.js'
import { sse } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { reached } from '../helpers/bounded-wait.js'
import { deferred, type Deferred } from '../helpers/deferred.js'
import { openDecoded, type Coding } from '../helpers/decoded-stream.js'
import { parseSse } from '../helpers/sse-parse.js'
import { waitUntilStable } from '../helpers/wait-stable.js'

t.test('Accept-Encoding: q-values, *, identity, q=0, ties to the server\'s order', async t => {
  const offered = ['br', 'gzip'] as const
  t.equal(negotiateEncoding(undefined, offered), undefined, 'no header: no coding')
  t.equal(negotiateEncoding('', offered), undefined, 'empty: no coding')
  t.equal(negotiateEncoding('identity', offered), undefined)
  t.equal(negotiateEncoding('gzip', offered), 'gzip')
  t.equal(negotiateEncoding('gzip, deflate, br', offered), 'br', 'a tie goes to the server\'s order')
  t.equal(negotiateEncoding('br;q=0.5, gzip', offered), 'gzip', 'the higher weight wins')
  t.equal(negotiateEncoding('GZIP;Q=0.8', offered), 'gzip', 'names and parameters are case-insensitive')
  t.equal(negotiateEncoding('*', offered), 'br', '* covers every coding')
  t.equal(negotiateEncoding('*;q=0.5, br;q=0', offered), 'gzip', 'an explicit q=0 refuses a coding * would cover')
  t.equal(negotiateEncoding('gzip;q=0, identity;q=0', offered), undefined, 'nothing acceptable: sent without a coding')
  t.equal(negotiateEncoding('x-gzip', offered), 'gzip', 'x-gzip is gzip (RFC 9110 §8.4.1.3)')
  t.equal(negotiateEncoding('gzip;q=2', offered), undefined, 'a malformed weight drops its entry')
  t.equal(negotiateEncoding('gzip;q=0.1234', offered), undefined)
  t.equal(negotiateEncoding('gzip;q', offered), undefined, 'a q without a value too')
  t.equal(negotiateEncoding(['deflate', 'gzip'], offered), 'gzip', 'repeated headers are one list')
  t.equal(negotiateEncoding('gzip,' + ' '.repeat(2000), offered), undefined, 'an oversized header is not read')
  t.equal(negotiateEncoding(' ,;q=1, gzip; level=1', ['gzip']), 'gzip', 'empty entries and other parameters are skipped')
})

t.test('the gzip member: one writer, many flushed batches, one valid trailer', async t => {
  const writer = new GzipWriter({ dictionaryBytes: 64 })
  const text = Array.from({ length: 50 }, (_, i) => `data: {"seq":${i},"sensor":"sensor-${i % 4}","ok":true}\n\n`)
  const parts = text.map(batch => writer.compress(batch))
  const body = Buffer.concat([...parts, writer.finish()])
  t.equal(gunzipSync(body).toString(), text.join(''), 'gunzip checks the CRC and the length')
  t.ok(body.length < text.join('').length / 2, `compressed: ${body.length} bytes for ${text.join('').length}`)
  t.equal(gunzipSync(new GzipWriter().finish()).toString(), '', 'an empty stream is a valid member too')
  const large = 'x'.repeat(100_000)
  const big = new GzipWriter({ dictionaryBytes: 0 })
  t.equal(gunzipSync(Buffer.concat([big.compress(large), big.compress(Buffer.from('tail')), big.finish()])).toString(), large + 'tail', 'no dictionary, a large batch, a Buffer')
})

interface Lockstep {
  /** Resolved by the test when it has decoded item `n`. */
  decoded: Array<Deferred<void>>
}

/** A source that makes item n+1 only once the test has decoded item n. */
function lockstep (count: number): Lockstep & { source: () => AsyncGenerator<unknown> } {
  const decoded = Array.from({ length: count }, () => deferred())
  return {
    decoded,
    source: async function * () {
      for (let n = 0; n < count; n++) {
        yield sse({ id: n, data: { n, text: 'the same words again and again' } })
        if (n < count - 1) await decoded[n]!.promise
      }
    }
  }
}

const CODINGS: Coding[] = ['gzip', 'br']
// Both codings offered for every format, so the client's Accept-Encoding picks.
const BOTH = { encodings: ['br', 'gzip'] } as const

t.test('each event is decodable before the source makes the next, in every format and coding', async t => {
  const COUNT = 5
  const runs = new Map<string, ReturnType<typeof lockstep>>()
  const { app, url } = await listenApp(app => {
    app.get('/:format', (request, reply) => {
      const run = lockstep(COUNT)
      runs.set((request.params as { format: string }).format, run)
      return reply.stream(run.source)
    })
  }, { compress: BOTH })
  t.teardown(() => app.close())
  const formats: Array<[string, string, (text: string) => number]> = [
    ['sse', 'text/event-stream', text => parseSse(text).filter(event => event.event === undefined).length],
    ['ndjson', 'application/x-ndjson', text => text.split('\n').length - 1],
    ['csv', 'text/csv', text => text.split('\r\n').length - 2]
  ]
  for (const coding of CODINGS) {
    for (const [format, accept, count] of formats) {
      const client = await openDecoded(`${url}/${format}`, accept, coding)
      t.equal(client.headers['content-encoding'], coding, `${format}: Content-Encoding: ${coding}`)
      t.match(client.headers.vary, /Accept-Encoding/, `${format}: Vary: Accept-Encoding`)
      t.equal(client.headers['content-length'], undefined)
      const run = runs.get(format)!
      for (let n = 0; n < COUNT; n++) {
        await client.waitFor(text => count(text) > n)
        run.decoded[n]!.resolve()
      }
      const whole = await client.ended
      t.equal(count(whole), COUNT, `${format} ${coding}: every item decoded as it came, then a valid end`)
    }
  }
})

t.test('the compressed body decodes to exactly the uncompressed one; off is unchanged', async t => {
  const source = (): unknown[] => Array.from({ length: 200 }, (_, i) => ({ i, name: `user ${i}`, email: `user${i}@example.org` }))
  const { app, url } = await listenApp(app => {
    app.get('/on', (_request, reply) => reply.stream(source(), { compress: { ...BOTH, zlibOptions: { level: 9 }, dictionaryBytes: 8192, brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } } } }))
    app.get('/off', (_request, reply) => reply.stream(source()))
  })
  t.teardown(() => app.close())
  for (const coding of CODINGS) {
    for (const accept of ['text/event-stream', 'application/x-ndjson', 'text/csv']) {
      const on = await openDecoded(`${url}/on`, accept, coding)
      const off = await fetch(`${url}/off`, { headers: { accept, 'accept-encoding': coding } })
      t.equal(off.headers.get('content-encoding'), null, 'off: no coding, whatever the client accepts')
      t.notMatch(off.headers.get('vary') ?? '', /Accept-Encoding/, 'off: no Vary on it either')
      t.equal(await on.ended, await off.text(), `${accept} ${coding}: the same text`)
    }
  }
  const plain = await fetch(`${url}/on`, { headers: { accept: 'text/event-stream', 'accept-encoding': 'identity' } })
  t.equal(plain.headers.get('content-encoding'), null, 'a client that accepts no coding gets none')
  t.match(plain.headers.get('vary') ?? '', /Accept-Encoding/, 'but caches still learn that the body varies on it')
  t.match(await plain.text(), /^:\n\ndata: \{"i":0/)
  const head = await fetch(`${url}/on`, { method: 'HEAD', headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip' } })
  t.equal(head.headers.get('content-encoding'), 'gzip', 'HEAD says what GET would send')
})

t.test('heartbeats, a failure and shutdown are flushed through the compressor', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/idle', (_request, reply) => reply.stream(async function * ({ signal }) {
      await new Promise(resolve => signal.addEventListener('abort', resolve))
      yield 'never'
    }, { heartbeatMs: 20 }))
    app.get('/fails', (_request, reply) => reply.stream(async function * () {
      yield { n: 1 }
      throw new Error('database went away')
    }))
  }, { compress: BOTH })

  const idle = []
  for (const coding of CODINGS) {
    const client = await openDecoded(`${url}/idle`, 'text/event-stream', coding)
    await reached(t, client.waitFor(text => text.split(':\n\n').length > 3), `${coding}: the preamble and two heartbeats decoded while the stream was idle`)
    idle.push(client)

    const failing = await openDecoded(`${url}/fails`, 'application/x-ndjson', coding)
    await t.rejects(failing.ended, `${coding}: a failed NDJSON stream is cut short, so the client sees it failed`)
    t.match(failing.decoded(), /^\{"n":1\}\n\{"error":\{"code":"FST_STREAM_SOURCE_FAILED"/, `${coding}: after the error record, decoded`)
  }

  await app.close()
  for (const client of idle) {
    const text = await client.ended
    t.match(text, /event: stream-error\ndata: \{"code":"FST_STREAM_SHUTDOWN"/, `${client.headers['content-encoding']} shutdown: the in-band error, then a valid end`)
  }
})

t.test('through the compressor, a paused client stops the producer, and resuming restarts it', async t => {
  const ITEM = 1000
  const produced = { gzip: 0, br: 0 }
  // Resolved when the producer reaches `target` items after the client resumed.
  let target = Infinity
  let caughtUp = deferred()
  const { app, url } = await listenApp(app => {
    app.get('/:coding', (request, reply) => {
      const coding = (request.params as { coding: Coding }).coding
      // Base64 of random bytes: about what it costs uncompressed, so buffers fill as they would.
      return reply.stream(function * () {
        for (;;) {
          if (++produced[coding] === target) caughtUp.resolve()
          yield randomBytes(ITEM * 3 / 4).toString('base64')
        }
      }, { compress: { encodings: [coding] } })
    })
  })
  t.teardown(() => app.close())
  for (const coding of CODINGS) {
    const request = http.get(`${url}/${coding}`, { headers: { accept: 'application/x-ndjson', 'accept-encoding': coding }, agent: false })
    const [response] = await once(request, 'response') as [http.IncomingMessage]
    t.equal(response.headers['content-encoding'], coding)
    // Never read: the socket's buffers fill, then the compressor's writes must stop the pump.
    response.pause()
    const stalledAt = await waitUntilStable(() => produced[coding])
    await waitUntilStable(() => produced[coding], 400)
    t.equal(produced[coding], stalledAt, `${coding}: no item is pulled while the client is paused`)
    t.ok(stalledAt * ITEM < 32 * 1024 * 1024, `${coding}: the producer ran at most the buffers ahead (${stalledAt} items)`)
    target = stalledAt + 500
    caughtUp = deferred()
    response.resume()
    await reached(t, caughtUp.promise, `${coding}: the producer continues once the client reads again`)
    target = Infinity
    request.destroy()
  }
})

t.test('maxLifetimeMs through the compressor: a clean end with the retry hint and a valid trailer', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/ticks', (_request, reply) => reply.stream(async function * ({ signal }) {
      for (let n = 1; ; n++) {
        yield sse({ id: n, data: n })
        await new Promise(resolve => setImmediate(resolve))
        if (signal.aborted) return
      }
    }, { maxLifetimeMs: 200, retryMs: 50 }))
  }, { compress: BOTH, heartbeatMs: 0 })
  t.teardown(() => app.close())
  for (const coding of CODINGS) {
    const client = await openDecoded(`${url}/ticks`, 'text/event-stream', coding)
    const text = await client.ended
    t.ok(text.endsWith('retry: 50\n\n'), `${coding}: the last frame asks the client to come back, and the body decodes to its end`)
    t.notMatch(text, /event: end/, `${coding}: no end event`)
    t.ok(parseSse(text).length > 3, `${coding}: it streamed until then`)
  }
})

t.test('Node\'s fetch and curl --compressed read a compressed SSE stream as it comes', async t => {
  const runs: Array<ReturnType<typeof lockstep>> = []
  const { app, url } = await listenApp(app => {
    app.get('/events', (_request, reply) => {
      const run = lockstep(3)
      runs.push(run)
      return reply.stream(run.source)
    })
  }, { compress: true })
  t.teardown(() => app.close())

  const response = await fetch(`${url}/events`, { headers: { accept: 'text/event-stream' } })
  t.equal(response.headers.get('content-encoding'), 'gzip', 'fetch asked for gzip itself')
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let text = ''
  for (let n = 0; n < 3; n++) {
    while (parseSse(text).filter(event => event.event === undefined).length <= n) text += (await reader.read()).value ?? ''
    runs[0]!.decoded[n]!.resolve()
  }
  t.same(parseSse(text).filter(event => event.event === undefined).map(event => JSON.parse(event.data).n), [0, 1, 2])
  await reader.cancel()

  const curl = spawn('curl', ['-sN', '--compressed', '-H', 'Accept: text/event-stream', `${url}/events`])
  let out = ''
  for await (const chunk of curl.stdout) {
    out += String(chunk)
    const seen = parseSse(out).filter(event => event.event === undefined).length
    if (seen > 0 && seen <= 3) runs[1]!.decoded[seen - 1]?.resolve()
    if (out.includes('event: end')) break
  }
  t.same(parseSse(out).filter(event => event.event === undefined).map(event => JSON.parse(event.data).n), [0, 1, 2], 'curl decoded each event as it came, then the end')
  curl.kill()
})

t.test('the compressing sink hands everything but the body to the response', async t => {
  const calls: string[] = []
  const response = {
    write: (chunk: string | Buffer, callback?: () => void) => { calls.push(`write ${chunk.length}`); callback?.(); return true },
    end: () => { calls.push('end') },
    destroy: (err?: Error) => { calls.push(`destroy ${err?.message}`) },
    flushHeaders: () => { calls.push('flushHeaders') },
    socket: null,
    on: () => { calls.push('on') },
    once: () => { calls.push('once') },
    off: () => { calls.push('off') }
  }
  const sink = new GzipSink(response, {})
  let written = false
  sink.write('', () => { written = true })
  t.same(calls, ['write 0'], 'an empty write (waiting for what is queued) passes through uncompressed')
  calls.length = 0
  sink.flushHeaders()
  sink.on('drain', () => {})
  sink.once('close', () => {})
  sink.off('drain', () => {})
  sink.destroy(new Error('gone'))
  t.same(calls, ['flushHeaders', 'on', 'once', 'off', 'destroy gone'])
  t.equal(sink.socket, null)
  t.equal(sink.stream, undefined)
  t.equal(sink.contentEncoding, 'gzip')
  t.ok(written, 'with its callback')
})

t.test('compress is checked at register time', async t => {
  const Fastify = (await import('fastify')).default
  const { default: fastifyStream } = await import('../../plugin/index.js')
  const bad: Array<[unknown, RegExp]> = [
    ['yes', /must be true, false, or/],
    [{ encodings: ['deflate'] }, /encodings must be a non-empty array of supported codings: br, gzip/],
    [{ encodings: [] }, /encodings must be/],
    [{ zlibOptions: { level: 10 } }, /level must be an integer from 1 to 9/],
    [{ zlibOptions: { windowBits: 15 } }, /zlibOptions.windowBits is not a setting for streams/],
    [{ zlibOptions: null }, /zlibOptions must be an object/],
    [{ dictionaryBytes: 1e6 }, /dictionaryBytes must be an integer from 0 to 32768/],
    [{ threshold: 1024 }, /has no setting "threshold"/],
    [{ brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 12 } } }, /BROTLI_PARAM_QUALITY\] must be an integer from 0 to 11/],
    [{ brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_LGWIN]: 9 } } }, /BROTLI_PARAM_LGWIN\] must be an integer from 10 to 24/],
    [{ brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_SIZE_HINT]: 9 } } }, /is not a setting for streams; set BROTLI_PARAM_QUALITY/],
    [{ brotliOptions: { params: 5 } }, /brotliOptions.params must be an object/],
    [{ brotliOptions: { chunkSize: 1024 } }, /brotliOptions.chunkSize is not a setting for streams/],
    [{ brotliOptions: 'fast' }, /brotliOptions must be an object/]
  ]
  for (const [compress, message] of bad) {
    await t.rejects(async () => { await Fastify().register(fastifyStream, { compress: compress as boolean }).ready() }, { code: 'FST_STREAM_INVALID_OPTION', message }, JSON.stringify(compress))
  }
  for (const good of [{ brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_GENERIC } }, zlibOptions: {} }, { brotliOptions: {} }]) {
    await t.resolves(async () => { await Fastify().register(fastifyStream, { compress: good }).ready() }, `${JSON.stringify(good)}: every setting within its bounds`)
  }
})

t.test('@fastify/compress in the same app: a stream is compressed once, or not at all', async t => {
  const fastifyCompress = (await import('@fastify/compress')).default
  const Fastify = (await import('fastify')).default
  const { default: fastifyStream } = await import('../../plugin/index.js')
  const app = Fastify()
  t.teardown(() => app.close())
  // Registered first, and awaited: its hooks must see the routes, as its docs ask.
  await app.register(fastifyCompress, { global: true, threshold: 0 })
  await app.register(fastifyStream)
  app.get('/ours', (_request, reply) => reply.stream([{ a: 1 }, { a: 2 }], { format: 'sse', compress: true }))
  app.get('/plain', (_request, reply) => reply.stream([{ a: 1 }], { format: 'sse' }))
  app.get('/json', async () => ({ big: 'x'.repeat(2000) }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const ours = await openDecoded(`${url}/ours`, 'text/event-stream')
  t.equal(ours.headers['content-encoding'], 'gzip')
  t.equal(await ours.ended, ':\n\ndata: {"a":1}\n\ndata: {"a":2}\n\nevent: end\ndata:\n\n', 'one gunzip gives the stream: not compressed twice')
  const plain = await fetch(`${url}/plain`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(plain.headers.get('content-encoding'), null, 'without compress, @fastify/compress does not touch the stream either')
  t.equal(await plain.text(), ':\n\ndata: {"a":1}\n\nevent: end\ndata:\n\n')
  const json = await fetch(`${url}/json`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(json.headers.get('content-encoding'), 'gzip', 'while it still compresses the app\'s other routes')
})
