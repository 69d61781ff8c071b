// Brotli: one encoder per stream, off the main thread, so its bytes reach the response after
// the write. The sink must still keep order, count the encoder's bytes toward backpressure,
// free the encoder the moment its stream ends (however it ends), and give event streams gzip
// by default (no encoder per idle stream) while a CSV download gets Brotli first.
import { EventEmitter, once } from 'node:events'
import { spawn } from 'node:child_process'
import http from 'node:http'
import { syncBuiltinESMExports } from 'node:module'
import zlib, { brotliDecompressSync, constants as zlibConstants } from 'node:zlib'
import t from 'tap'
import { BrotliSink } from '../../lib/write-path/brotli-sink.js'
import { listenApp } from '../helpers/app.js'
import { within } from '../helpers/bounded-wait.js'
import { parseSse } from '../helpers/sse-parse.js'

/** A response that records its body and can be told to report itself full. */
class FakeResponse extends EventEmitter {
  body: Buffer[] = []
  calls: string[] = []
  full = false
  socket = null
  write (chunk: string | Buffer, callback?: () => void): boolean {
    if (chunk.length > 0) this.body.push(Buffer.from(chunk))
    this.calls.push(`write ${chunk.length === 0 ? 'empty' : 'bytes'}`)
    callback?.()
    this.emit('written')
    return !this.full
  }

  end (): void {
    this.calls.push('end')
    this.emit('ended')
  }

  destroy (err?: Error): void {
    this.calls.push(`destroy ${err?.message ?? ''}`)
    this.emit('destroyed')
  }

  // What the body decodes to so far: a stream not yet ended decodes up to its last flush.
  text (): string { return brotliDecompressSync(Buffer.concat(this.body), { finishFlush: zlibConstants.BROTLI_OPERATION_FLUSH }).toString() }
}

t.test('the Brotli sink: order, drain after the flushed bytes are out, a valid end', async t => {
  const res = new FakeResponse()
  const sink = new BrotliSink(res, {})
  let drains = 0
  const onDrain = (): void => { drains++ }
  sink.on('drain', onDrain)
  t.equal(res.listenerCount('drain'), 1, 'the pump\'s drain listener is the sink\'s own, not the response\'s')
  t.equal(sink.write('data: 1\n\n'), false, 'a write always waits: its bytes are still in the encoder')
  let emptyDone = false
  sink.write('', () => { emptyDone = true })
  t.notOk(emptyDone, 'an empty write waits for the encoder too')
  await within(new Promise(resolve => sink.on('drain', resolve)), 'drain')
  t.ok(emptyDone, 'then passes through')
  t.equal(res.text(), 'data: 1\n\n', 'the flushed bytes decode alone, before the stream ends')
  res.full = true
  const written = once(res, 'written')
  sink.write('data: 2\n\n')
  const before = drains
  await within(written, 'the second flush')
  t.equal(drains, before, 'no drain while the response itself is full')
  res.full = false
  res.emit('drain')
  t.equal(drains, before + 1, 'the response\'s drain is passed on once the encoder is empty')
  sink.off('drain', onDrain)
  const ended = once(res, 'ended')
  sink.end()
  await within(ended, 'the end')
  t.equal(brotliDecompressSync(Buffer.concat(res.body)).toString(), 'data: 1\n\ndata: 2\n\n', 'ended with a valid last meta-block')
  t.equal(res.listenerCount('drain') + res.listenerCount('close'), 0, 'the sink let go of the response')
  t.equal(sink.write('late'), true, 'a write after the end is dropped')
  t.equal(sink.end(), undefined)
})

