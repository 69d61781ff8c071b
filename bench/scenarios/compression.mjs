/**
 * Scenario 14: compressed streams, each against the uncompressed stream in the same run.
 * Bytes on the wire for the demo's CSV export (against the same text compressed in one piece
 * at the same settings) and for its user feed flushed an event at a time; CPU per event and
 * throughput on one stream for each encoding and level; memory per idle compressed SSE
 * stream; fan-out to compressed hub subscribers.
 */
import { NotAvailable } from '../lib/not-available.mjs'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'
import { fanOutOnce } from './fanout.mjs'
import { holdIdle } from './idle.mjs'

// The bars: at least 2.5× fewer bytes (compressed ÷ uncompressed ≤ 0.4), within 10 %
// of one-shot compression, and an idle compressed stream at most 2× an uncompressed one.
const FEWER = 1 / 2.5
const ONE_SHOT = 1.1
const IDLE = 2
// The demo export's settings for CSV (lib/http/stream-coding.ts): gzip level 6; Brotli
// quality 5, window 2^18.
const CSV_SETTINGS = { level: 6, quality: 5, lgwin: 18 }
const ACCEPT = { sse: 'text/event-stream', ndjson: 'application/x-ndjson', csv: 'text/csv' }
const LEVELS = ['gzip1', 'gzip6', 'gzip9', 'br1', 'br5', 'br9']

export default {
  number: 14,
  id: 'compression',
  title: 'Compressed streams: bytes, CPU, idle memory and fan-out against uncompressed',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const client = await ctx.startClient()
    const rows = []
    const notes = []
    await exportBytes(ctx, client, rows, notes)
    await perEventBytes(ctx, client, rows, notes)
    await oneStream(ctx, client, rows, notes)
    await idleMemory(ctx, client, rows, notes)
    await fanOut(ctx, client, rows, notes)
    return { rows, notes }
  }
}

const bytesRow = (metric, ours, base, target, check) => makeRow({ metric, unit: 'B', ours: [ours], base: [base], target, check })

/** The demo's CSV export read once per coding; the bodies are the same rows (a fixed seed). */
async function exportBytes (ctx, client, rows, notes) {
  const demo = await ctx.startServer('demo')
  if (demo.info.unavailable !== undefined) throw new NotAvailable(demo.info.unavailable)
  const count = ctx.quick ? 100_000 : 1_000_000
  const n = count.toLocaleString('en-US')
  const url = demo.url(`/api/users/export?count=${count}`)
  const read = encoding => client.call('readCoded', { url, accept: ACCEPT.csv, encoding, oneShot: encoding === 'br' ? CSV_SETTINGS : undefined }, 600_000)
  ctx.log(`compression: the ${n}-row export, uncompressed, gzip and Brotli`)
  const none = await read(undefined)
  const gzip = await read('gzip')
  const br = await read('br')
  await demo.stop()
  if (gzip.bytes !== none.bytes || br.bytes !== none.bytes) throw new Error(`the export decoded to ${gzip.bytes} (gzip) and ${br.bytes} (br) bytes, uncompressed ${none.bytes}`)
  rows.push(
    bytesRow(`${n}-row CSV export, gzip: bytes on the wire ÷ uncompressed`, gzip.wire, none.wire, `≤ ${FEWER}×`, row => row.ratio <= FEWER),
    bytesRow(`${n}-row CSV export, gzip: bytes ÷ the same text gzipped in one piece (level 6)`, gzip.wire, br.oneShotGzip, `≤ ${ONE_SHOT}×`, row => row.ratio <= ONE_SHOT),
    bytesRow(`${n}-row CSV export, Brotli: bytes on the wire ÷ uncompressed`, br.wire, none.wire, `≤ ${FEWER}×`, row => row.ratio <= FEWER),
    bytesRow(`${n}-row CSV export, Brotli: bytes ÷ the same text in one piece (quality 5, window 2^18)`, br.wire, br.oneShotBrotli, `≤ ${ONE_SHOT}×`, row => row.ratio <= ONE_SHOT),
    makeRow({ metric: `${n}-row CSV export, gzip: time to download ÷ uncompressed`, unit: 'ms', ours: [gzip.ms], base: [none.ms] }),
    makeRow({ metric: `${n}-row CSV export, Brotli: time to download ÷ uncompressed`, unit: 'ms', ours: [br.ms], base: [none.ms] })
  )
  notes.push(`Export: the demo's \`/api/users/export?count=${count}\` (faker rows from a fixed seed, its route has \`compress: true\`), read once per coding by a client that decodes as it reads; ` +
    `${(none.wire / 1e6).toFixed(1)} MB uncompressed, ${(gzip.wire / 1e6).toFixed(1)} MB gzip (${(none.wire / gzip.wire).toFixed(2)}× fewer), ${(br.wire / 1e6).toFixed(1)} MB Brotli (${(none.wire / br.wire).toFixed(2)}× fewer). ` +
    `The same text in one piece: gzip level 6 ${(none.wire / br.oneShotGzip).toFixed(2)}×, Brotli quality 5 window 2^18 ${(none.wire / br.oneShotBrotli).toFixed(2)}×. One read each: the bytes do not vary between runs.`)
}

