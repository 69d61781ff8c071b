/**
 * Scenario 10: as many idle SSE streams as one server process may hold here (its hard limit
 * is 20,000 descriptors), from several client processes bound to many 127.x addresses. Per
 * round, on a fresh server: the time to open them all, memory per stream after a full GC,
 * delivery latency when one event fans out to all of them, and how long SIGTERM takes.
 */
import { benchFile } from '../lib/paths.mjs'
import { startFleet } from '../lib/client-fleet.mjs'
import { readKernelMemory } from '../lib/kernel-memory.mjs'
import { NotAvailable } from '../lib/not-available.mjs'
import { startNode } from '../lib/processes.mjs'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { percentileOfSorted, summarize } from '../lib/stats.mjs'
import { formatValue } from '../lib/table.mjs'
import { preciseNow } from '../servers/publish-series.mjs'

// 1,000 descriptors under the limit for the listen socket, stdio, IPC, epoll and libuv's own.
const STREAMS = 19_000
const QUICK_STREAMS = 4000
const CLIENT_PROCESSES = 4
const ADDRESSES_PER_PROCESS = 4
const EVENTS = 5
const KIB = 1024
// The server's core, as in context.mjs.
const SERVER_CORE = 0
const SERVERS = { ours: 'servers/scale-ours.mjs', baseline: 'servers/scale-baseline.mjs' }
// How each server's streams end at SIGTERM: the plugin's in-band shutdown fault, the
// baseline's end event.
const CLEAN_ENDING = { ours: 'stream-error FST_STREAM_SHUTDOWN', baseline: 'end' }
const OPEN_TIMEOUT_MS = 180_000
// Generous, so that a loss is a loss and not a slow client.
const COLLECT_GRACE_MS = 5000
const SIGTERM_TIMEOUT_MS = 20_000

export default {
  number: 10,
  id: 'scale',
  title: 'Scale: ~19,000 idle SSE streams to one server process',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const count = ctx.quick ? QUICK_STREAMS : STREAMS
    const everyMs = ctx.quick ? 500 : 1000
    const fleet = await startFleet({ processes: CLIENT_PROCESSES, addressesPerProcess: ADDRESSES_PER_PROCESS })
    try {
      const measure = kind => () => holdAtScale(fleet, kind, { count, everyMs })
      const results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: `${count} streams` }, measure('ours'), measure('baseline'))
      return { rows: rowsOf(results, count), notes: notesOf(results, { count, everyMs, quick: ctx.quick, addresses: fleet.addresses.length }) }
    } finally {
      await fleet.stop()
    }
  }
}

function rowsOf (results, count) {
  const n = count.toLocaleString('en-US')
  const row = (metric, unit, field, bar = {}) => makeRow({ metric: `${n}: ${metric}`, unit, ours: pick(results.ours, field), base: pick(results.base, field), ...bar })
  return [
    row('streams open at once', 'count', 'held', { target: `${n}`, check: r => r.ours.min === count }),
    row('server descriptors in use (limit 20,000)', 'count', 'descriptors'),
    row('time to open all', 'ms', 'openMs'),
    row('RSS per stream', 'KiB', 'rssPer'),
    row('V8 heap per stream', 'KiB', 'heapPer'),
    row('kernel slab per stream (both ends)', 'KiB', 'slabPer'),
    row('fan-out latency p50', 'ms', 'p50'),
    row('fan-out latency p99', 'ms', 'p99'),
    row('fan-out latency max', 'ms', 'max'),
    row('server CPU per delivery', 'µs', 'cpuPerDelivery'),
    row('events lost', 'count', 'lost', { target: '0', check: r => r.ours.max === 0 }),
    row('SIGTERM until the process exited', 'ms', 'exitMs'),
    row('SIGTERM until the last client saw its close', 'ms', 'lastCloseMs'),
    row('streams not ended in-band at SIGTERM', 'count', 'unclean', { target: '0', check: r => r.ours.max === 0 })
  ]
}

