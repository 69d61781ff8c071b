/**
 * Scenario 2: autocannon with 100 connections, as users load-test: a bare 20-event
 * reply.stream() route (the target), and the demo routes (feed in both formats, monitor held).
 */
import { NotAvailable } from '../lib/not-available.mjs'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow, unavailableRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'
import { startDemoPair } from '../lib/subjects.mjs'

const CONNECTIONS = 100
const FEED = '/api/users/feed?count=20&intervalMs=0'
// The demo's fastest tick, so even a short hold sees events (the default is one a second).
const MONITOR = '/api/monitor?intervalMs=100'
const ACCEPT = { sse: 'text/event-stream', ndjson: 'application/x-ndjson' }

export default {
  number: 2,
  id: 'autocannon',
  title: `autocannon, ${CONNECTIONS} connections`,
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const seconds = ctx.quick ? 1 : 10
    // The demo routes carry no target; 5 s rounds keep the full run under 15 minutes.
    const demoSeconds = ctx.quick ? 1 : 5
    const client = await ctx.startClient()
    const rows = []
    const notes = [ctx.quick ? '1 s per round (quick).' : `${seconds} s per round for the bare route, ${demoSeconds} s for the demo routes (no target there).`]

    const ours = await ctx.startServer('ours')
    const base = await ctx.startServer('baseline')
    const bare = await cannonRounds(ctx, client, ours, base, { path: '/bare20', seconds, label: 'bare route' })
    rows.push(...cannonRows('bare 20-event route', bare, true))
    notes.push(`Bare route: the load generator (autocannon) was ${busy(bare.ours)} busy against ours and ${busy(bare.base)} against the baseline.`)
    await ours.stop()
    await base.stop()

    let demo
    try {
      demo = await startDemoPair(ctx, [FEED, MONITOR])
    } catch (err) {
      if (!(err instanceof NotAvailable)) throw err
      rows.push(unavailableRow(`demo feed, monitor: ${err.message}`, err.message))
      return { rows, notes }
    }
    for (const format of ['sse', 'ndjson']) {
      const feed = await cannonRounds(ctx, client, demo.ours, demo.base, { path: FEED, seconds: demoSeconds, label: `feed ${format}`, headers: { accept: ACCEPT[format] } })
      rows.push(...cannonRows(`demo feed (${format}, 20 users)`, feed, false))
    }
    const held = await interleave({ rounds: ctx.rounds, log: ctx.log, label: 'monitor held' },
      () => holdOnce(client, demo.ours, demoSeconds), () => holdOnce(client, demo.base, demoSeconds))
    rows.push(
      makeRow({ metric: 'demo monitor held: open p99 (ms)', unit: 'ms', ours: pick(held.ours, 'openP99'), base: pick(held.base, 'openP99') }),
      makeRow({ metric: 'demo monitor held: events/s', unit: '/s', ours: pick(held.ours, 'framesPerSecond'), base: pick(held.base, 'framesPerSecond') }),
      makeRow({ metric: 'demo monitor held: server CPU per event', unit: 'µs', ours: pick(held.ours, 'cpuPerEvent'), base: pick(held.base, 'cpuPerEvent') }),
      makeRow({ metric: 'demo monitor held: errors', unit: 'count', ours: pick(held.ours, 'errors'), base: pick(held.base, 'errors'), target: '0', check: row => row.ours.max === 0 })
    )
    notes.push(`The demo monitor stream never ends, so autocannon (which counts finished responses) cannot measure it: ${CONNECTIONS} streams are opened with the bench's own client and held for ${demoSeconds} s. ` +
      'Its baseline ticks with setInterval, while the demo\'s generator sleeps with its abort signal each tick: the CPU row compares those two designs, not only the plugin.')
    return { rows, notes }
  }
}

async function cannonRounds (ctx, client, ours, base, { path, seconds, label, headers }) {
  const once = server => async () => {
    const before = await server.call('cpu')
    const result = await client.call('runCannon', { url: server.url(path), connections: CONNECTIONS, seconds, headers }, (seconds + 30) * 1000)
    const after = await server.call('cpu')
    return { ...result, cpuPerRequest: result.total > 0 ? (after - before) / result.total : NaN }
  }
  // One short discarded round warms up the JIT on both sides (skipped in the quick smoke run).
  if (!ctx.quick) {
    await interleave({ rounds: 1 }, () => client.call('runCannon', { url: ours.url(path), connections: CONNECTIONS, seconds: 1, headers }),
      () => client.call('runCannon', { url: base.url(path), connections: CONNECTIONS, seconds: 1, headers }))
  }
  return interleave({ rounds: ctx.rounds, log: ctx.log, label }, once(ours), once(base))
}

function cannonRows (name, results, withTargets) {
  const errors = list => list.map(r => r.errors + r.timeouts + r.non2xx)
  return [
    makeRow({ metric: `${name}: req/s`, unit: '/s', ours: pick(results.ours, 'rps'), base: pick(results.base, 'rps'), ...(withTargets ? { target: '≥ 1.0×', check: row => row.ratio >= 1.0 } : {}) }),
    makeRow({ metric: `${name}: p50 latency`, unit: 'ms', ours: pick(results.ours, 'p50'), base: pick(results.base, 'p50') }),
    makeRow({ metric: `${name}: p99 latency`, unit: 'ms', ours: pick(results.ours, 'p99'), base: pick(results.base, 'p99'), ...(withTargets ? { target: '≤ 1.1×', check: row => row.ratio <= 1.1 } : {}) }),
    makeRow({ metric: `${name}: server CPU per request`, unit: 'µs', ours: pick(results.ours, 'cpuPerRequest'), base: pick(results.base, 'cpuPerRequest') }),
    makeRow({ metric: `${name}: errors + timeouts + non-2xx`, unit: 'count', ours: errors(results.ours), base: errors(results.base), target: '0', check: row => row.ours.max === 0 })
  ]
}

function busy (results) {
  return `${Math.round(summarize(pick(results, 'clientBusy')).median * 100)}%`
}

async function holdOnce (client, server, seconds) {
  const before = await server.call('cpu')
  const result = await client.call('holdStreams', { url: server.url(MONITOR), connections: CONNECTIONS, seconds, headers: { accept: ACCEPT.sse } }, (seconds + 30) * 1000)
  const after = await server.call('cpu')
  return { ...result, cpuPerEvent: result.frames > 0 ? (after - before) / result.frames : NaN }
}
