/**
 * Scenario 6: the demo's large CSV export, a million rows through /api/users/export.
 * Rows/s, and the server's peak RSS growth while it streams.
 */
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { startDemoPair } from '../lib/subjects.mjs'

const MIB = 1024 * 1024
const MAX_GROWTH_MIB = 64
const SAMPLE_EVERY_MS = 50

export default {
  number: 6,
  id: 'export',
  title: 'Large CSV export (/api/users/export)',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const count = ctx.quick ? 100_000 : 1_000_000
    // Checked once up front; each round then gets fresh servers, so memory starts clean.
    const probe = await startDemoPair(ctx, ['/api/users/export?count=1'])
    await probe.ours.stop()
    await probe.base.stop()
    const client = await ctx.startClient()
    const measure = kind => () => exportOnce(ctx, client, kind, count)
    const results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: `${count} rows` }, measure('demo'), measure('demo-baseline'))
    const rows = [
      makeRow({ metric: `${count.toLocaleString('en-US')} rows: rows/s`, unit: '/s', ours: pick(results.ours, 'rate'), base: pick(results.base, 'rate') }),
      makeRow({ metric: `${count.toLocaleString('en-US')} rows: peak RSS growth`, unit: 'MiB', ours: pick(results.ours, 'growth'), base: pick(results.base, 'growth'), target: `< ${MAX_GROWTH_MIB} MiB (every round)`, check: row => row.ours.max < MAX_GROWTH_MIB }),
      makeRow({ metric: `${count.toLocaleString('en-US')} rows: server CPU per row`, unit: 'µs', ours: pick(results.ours, 'cpuPerRow'), base: pick(results.base, 'cpuPerRow') })
    ]
    const notes = ['The baseline writes the same rows (the demo\'s own seeded fake users) as CSV by hand, one res.write per row. ' +
      `Peak RSS growth: the highest RSS sampled every ${SAMPLE_EVERY_MS} ms during the export, minus the idle server's RSS after a GC.`]
    if (ctx.quick) notes.push('Quick mode exports 100,000 rows; the target is for 1,000,000 in the full run.')
    return { rows, notes }
  }
}

async function exportOnce (ctx, client, kind, count) {
  const server = await ctx.startServer(kind)
  try {
    await server.call('memory')
    await server.call('sampleStart', { everyMs: SAMPLE_EVERY_MS })
    const before = await server.call('cpu')
    const result = await client.call('readStream', { url: server.url(`/api/users/export?count=${count}`) }, 600_000)
    const after = await server.call('cpu')
    const samples = await server.call('sampleStop')
    // A header row plus one line per user; quoted fields never hold a raw newline here.
    if (result.lines < count + 1) throw new Error(`${server.name}: ${result.lines} lines for ${count} rows`)
    return {
      rate: count / (result.ms / 1000),
      growth: (Math.max(...samples.map(s => s.rss)) - samples[0].rss) / MIB,
      cpuPerRow: (after - before) / count
    }
  } finally {
    await server.stop()
  }
}
