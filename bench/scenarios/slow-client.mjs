/**
 * Scenario 5: a client that stops reading an endless stream for the hold. The server's RSS
 * and its producer's count are sampled throughout: both must stop growing.
 */
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'

const MIB = 1024 * 1024
const MAX_GROWTH_MIB = 32
// "Flat" over the second half of the hold: RSS within this much of where it was at the
// midpoint (GC and allocator noise), and not one more event produced.
const FLAT_MIB = 2
const SAMPLE_EVERY_MS = 100

export default {
  number: 5,
  id: 'slow-client',
  title: 'Slow client (an endless SSE stream whose client stops reading)',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const holdMs = ctx.quick ? 2000 : 10_000
    const readMs = ctx.quick ? 500 : 1000
    const client = await ctx.startClient()
    const measure = kind => () => stallOnce(ctx, client, kind, { holdMs, readMs })
    const results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: 'slow client' }, measure('ours'), measure('baseline'))
    const rows = [
      makeRow({ metric: 'RSS growth, worst point of the hold', unit: 'MiB', ours: pick(results.ours, 'growth'), base: pick(results.base, 'growth'), target: `< ${MAX_GROWTH_MIB} MiB (every round)`, check: row => row.ours.max < MAX_GROWTH_MIB }),
      makeRow({ metric: 'RSS growth over the second half', unit: 'MiB', ours: pick(results.ours, 'secondHalf'), base: pick(results.base, 'secondHalf'), target: `flat (≤ ${FLAT_MIB} MiB)`, check: row => row.ours.max <= FLAT_MIB }),
      makeRow({ metric: 'events produced over the second half', unit: 'count', ours: pick(results.ours, 'producedSecondHalf'), base: pick(results.base, 'producedSecondHalf'), target: '0', check: row => row.ours.max === 0 }),
      makeRow({ metric: 'producer ahead of the client', unit: 'count', ours: pick(results.ours, 'ahead'), base: pick(results.base, 'ahead') }),
      makeRow({ metric: 'producer ahead of the client', unit: 'KiB', ours: pick(results.ours, 'aheadKiB'), base: pick(results.base, 'aheadKiB') })
    ]
    const notes = [`The client reads for ${readMs} ms, then pauses its socket for ${holdMs / 1000} s. RSS growth is measured from the idle server before the request. ` +
      '"Ahead" = events the producer made by the end of the hold − events the client had received when it paused: what sits in the socket buffers and the server\'s own queues.']
    return { rows, notes }
  }
}

async function stallOnce (ctx, client, kind, { holdMs, readMs }) {
  const server = await ctx.startServer(kind)
  try {
    await server.call('memory')
    await server.call('sampleStart', { everyMs: SAMPLE_EVERY_MS })
    const run = await client.call('slowClient', { url: server.url('/endless?format=sse'), readMs, holdMs }, holdMs + readMs + 30_000)
    const samples = await server.call('sampleStop')
    const frameBytes = run.bytes / Math.max(run.frames, 1)
    return analyse(samples, run, frameBytes)
  } finally {
    await server.stop()
  }
}

function analyse (samples, { pausedAt, resumedAt, frames }, frameBytes) {
  const idle = samples[0]
  const hold = samples.filter(s => s.t >= pausedAt && s.t <= resumedAt)
  if (hold.length < 4) throw new Error(`only ${hold.length} samples during the hold`)
  const mid = pausedAt + (resumedAt - pausedAt) / 2
  const second = hold.filter(s => s.t >= mid)
  const last = hold.at(-1)
  return {
    growth: (Math.max(...hold.map(s => s.rss)) - idle.rss) / MIB,
    secondHalf: Math.max(0, Math.max(...second.map(s => s.rss)) - second[0].rss) / MIB,
    producedSecondHalf: last.produced - second[0].produced,
    ahead: last.produced - frames,
    aheadKiB: (last.produced - frames) * frameBytes / 1024
  }
}