/** The demo's user feed, one event per millisecond, so each event is its own flushed write. */
async function perEventBytes (ctx, client, rows, notes) {
  const demo = await ctx.startServer('demo')
  const count = ctx.quick ? 500 : 2000
  try {
    for (const format of ['ndjson', 'sse']) {
      const url = demo.url(`/api/users/feed?intervalMs=1&count=${count}`)
      const none = await client.call('readCoded', { url, accept: ACCEPT[format] }, 120_000)
      const gzip = await client.call('readCoded', { url, accept: ACCEPT[format], encoding: 'gzip' }, 120_000)
      rows.push(bytesRow(`demo user feed, ${format.toUpperCase()}, an event per write, gzip: bytes on the wire ÷ uncompressed`, gzip.wire, none.wire, `≤ ${FEWER}×`, row => row.ratio <= FEWER))
      notes.push(`Feed ${format.toUpperCase()}: ${count} users 1 ms apart (\`/api/users/feed?intervalMs=1\`, gzip by default for event streams), ${Math.round(none.wire / count)} bytes per event uncompressed, ${Math.round(gzip.wire / count)} gzip.`)
    }
  } finally {
    await demo.stop()
  }
}

/** One stream of user rows per encoding and level, against the same stream uncompressed. */
async function oneStream (ctx, client, rows, notes) {
  const ours = await ctx.startServer('ours')
  const events = ctx.quick ? 20_000 : 100_000
  try {
    for (const format of ['ndjson', 'sse']) {
      const read = coding => async () => {
        const before = await ours.call('cpu')
        const result = await client.call('readCoded', { url: ours.url(`/compress/rows?format=${format}&n=${events}&coding=${coding}`), accept: ACCEPT[format], encoding: coding === 'none' ? undefined : coding.replace(/\d+$/, '') }, 120_000)
        const after = await ours.call('cpu')
        return { rate: events / (result.ms / 1000), cpuPerEvent: (after - before) / events, wirePerEvent: result.wire / events }
      }
      const results = await interleave({ rounds: ctx.rounds, warmup: 1, log: ctx.log, label: `compression ${format}` },
        read('gzip6'), read('none'), Object.fromEntries(LEVELS.filter(level => level !== 'gzip6').map(level => [level, read(level)])))
      const label = format.toUpperCase()
      for (const level of LEVELS) {
        const samples = level === 'gzip6' ? results.ours : results[level]
        const name = level.startsWith('br') ? `Brotli quality ${level.slice(2)}` : `gzip level ${level.slice(4)}`
        rows.push(
          makeRow({ metric: `${label} one stream, ${name}: events/s ÷ uncompressed`, unit: '/s', ours: pick(samples, 'rate'), base: pick(results.base, 'rate') }),
          makeRow({ metric: `${label} one stream, ${name}: server CPU per event ÷ uncompressed`, unit: 'µs', ours: pick(samples, 'cpuPerEvent'), base: pick(results.base, 'cpuPerEvent') }),
          makeRow({ metric: `${label} one stream, ${name}: bytes per event ÷ uncompressed`, unit: 'B', ours: pick(samples, 'wirePerEvent'), base: pick(results.base, 'wirePerEvent') })
        )
      }
    }
  } finally {
    await ours.stop()
  }
  notes.push(`One stream: ${events.toLocaleString('en-US')} user rows as fast as the client reads, written in the pump's batches; the rows cycle through 64 distinct users (bench/servers/user-rows.mjs), so they compress better than the demo's: read the bytes rows above for real ratios, these for CPU and rate.`)
}

