/**
 * Scenario 13: one stream of 100,000 user rows whose items a schema declares, each row with
 * three fields the API must not show. The schema route writes them with its compiled
 * serializer (fast-json-stringify); the same route without a schema writes them with
 * JSON.stringify, every field (the "JSON.stringify route"). Two more write the
 * schema route's exact bytes: JSON.stringify of the declared fields picked by hand, in the
 * plugin and in the hand-written node:http loop (the baseline). The schema route with
 * validateItems gives the cost of validating each item.
 */
import { readOnce } from '../lib/read-once.mjs'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'

const EVENTS = 100_000
// As in scenario 1: past this, the load generator is the limit and events/s measures it, so
// server CPU per event is the fair comparison.
const SATURATED = 0.9
// The bar: the schema route at least 1.3× the JSON.stringify route; in CPU per
// event, at most 1 / 1.3 of it.
const BAR = 1.3

export default {
  number: 13,
  id: 'typed',
  title: 'Typed items: schema serializer, JSON.stringify, validation (one stream, 100,000 user rows)',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const client = await ctx.startClient()
    const ours = await ctx.startServer('ours')
    const base = await ctx.startServer('baseline')
    const rows = []
    const notes = []
    for (const format of ['ndjson', 'sse']) {
      const read = (server, path) => () => readOnce(client, server, path, format, EVENTS)
      const results = await interleave({ rounds: ctx.rounds, warmup: 1, log: ctx.log, label: `typed ${format}` },
        read(ours, '/users/schema'), read(base, '/users/picked'),
        { json: read(ours, '/users/json'), picked: read(ours, '/users/picked'), validated: read(ours, '/users/validated') })
      const label = format.toUpperCase()
      const saturated = summarize(pick(results.ours, 'clientBusy')).median >= SATURATED
      const cpu = makeRow({
        metric: `${label} server CPU per event, schema route ÷ JSON.stringify route`,
        unit: 'µs',
        ours: pick(results.ours, 'cpuPerEvent'),
        base: pick(results.json, 'cpuPerEvent'),
        target: `≤ ${(1 / BAR).toFixed(2)}× if the client saturates`,
        check: row => saturated ? row.ratio <= 1 / BAR : null
      })
      rows.push(makeRow({
        metric: `${label} events/s, schema route ÷ JSON.stringify route`,
        unit: '/s',
        ours: pick(results.ours, 'rate'),
        base: pick(results.json, 'rate'),
        target: `≥ ${BAR}×`,
        check: row => row.ratio >= BAR || (saturated && cpu.ratio <= 1 / BAR)
      }), cpu, makeRow({
        metric: `${label} events/s, schema route ÷ JSON.stringify of hand-picked fields`,
        unit: '/s',
        ours: pick(results.ours, 'rate'),
        base: pick(results.picked, 'rate')
      }), makeRow({
        metric: `${label} events/s, schema route ÷ node:http baseline (hand-picked, same bytes)`,
        unit: '/s',
        ours: pick(results.ours, 'rate'),
        base: pick(results.base, 'rate')
      }), makeRow({
        metric: `${label} server CPU per event, with validateItems ÷ without`,
        unit: 'µs',
        ours: pick(results.validated, 'cpuPerEvent'),
        base: pick(results.ours, 'cpuPerEvent')
      }))
      const cost = summarize(pick(results.validated, 'cpuPerEvent')).median - summarize(pick(results.ours, 'cpuPerEvent')).median
      notes.push(`${label}: ${Math.round(results.ours[0].bytes / EVENTS)} bytes per row from the schema route and the hand-picked ones, ` +
        `${Math.round(results.json[0].bytes / EVENTS)} from the route without a schema (every field); the load generator was ` +
        `${Math.round(summarize(pick(results.ours, 'clientBusy')).median * 100)}% busy reading the schema route` +
        (saturated ? ' (saturated: the CPU bar applies)' : ' (not saturated: the events/s bar applies)') + `; validating each row (Ajv, 9 properties, one nested) adds about ${cost.toFixed(2)} µs of server CPU per row.`)
    }
    return { rows, notes }
  }
}