t.test('the Brotli sink: writes in flight together, a large batch, an idle empty write', async t => {
  const res = new FakeResponse()
  const sink = new BrotliSink(res, {})
  let idleDone = false
  sink.write('', () => { idleDone = true })
  t.ok(idleDone, 'with nothing in the encoder, an empty write passes through at once')
  let drains = 0
  const drained = new Promise(resolve => sink.on('drain', () => { drains++; resolve(undefined) }))
  // Text the encoder cannot shrink much comes out in several chunks, joined into one write.
  let seed = 7
  const large = Array.from({ length: 40_000 }, () => String.fromCharCode(33 + ((seed = (seed * 48271) % 2147483647) % 90))).join('')
  sink.write(large)
  sink.write('data: after\n\n')
  await within(drained, 'drain')
  t.equal(drains, 1, 'one drain, once both writes are out')
  t.equal(res.calls.filter(call => call === 'write bytes').length, 2, 'one response write per batch')
  t.equal(res.text(), large + 'data: after\n\n')
  sink.destroy()
})

t.test('the Brotli sink: an empty body, an incomplete end, a destroy in flight', async t => {
  const empty = new FakeResponse()
  new BrotliSink(empty, {}).end()
  t.equal(brotliDecompressSync(Buffer.concat(empty.body)).toString(), '', 'no write: still a valid (empty) Brotli stream')
  t.same(empty.calls, ['write bytes', 'end'])

  const cut = new FakeResponse()
  const cutSink = new BrotliSink(cut, { quality: 1, lgwin: 10, mode: zlibConstants.BROTLI_MODE_GENERIC })
  cutSink.write('{"error":{}}\n')
  const destroyed = once(cut, 'destroyed')
  cutSink.endIncomplete()
  t.notOk(cut.calls.some(call => call.startsWith('destroy')), 'not before the encoder handed over the last record')
  await within(destroyed, 'the cut')
  t.match(cut.calls, ['write bytes', 'write empty', /^destroy /], 'the record, then the response torn down (stream-end.ts)')
  t.equal(cut.text(), '{"error":{}}\n', 'what was written before the cut decodes')

  const gone = new FakeResponse()
  const goneSink = new BrotliSink(gone, {})
  const [encoder] = await encodersDuring(async () => { goneSink.write('data: lost\n\n') })
  const flushed = once(encoder!, 'flushed')
  goneSink.destroy(new Error('client left'))
  // The flush's callback comes back from the thread pool after the destroy.
  await within(flushed, 'the flush to come back')
  t.same(gone.calls, ['destroy client left'], 'a flush that returns after the destroy writes nothing')
  goneSink.destroy()
  t.same(gone.calls, ['destroy client left', 'destroy '], 'a second destroy reaches the response, the encoder is freed once')
  t.equal(goneSink.contentEncoding, 'br')
  t.equal(goneSink.stream, undefined)
})

/**
 * Every Brotli encoder created while `run` goes on, through node:zlib itself. Each emits
 * 'flushed' once the callback of a flush it was given has run.
 */
async function encodersDuring (run: () => Promise<void>): Promise<zlib.BrotliCompress[]> {
  const created: zlib.BrotliCompress[] = []
  const original = zlib.createBrotliCompress
  const replace = (value: typeof original): void => { Object.defineProperty(zlib, 'createBrotliCompress', { value, configurable: true }) }
  replace((options?: zlib.BrotliOptions) => {
    const encoder = original(options)
    const flush = encoder.flush.bind(encoder)
    encoder.flush = ((kind: number, callback: () => void) => flush(kind, () => {
      callback()
      encoder.emit('flushed')
    })) as typeof encoder.flush
    created.push(encoder)
    return encoder
  })
  // The sink imports the function by name: this makes the named binding see the wrapper.
  syncBuiltinESMExports()
  try {
    await run()
  } finally {
    replace(original)
    syncBuiltinESMExports()
  }
  return created
}

