// Fairness: no stream may hold the event loop, whatever the item size, format, source kind or
// reader speed. Readers run in a child process and read as fast as they can; the server's
// event-loop delay is measured with perf_hooks, and other requests and timers must get in.
import http from 'node:http'
import { Readable } from 'node:stream'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { sse, type ReplyStreamOptions, type StreamFormat } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { startFastReaders } from '../helpers/fast-readers.js'

const READERS = 3
const PINGS = 20
// Generous against a shared, noisy machine; a starved loop misses these by seconds.
const MAX_PING_MS = 500
const MAX_LAG_P99_MS = 400

const ACCEPT: Record<StreamFormat, string> = { sse: 'text/event-stream', ndjson: 'application/x-ndjson', csv: 'text/csv' }

type SourceKind = 'sync generator' | 'async generator' | 'array' | 'Readable'

/** An endless (or, for the array, very long) source of `item`, of the given kind. */
function sourceOf (kind: SourceKind, next: () => unknown): () => Iterable<unknown> | AsyncIterable<unknown> {
  switch (kind) {
    case 'sync generator':
      return function * () { for (;;) yield next() }
    case 'async generator':
      // Its awaits are already settled: microtasks only, the event loop never turns by itself.
      return async function * () { for (;;) yield await Promise.resolve(next()) }
    case 'array':
      return () => new Array(400_000).fill(next())
    case 'Readable':
      return () => new Readable({ objectMode: true, read () { while (this.push(next())); } })
  }
}

// Letters from a fixed pseudo-random sequence, 1 MiB of them: more than any compressor's window.
let seed = 1
const LETTERS = Array.from({ length: 1 << 20 }, () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26))).join('')

/**
 * The items of a case: one item again and again, or for a compressed stream successive slices
 * of LETTERS, so the compressor meets text it has not seen within its window (one item
 * repeated compresses 40 to 60 times, and the readers would wait minutes for their bytes).
 */
function itemsOf (format: StreamFormat, bytes: number, varied: boolean): () => unknown {
  const wrap = (text: string): unknown => format === 'csv' ? { text } : sse({ id: 1, data: { text } })
  const length = bytes - 20
  if (!varied) {
    const item = wrap(LETTERS.slice(0, length))
    return () => item
  }
  let at = 0
  return () => {
    at = at + 2 * length > LETTERS.length ? 0 : at + length
    return wrap(LETTERS.slice(at, at + length))
  }
}

/** Sequential GETs of /ping over one keep-alive connection; returns each one's latency. */
async function pingLatencies (url: string, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const latencies: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      await new Promise<void>((resolve, reject) => {
        http.get(`${url}/ping`, { agent }, res => { res.resume(); res.on('end', resolve) }).on('error', reject)
      })
      latencies.push(performance.now() - started)
    }
  } finally {
    agent.destroy()
  }
  return latencies
}

interface Case { format: StreamFormat, kind: SourceKind, bytes: number, coding?: 'gzip' | 'br' }

const cases: Case[] = []
for (const bytes of [80, 64 * 1024]) {
  for (const kind of ['sync generator', 'async generator', 'array', 'Readable'] as const) cases.push({ format: 'sse', kind, bytes })
  cases.push({ format: 'ndjson', kind: 'sync generator', bytes }, { format: 'csv', kind: 'Readable', bytes })
  // Compression runs on the event loop, a batch at a time: it must not take the loop either.
  // (CSV's 32 KiB dictionary makes each tiny batch cost ~0.4 ms: the 80 B CSV case reaches its
  // 3 MiB of compressed bytes only after a minute, so it is left to the 64 KiB one.)
  cases.push({ format: 'sse', kind: 'sync generator', bytes, coding: 'gzip' })
  if (bytes > 80) cases.push({ format: 'csv', kind: 'Readable', bytes, coding: 'gzip' })
}
// Brotli compresses off the loop, each batch waiting for its bytes: it must not starve either.
cases.push({ format: 'sse', kind: 'sync generator', bytes: 80, coding: 'br' }, { format: 'csv', kind: 'Readable', bytes: 64 * 1024, coding: 'br' })