function notesOf (results, { count, everyMs, quick, addresses }) {
  const endings = side => JSON.stringify(results[side].at(-1).endings)
  const notes = [
    `Each round starts a fresh server (pinned to core 0) and opens the streams from ${CLIENT_PROCESSES} client processes on core 1, bound round-robin to ${addresses} source addresses (127.0.1.1–127.0.${CLIENT_PROCESSES}.${ADDRESSES_PER_PROCESS}). ` +
      'Ours is the plugin\'s hub subscription route; the baseline, node:http writing one formatted frame per subscriber, with a 15 s heartbeat per connection as the plugin has.',
    'Per stream = (after the streams opened − before), over the count; the server\'s RSS and V8 heap after a full GC (--expose-gc), the kernel\'s Slab from /proc/meminfo (machine-wide, so it holds the client\'s socket too). ' +
      `Fan-out: ${EVENTS} events published ${everyMs} ms apart, latency = arrival at the client − the server's send time, over all streams × events.`,
    'SIGTERM: ours calls fastify.close() (the plugin ends every stream with its shutdown fault frame) and exits; the baseline stops accepting, ends each response with the end event, closes each connection once its response has finished, and exits. ' +
      `Timed from the signal to the process's exit, and to the last client socket closing. How the streams ended, last round: ours ${endings('ours')}, baseline ${endings('base')}.`
  ]
  const median = (side, field) => summarize(pick(results[side], field)).median
  const loopMs = side => formatValue(median(side, 'cpuPerDelivery') * count / 1000, 'ms')
  notes.push(`The server holds ${formatValue(median('ours', 'descriptors') - count, 'count')} descriptors besides its streams (listen socket, stdio, IPC, epoll, libuv), under a hard limit of 20,000. ` +
    `One event to every stream costs the server about ${loopMs('ours')} of CPU (ours) and ${loopMs('base')} (baseline), CPU per delivery × count on one core; the p99 is that loop plus the client processes reading every socket on the other core.`)
  const buffers = summarize([...pick(results.ours, 'tcpBufferPer'), ...pick(results.base, 'tcpBufferPer')])
  notes.push(`Idle sockets hold no TCP buffer memory: /proc/net/sockstat's \`mem\` moved by ${formatValue(buffers.median, 'KiB')} per stream (median over all rounds), so the slab row is the kernel's whole cost of an idle stream.`)
  if (quick) notes.push(`Quick mode opens ${count.toLocaleString('en-US')} streams instead of ${STREAMS.toLocaleString('en-US')}.`)
  return notes
}

async function holdAtScale (fleet, kind, { count, everyMs }) {
  const server = await startNode(benchFile(SERVERS[kind]), { name: `${kind} scale server`, core: SERVER_CORE, nodeFlags: ['--expose-gc'] })
  try {
    if (!server.info.features.hub) throw new NotAvailable('the plugin decorates no fastify.hub')
    const url = `http://127.0.0.1:${server.info.port}/hub`
    const before = { ...await server.call('memory'), kernel: await readKernelMemory() }
    const start = preciseNow()
    const opened = await fleet.open(url, count, OPEN_TIMEOUT_MS)
    const openMs = preciseNow() - start
    if (opened.failed > 0) throw new Error(`${server.name}: ${opened.failed} of ${count} streams failed to open (${opened.firstError})`)
    const { open: held } = await server.call('streams')
    const after = { ...await server.call('memory'), kernel: await readKernelMemory() }
    const descriptors = (await server.call('descriptors')).open
    const delivery = await fanOut(server, fleet, everyMs)
    const shutdown = await terminate(server, fleet, kind, count)
    return {
      held,
      descriptors,
      openMs,
      rssPer: (after.rss - before.rss) / count / KIB,
      heapPer: (after.heapUsed - before.heapUsed) / count / KIB,
      slabPer: (after.kernel.slabKiB - before.kernel.slabKiB) / count,
      tcpBufferPer: (after.kernel.tcpBufferKiB - before.kernel.tcpBufferKiB) / count,
      ...delivery,
      ...shutdown
    }
  } finally {
    await fleet.drop()
    await server.stop()
  }
}

async function fanOut (server, fleet, everyMs) {
  const cpuBefore = await server.call('cpu')
  await server.call('publish', { count: EVENTS, everyMs }, EVENTS * everyMs + 60_000)
  const cpuUs = await server.call('cpu') - cpuBefore
  const { sorted, lost } = await fleet.collect({ events: EVENTS, waitMs: COLLECT_GRACE_MS }, COLLECT_GRACE_MS + 60_000)
  return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99), max: sorted.at(-1) ?? NaN, lost, cpuPerDelivery: cpuUs / Math.max(sorted.length, 1) }
}

// SIGTERM with every stream open. The server never answers `untilExit`: the RPC caller
// rejects it when the process exits, with the exit code, which marks the moment.
async function terminate (server, fleet, kind, count) {
  const exited = server.call('untilExit', {}, SIGTERM_TIMEOUT_MS).then(
    () => { throw new Error(`${server.name} answered untilExit`) },
    err => {
      const code = /exited \((\w+)\)/.exec(err.message)?.[1]
      if (code === undefined) throw err
      return { at: preciseNow(), code }
    })
  const closed = fleet.awaitClose({ waitMs: SIGTERM_TIMEOUT_MS }, SIGTERM_TIMEOUT_MS + 10_000)
  const sentAt = preciseNow()
  process.kill(server.pid, 'SIGTERM')
  const exit = await exited
  if (exit.code !== '0') throw new Error(`${server.name} exited with ${exit.code} after SIGTERM`)
  const { open, endings, lastClosedAt } = await closed
  return { exitMs: exit.at - sentAt, lastCloseMs: lastClosedAt - sentAt, unclean: count - (endings[CLEAN_ENDING[kind]] ?? 0), stillOpen: open, endings }
}
