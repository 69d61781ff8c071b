/**
 * Scenario 1: one stream of 200,000 small events, SSE and NDJSON, from an async generator.
 * Events/s and server CPU per event, ours against the hand-written res.write loop.
 */
import { readOnce } from '../lib/read-once.mjs'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'

const EVENTS = 200_000
// The load generator counts as saturated when it is this busy: from there on, events/s
// measures the client, and server CPU per event is the fair comparison.
const SATURATED = 0.9

export default {
  number: 1,
  id: 'throughput',
  title: 'Throughput, one stream (200,000 events of ~80 bytes)',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const client = await ctx.startClient()
    const ours = await ctx.startServer('ours')
    const base = await ctx.startServer('baseline')
    const rows = []
    const notes = []
    for (const format of ['sse', 'ndjson']) {
      const measure = server => () => readOnce(client, server, '/events', format, EVENTS)
      const results = await interleave({ rounds: ctx.rounds, warmup: 1, log: ctx.log, label: format }, measure(ours), measure(base))
      const saturated = summarize(pick(results.ours, 'clientBusy')).median >= SATURATED
      const label = format.toUpperCase()
      const cpu = makeRow({
        metric: `${label} server CPU per event`,
        unit: 'µs',
        ours: pick(results.ours, 'cpuPerEvent'),
        base: pick(results.base, 'cpuPerEvent'),
        target: '≤ 0.6× if the client saturates',
        check: row => saturated ? row.ratio <= 0.6 : null
      })
      rows.push(makeRow({
        metric: `${label} events/s`,
        unit: '/s',
        ours: pick(results.ours, 'rate'),
        base: pick(results.base, 'rate'),
        target: '≥ 1.9×',
        check: row => row.ratio >= 1.9 || (saturated && cpu.ratio <= 0.6)
      }), cpu)
      notes.push(`${label}: ${Math.round(results.ours[0].bytes / EVENTS)} bytes per event; the load generator was ` +
        `${percent(pick(results.ours, 'clientBusy'))} busy against ours and ${percent(pick(results.base, 'clientBusy'))} against the baseline` +
        (saturated ? ' (saturated: the CPU bar applies).' : ' (not saturated: the events/s bar applies).'))
    }
    return { rows, notes }
  }
}

function percent (samples) {
  return `${Math.round(summarize(samples).median * 100)}%`
}