/** GETs `url` accepting only Brotli, keeping the raw body. */
function openBrotli (url: string, accept: string): Promise<{ request: http.ClientRequest, received: Promise<unknown>, body: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept, 'accept-encoding': 'br' }, agent: false }, response => {
      const chunks: Buffer[] = []
      // The first bytes may come in the head's own packet, before a caller could listen.
      const received = once(response, 'data')
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      const body = new Promise<Buffer>(resolve => response.on('close', () => resolve(Buffer.concat(chunks))))
      resolve({ request, received, body })
    })
    request.on('error', reject)
  })
}

t.test('no encoder outlives its stream: a normal end, a failure, a client that leaves, shutdown', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/done', (_request, reply) => reply.stream([{ n: 1 }, { n: 2 }]))
    app.get('/fails', (_request, reply) => reply.stream(async function * () {
      yield { n: 1 }
      throw new Error('boom')
    }))
    app.get('/endless', (_request, reply) => reply.stream(async function * ({ signal }) {
      yield { n: 1 }
      await new Promise(resolve => signal.addEventListener('abort', resolve))
    }))
  }, { compress: { encodings: ['br'] } })
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })
  const encoders = await encodersDuring(async () => {
    for (const [path, accept] of [['/done', 'application/x-ndjson'], ['/fails', 'application/x-ndjson'], ['/done', 'text/csv']]) {
      const { body } = await openBrotli(url + path, accept)
      await within(body, path)
    }
    const leaving = await openBrotli(url + '/endless', 'text/event-stream')
    await within(leaving.received, 'the first event')
    const left = once(leaving.request.socket!, 'close')
    leaving.request.destroy()
    await left
    const staying = await openBrotli(url + '/endless', 'text/event-stream')
    await within(staying.received, 'the first event')
    closed = true
    await app.close()
    t.match(brotliDecompressSync(await staying.body).toString(), /FST_STREAM_SHUTDOWN/, 'shutdown\'s record went through the encoder')
  })
  t.equal(encoders.length, 5, 'one encoder per Brotli stream')
  // The client that left: its response closes a moment after its socket; wait for that.
  await within(Promise.all(encoders.map(encoder => encoder.destroyed ? undefined : once(encoder, 'close'))), 'every encoder destroyed')
  t.ok(encoders.every(encoder => encoder.destroyed), 'every encoder was destroyed (its native memory freed) when its stream ended')
})

t.test('defaults per format: gzip for event streams, Brotli first for CSV; fetch and curl decode Brotli', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/rows', (_request, reply) => reply.stream(Array.from({ length: 300 }, (_, i) => ({ i, name: `user ${i}` }))))
    app.get('/events', (_request, reply) => reply.stream([{ n: 1 }, { n: 2 }], { compress: { encodings: ['br', 'gzip'] } }))
  }, { compress: true })
  t.teardown(() => app.close())
  const browser = 'gzip, deflate, br, zstd'
  const csv = await fetch(`${url}/rows`, { headers: { accept: 'text/csv', 'accept-encoding': browser } })
  t.equal(csv.headers.get('content-encoding'), 'br', 'CSV: Brotli first')
  const text = await csv.text()
  t.equal(text.split('\r\n')[300], '299,user 299', 'fetch decoded the Brotli CSV')
  for (const accept of ['text/event-stream', 'application/x-ndjson']) {
    const events = await fetch(`${url}/rows`, { headers: { accept, 'accept-encoding': browser } })
    t.equal(events.headers.get('content-encoding'), 'gzip', `${accept}: gzip by default, no encoder per idle stream`)
    await events.arrayBuffer()
  }
  const curl = spawn('curl', ['-sN', '--compressed', '-H', 'Accept: text/event-stream', '-D', '-', `${url}/events`])
  let out = ''
  for await (const chunk of curl.stdout) out += String(chunk)
  t.match(out, /content-encoding: br/i, 'curl asked for Brotli and the stream chose it')
  t.same(parseSse(out.slice(out.indexOf('\r\n\r\n') + 4)).filter(event => event.event === undefined).map(event => JSON.parse(event.data).n), [1, 2], 'curl --compressed decoded it')
})
