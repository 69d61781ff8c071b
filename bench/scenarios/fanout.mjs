/**
 * Scenario 4: fan-out latency through the hub. Subscribers hold SSE streams; the server
 * publishes events on a fixed schedule, each carrying its send time; clients report delivery
 * latency over all clients × events, and how many never arrived.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { NotAvailable } from '../lib/not-available.mjs'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'

// How long after the last publish the clients may still be receiving before an event counts
// as lost: generous, since a loss must be a loss and not a slow client.
const COLLECT_GRACE_MS = 5000
const SETTLE_TIMEOUT_MS = 10_000

export default {
  number: 4,
  id: 'fanout',
  title: 'Fan-out latency through the hub',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const sizes = ctx.quick ? [1000] : [1000, 5000]
    const events = ctx.quick ? 20 : 50
    const everyMs = 100
    const ours = await ctx.startServer('ours')
    if (!ours.info.features.hub) throw new NotAvailable('the hub: fastify-stream/core exports no createHub and the plugin decorates no fastify.hub')
    const base = await ctx.startServer('baseline')
    const client = await ctx.startClient()
    const rows = []
    for (const count of sizes) {
      const measure = server => () => fanOutOnce(client, server, { count, events, everyMs })
      const results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: `${count} subscribers` }, measure(ours), measure(base))
      const graded = count === sizes.at(-1)
      const name = `${count.toLocaleString('en-US')} subscribers`
      rows.push(
        makeRow({ metric: `${name}: latency p50`, unit: 'ms', ours: pick(results.ours, 'p50'), base: pick(results.base, 'p50') }),
        makeRow({ metric: `${name}: latency p99`, unit: 'ms', ours: pick(results.ours, 'p99'), base: pick(results.base, 'p99'), ...(graded ? { target: '≤ 1.0×', check: row => row.ratio <= 1.0 } : {}) }),
        makeRow({ metric: `${name}: latency max`, unit: 'ms', ours: pick(results.ours, 'max'), base: pick(results.base, 'max') }),
        makeRow({ metric: `${name}: server CPU per delivery`, unit: 'µs', ours: pick(results.ours, 'cpuPerDelivery'), base: pick(results.base, 'cpuPerDelivery') }),
        makeRow({ metric: `${name}: events lost`, unit: 'count', ours: pick(results.ours, 'lost'), base: pick(results.base, 'lost'), target: '0', check: row => row.ours.max === 0 })
      )
    }
    const notes = [`${events} events published ${everyMs} ms apart per round; latency is arrival time at the client minus the time the server handed the event to its fan-out, over all clients × events. ` +
      'The baseline formats each event once and calls res.write once per subscriber. One load-generator process reads every subscriber, so its own processing is part of both sides\' latency.']
    if (ctx.quick) notes.push('Quick mode: 1,000 subscribers and 20 events; the p99 target is for 5,000 in the full run.')
    return { rows, notes }
  }
}

/**
 * One round: `count` subscribers of `path` (scenario 14: compressed, asking for `encoding`),
 * `events` published `everyMs` apart; latency percentiles, losses and server CPU per delivery.
 */
export async function fanOutOnce (client, server, { count, events, everyMs, path = '/hub', encoding }) {
  const opened = await client.call('openSubscribers', { url: server.url(path), count, encoding }, 120_000)
  if (opened.failed > 0) throw new Error(`${server.name}: ${opened.failed} of ${count} subscribers failed (${opened.firstError})`)
  try {
    const before = await server.call('cpu')
    await server.call('publish', { count: events, everyMs }, events * everyMs + 60_000)
    const result = await client.call('collectSubscribers', { events, waitMs: COLLECT_GRACE_MS }, COLLECT_GRACE_MS + 60_000)
    const after = await server.call('cpu')
    return { ...result, cpuPerDelivery: (after - before) / Math.max(result.delivered, 1) }
  } finally {
    await client.call('closeSubscribers')
    await settle(server)
  }
}

// The next round must start with no subscriber left from this one.
async function settle (server) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS
  while ((await server.call('streams')).open > 0) {
    if (Date.now() > deadline) throw new Error(`${server.name}: subscribers still open ${SETTLE_TIMEOUT_MS} ms after their clients left`)
    await sleep(50)
  }
}
