/**
 * Scenario 11: delivery latency of sources that wait. Generator streams that yield every
 * 50 ms (a timer-fed source) beside hub subscriptions getting an event every 50 ms, read by
 * one client process, on an idle server and on one busy streaming CSV exports. A generator's
 * item that arrives after its source waited should go out as promptly as a hub event.
 */
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'

const STREAMS = 50
const EVERY_MS = 50
const EXPORTS = 3
// Far more rows than the window reads: the exports stream for as long as the round lasts.
const EXPORT_ROWS = 1e9
const MAX_RATIO = 1.3
const EXPORT_WAIT_MS = 1000

export default {
  number: 11,
  id: 'latency',
  title: `Delivery latency: ${STREAMS} ticking generator streams beside ${STREAMS} hub streams, idle and beside ${EXPORTS} CSV exports`,
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const seconds = ctx.quick ? 2 : 4
    const reader = await ctx.startClient()
    const exporter = await ctx.startClient()
    const server = await ctx.startServer('ours')
    const once = busy => () => tickOnce({ server, reader, exporter, busy, seconds })
    // "ours" is the busy server, "base" the idle one: each round runs both, alternating.
    const results = await interleave({ rounds: ctx.rounds, warmup: 1, log: ctx.log, label: 'latency' }, once(true), once(false))
    const rows = []
    for (const [label, list] of [['busy (CSV exports)', results.ours], ['idle', results.base]]) {
      for (const p of ['p50', 'p99']) {
        rows.push(makeRow({
          metric: `${label}: generator ${p} (hub ${p} as baseline)`,
          unit: 'ms',
          ours: pick(list, `generator${p}`),
          base: pick(list, `hub${p}`),
          target: `≤ ${MAX_RATIO}×`,
          check: r => r.ratio <= MAX_RATIO
        }))
      }
    }
    rows.push(makeRow({ metric: `busy: the ${EXPORTS} exports' throughput together`, unit: 'MiB/s', ours: pick(results.ours, 'exportMiBs') }))
    const notes = [`Each round: ${STREAMS} SSE streams of GET /tick (an async generator that awaits a ${EVERY_MS} ms timer, then yields { seq, sentAt }) and ${STREAMS} of GET /hub (hub subscriptions; the server publishes { seq, sentAt } every ${EVERY_MS} ms), ` +
      `all read by one client process on raw sockets for ${seconds} s; latency is the chunk's arrival minus sentAt, both performance.timeOrigin + performance.now() on one machine. ` +
      `Busy rounds also run ${EXPORT_ROWS.toExponential(0)}-row CSV exports (GET /events?format=csv), ${EXPORTS} at once, read as fast as a second client process can, for the whole window. ` +
      'Server on core 0, both clients on core 1. The baseline column is the hub streams of the same round: the target is the generator within 1.3× of the hub.']
    return { rows, notes }
  }
}

async function tickOnce ({ server, reader, exporter, busy, seconds }) {
  if (busy) await exporter.call('openFastReaders', { url: server.url(`/events?format=csv&n=${EXPORT_ROWS}`), count: EXPORTS, waitMs: EXPORT_WAIT_MS })
  let got
  try {
    await reader.call('openTicking', { groups: [{ name: 'generator', url: server.url(`/tick?everyMs=${EVERY_MS}`), count: STREAMS }, { name: 'hub', url: server.url('/hub'), count: STREAMS }] })
    await server.call('publish', { count: Math.round(seconds * 1000 / EVERY_MS), everyMs: EVERY_MS })
    got = await reader.call('collectTicking')
  } finally {
    await reader.call('closeTicking')
  }
  const exported = busy ? await exporter.call('closeFastReaders') : { mibPerSecond: NaN }
  return { generatorp50: got.generator.p50, generatorp99: got.generator.p99, hubp50: got.hub.p50, hubp99: got.hub.p99, exportMiBs: exported.mibPerSecond }
}
