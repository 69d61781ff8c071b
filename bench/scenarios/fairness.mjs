/**
 * Scenario 8: fairness. While a few fast readers stream an endless sync generator, how long
 * do other requests wait? /ping latency, the server's event-loop delay and what the readers
 * got meanwhile, ours against the naive res.write/drain loop, and /ping with no readers.
 */
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'

const READERS = 4
const SIZES = [
  { size: 'small', label: '~80 B events' },
  { size: 'big', label: '64 KiB events' }
]
// One ping every 5 ms: about one in flight against a fair server, few enough not to load it.
const PING_EVERY_MS = 5

export default {
  number: 8,
  id: 'fairness',
  title: `Fairness: GET /ping while ${READERS} fast readers stream an endless sync generator`,
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    // A starved server answers nothing: `timeoutMs` bounds each ping, `waitMs` the wait for
    // the readers to flow (a starved server never accepts the later ones).
    const plan = ctx.quick
      ? { seconds: 1, idleSeconds: 0.5, timeoutMs: 500, waitMs: 500, warmup: 0 }
      : { seconds: 2, idleSeconds: 1, timeoutMs: 1000, waitMs: 1000, warmup: 1 }
    const pinger = await ctx.startClient()
    const readers = await ctx.startClient()
    const ours = await ctx.startServer('ours')
    const base = await ctx.startServer('baseline')
    const idlePings = server => () => pinger.call('pingSeries', { url: server.url('/ping'), seconds: plan.idleSeconds, everyMs: PING_EVERY_MS, timeoutMs: plan.timeoutMs })
    const idle = await interleave({ rounds: ctx.rounds, warmup: 1, log: ctx.log, label: 'no readers' }, idlePings(ours), idlePings(base))
    const rows = [
      makeRow({ metric: 'no readers: /ping p50', unit: 'ms', ours: pick(idle.ours, 'p50'), base: pick(idle.base, 'p50') }),
      makeRow({ metric: 'no readers: /ping p99', unit: 'ms', ours: pick(idle.ours, 'p99'), base: pick(idle.base, 'p99') })
    ]
    const notes = [`${READERS} readers in their own process read raw sockets as fast as they can and discard the bytes. ` +
      `Once all are flowing (1 MiB each, or after ${plan.waitMs} ms), a second process sends GET /ping every ${PING_EVERY_MS} ms for ${plan.seconds} s ` +
      `(${plan.idleSeconds} s with no readers) without waiting for answers, so a stall counts for every ping that arrives during it; ` +
      `a ping unanswered after ${plan.timeoutMs} ms is a timeout and counts at that latency. ` +
      'The baseline pulls the same sync generator with the naive loop: one res.write per event, awaiting drain when write() returns false. ' +
      'Event-loop delay is perf_hooks.monitorEventLoopDelay inside the server, sampled every 1 ms (the 1 ms is included), from before the readers connect until they have left.']
    for (const { size, label } of SIZES) {
      const measure = server => () => busyOnce({ readers, pinger, server, path: `/fair?size=${size}`, plan })
      const results = await interleave({ rounds: ctx.rounds, warmup: plan.warmup, log: ctx.log, label }, measure(ours), measure(base))
      rows.push(...busyRows(label, results))
      if (summarize(pick(results.base, 'timeouts')).max > 0) {
        notes.push(`${label}: the baseline timed out on pings, so its latencies are floors (a timeout counts as ${plan.timeoutMs} ms) and the latency ratios are upper bounds.`)
      }
    }
    return { rows, notes }
  }
}

async function busyOnce ({ readers, pinger, server, path, plan }) {
  await server.call('loopDelayStart')
  let opened
  let ping
  let read
  try {
    opened = await readers.call('openFastReaders', { url: server.url(path), count: READERS, waitMs: plan.waitMs })
    ping = await pinger.call('pingSeries', { url: server.url('/ping'), seconds: plan.seconds, everyMs: PING_EVERY_MS, timeoutMs: plan.timeoutMs })
  } finally {
    read = await readers.call('closeFastReaders')
  }
  const lag = await server.call('loopDelayStop')
  return { ...ping, flowing: opened.flowing, mibPerSecond: read.mibPerSecond, lagP99: lag.p99, lagMax: lag.max }
}

function busyRows (label, results) {
  const row = (metric, unit, field, bar = {}) => makeRow({ metric: `${label}: ${metric}`, unit, ours: pick(results.ours, field), base: pick(results.base, field), ...bar })
  return [
    row('/ping p50', 'ms', 'p50'),
    row('/ping p99', 'ms', 'p99'),
    row('/ping timeouts', 'count', 'timeouts', { target: '0', check: r => r.ours.max === 0 }),
    row('server event-loop delay p99', 'ms', 'lagP99'),
    row('server event-loop delay max', 'ms', 'lagMax'),
    row(`readers flowing when pings start (of ${READERS})`, 'count', 'flowing'),
    row(`readers' throughput, all ${READERS}`, 'MiB/s', 'mibPerSecond')
  ]
}