/** Idle SSE hub streams, uncompressed, gzip (the default for SSE) and Brotli, each on a fresh server. */
async function idleMemory (ctx, client, rows, notes) {
  const count = ctx.quick ? 2000 : 10_000
  const n = count.toLocaleString('en-US')
  const measure = (path, coding) => () => holdIdle(ctx, client, 'ours', `${path}?coding=${coding}`, count, coding === 'none' ? undefined : coding)
  const results = await interleave({ rounds: Math.min(ctx.rounds, 3), log: ctx.log, label: `${n} idle compressed streams` },
    measure('/idle-hub-compressed', 'gzip'), measure('/idle-hub-compressed', 'none'),
    { br: measure('/idle-hub-compressed', 'br'), warmGzip: measure('/idle-warm', 'gzip'), warmNone: measure('/idle-warm', 'none') })
  const row = (label, samples, base, field, unit, bar) => makeRow({ metric: `${n} idle SSE streams, ${label} ÷ uncompressed`, unit, ours: pick(samples, field), base: pick(base, field), ...(bar ? { target: `≤ ${IDLE}×`, check: r => r.ratio <= IDLE } : {}) })
  rows.push(
    row('hub, gzip (default settings): V8 heap per stream', results.ours, results.base, 'heapPer', 'KiB', true),
    row('hub, gzip (default settings): RSS per stream', results.ours, results.base, 'rssPer', 'KiB', true),
    row('after a 9 KB event, gzip (default settings): V8 heap per stream', results.warmGzip, results.warmNone, 'heapPer', 'KiB', true),
    row('after a 9 KB event, gzip (default settings): RSS per stream', results.warmGzip, results.warmNone, 'rssPer', 'KiB', true),
    row('hub, Brotli (quality 5, window 2^16): V8 heap per stream', results.br, results.base, 'heapPer', 'KiB'),
    row('hub, Brotli (quality 5, window 2^16): RSS per stream', results.br, results.base, 'rssPer', 'KiB')
  )
  notes.push(`Idle: ${n} SSE streams of a silent hub topic, each having written only its preamble, and ${n} streams of a generator that wrote one 9 KB event first (so gzip keeps a full 8 KiB dictionary), each against the same stream uncompressed; per stream = (memory with them open − before) / count after a full GC, ${Math.min(ctx.rounds, 3)} rounds. ` +
    'gzip keeps no compressor between writes, only the stream\'s last text (up to 4 KiB for SSE); Brotli keeps an encoder per stream (opt-in for event streams).')
}

/** The hub publishing to compressed subscribers, against the same subscribers uncompressed. */
async function fanOut (ctx, client, rows, notes) {
  const ours = await ctx.startServer('ours')
  const count = 1000
  const events = ctx.quick ? 20 : 50
  const everyMs = 100
  try {
    const measure = coding => () => fanOutOnce(client, ours, { count, events, everyMs, path: `/hub-compressed?coding=${coding}`, encoding: coding === 'none' ? undefined : coding })
    const results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: `${count} compressed subscribers` }, measure('gzip'), measure('none'), { br: measure('br') })
    for (const [label, samples] of [['gzip', results.ours], ['Brotli', results.br]]) {
      rows.push(
        makeRow({ metric: `${count.toLocaleString('en-US')} subscribers, ${label}: latency p99 ÷ uncompressed`, unit: 'ms', ours: pick(samples, 'p99'), base: pick(results.base, 'p99') }),
        makeRow({ metric: `${count.toLocaleString('en-US')} subscribers, ${label}: server CPU per delivery ÷ uncompressed`, unit: 'µs', ours: pick(samples, 'cpuPerDelivery'), base: pick(results.base, 'cpuPerDelivery') }),
        makeRow({ metric: `${count.toLocaleString('en-US')} subscribers, ${label}: events lost`, unit: 'count', ours: pick(samples, 'lost'), base: pick(results.base, 'lost'), target: '0', check: row => row.ours.max === 0 })
      )
    }
    const perDelivery = summarize(pick(results.ours, 'cpuPerDelivery')).median - summarize(pick(results.base, 'cpuPerDelivery')).median
    notes.push(`Fan-out: ${count} SSE subscribers of one hub topic, ${events} events ${everyMs} ms apart per round; each compressed subscriber compresses each event itself (the frame is still encoded once): gzip adds about ${perDelivery.toFixed(1)} µs of server CPU per delivery. ` +
      'The client decodes every subscriber\'s stream, so its own work is part of the compressed latency.')
  } finally {
    await ours.stop()
  }
}