for (const { format, kind, bytes, coding } of cases) {
  const compress = coding === undefined ? false : { encodings: [coding] }
  t.test(`${READERS} fast readers of ${format}${coding === undefined ? '' : ` (${coding})`} from a ${kind}, ${bytes} B items: other requests and timers get in`, async t => {
    const { app, url } = await listenApp(app => {
      app.get('/endless', (_request, reply) => reply.stream(sourceOf(kind, itemsOf(format, bytes, coding !== undefined)), { format, compress }))
      app.get('/ping', async () => 'pong')
    })
    t.teardown(() => app.close())
    // The reader writes its Accept value as it is: a second header line rides along.
    const readers = startFastReaders(url, '/endless', READERS, ACCEPT[format] + (coding === undefined ? '' : `\r\nAccept-Encoding: ${coding}`))
    t.teardown(readers.stop)
    await readers.flowing
    const lag = monitorEventLoopDelay({ resolution: 5 })
    lag.enable()
    const latencies = await pingLatencies(url, PINGS)
    // A chain of short timers: each must fire about on time, not after the streams let go.
    const lateness: number[] = []
    for (let i = 0; i < 10; i++) {
      const started = performance.now()
      await delay(10)
      lateness.push(performance.now() - started - 10)
    }
    lag.disable()
    t.equal(app.streams.open, READERS, 'the streams were still open while measured')
    t.ok(Math.max(...latencies) < MAX_PING_MS, `every /ping answered promptly (max ${Math.max(...latencies).toFixed(1)} ms)`)
    t.ok(Math.max(...lateness) < MAX_PING_MS, `timers fired on time (latest by ${Math.max(...lateness).toFixed(1)} ms)`)
    const p99 = lag.percentile(99) / 1e6
    t.ok(p99 < MAX_LAG_P99_MS, `event-loop delay p99 ${p99.toFixed(1)} ms`)
  })
}

t.test('idle streams keep their heartbeat interval while fast readers stream', async t => {
  const heartbeatMs = 100
  const { app, url } = await listenApp(app => {
    app.get('/endless', (_request, reply) => reply.stream(function * () { for (;;) yield 'x'.repeat(1000) }, { format: 'sse' }))
    app.get('/idle', (_request, reply) => reply.stream(async function * ({ signal }) {
      await new Promise(resolve => signal.addEventListener('abort', resolve))
    }, { format: 'sse', heartbeatMs }))
  })
  t.teardown(() => app.close())
  const readers = startFastReaders(url, '/endless', READERS, ACCEPT.sse)
  t.teardown(readers.stop)
  await readers.flowing
  const beats: number[] = []
  const enough = new Promise<void>((resolve, reject) => {
    http.get(`${url}/idle`, { headers: { accept: ACCEPT.sse } }, res => {
      res.on('data', (chunk: Buffer) => {
        for (const frame of chunk.toString().split('\n\n')) if (frame === ':') beats.push(performance.now())
        if (beats.length >= 6) { res.destroy(); resolve() }
      })
    }).on('error', reject)
  })
  await enough
  const gaps = beats.slice(1).map((at, i) => at - beats[i]!)
  t.ok(Math.max(...gaps) < heartbeatMs + MAX_PING_MS, `heartbeats kept their interval (gaps ${gaps.map(g => g.toFixed(0)).join(', ')} ms)`)
})

/**
 * Closes the app while fast readers read `/endless` (from `source`, with `options`), checks
 * close() took under 2 s, and returns how each socket ended.
 */
async function closeUnderLoad (t: Test, source: () => Iterable<unknown>, options: ReplyStreamOptions, accept: string): Promise<Array<{ ended: number, tail: string }>> {
  const { app, url } = await listenApp(app => {
    app.get('/endless', (_request, reply) => reply.stream(source, options))
  })
  const readers = startFastReaders(url, '/endless', READERS, accept)
  t.teardown(readers.stop)
  await readers.flowing
  const started = performance.now()
  await app.close()
  const took = performance.now() - started
  t.ok(took < 2000, `close() took ${took.toFixed(0)} ms`)
  const ends = await readers.ended
  t.equal(ends.length, READERS)
  return ends
}

t.test('close() ends fast-read streams within 2 s, each with its shutdown frame', async t => {
  const ends = await closeUnderLoad(t, function * () { for (;;) yield 'y'.repeat(64 * 1024) }, { format: 'sse' }, ACCEPT.sse)
  for (const end of ends) {
    // The tail is raw HTTP/1.1 chunked bytes: the frame, its chunk's CRLF, then the last chunk.
    t.match(end.tail, /event: stream-error\ndata: \{"code":"FST_STREAM_SHUTDOWN"[^\n]*\n\n\r\n0\r\n\r\n$/, `socket ${end.ended} got the shutdown frame, then the last chunk`)
  }
})

for (const coding of ['gzip', 'br'] as const) {
  t.test(`close() ends fast-read ${coding} streams within 2 s, each body complete`, async t => {
    const next = itemsOf('sse', 64 * 1024, true)
    const ends = await closeUnderLoad(t, function * () { for (;;) yield next() }, { format: 'sse', compress: { encodings: [coding] } }, `${ACCEPT.sse}\r\nAccept-Encoding: ${coding}`)
    // The shutdown frame is inside the compressed bytes (compression.test.ts decodes it); here
    // each body must end whole: its last chunk came after the compressor's end.
    for (const end of ends) t.match(end.tail, /\r\n0\r\n\r\n$/, `socket ${end.ended} got the last chunk`)
  })
}
