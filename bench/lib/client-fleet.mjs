/**
 * Scenario 10's load: several client processes on the load core, each with its own 127.x
 * source addresses, driven as one. A process may hold 20,000 descriptors here and an address
 * has about 28,000 ephemeral ports, so neither limit is near with 4 × ~4,750 streams.
 */
import { benchFile } from './paths.mjs'
import { startNode } from './processes.mjs'

// The load generator's core, as in context.mjs.
const CLIENT_CORE = 1

/**
 * Starts `processes` client processes (clients/scale.mjs).
 * @param {{ processes: number, addressesPerProcess: number }} options
 * @returns {Promise<ReturnType<typeof fleetOf>>}
 */
export async function startFleet ({ processes, addressesPerProcess }) {
  const members = await Promise.all(Array.from({ length: processes }, (_, p) => startNode(benchFile('clients/scale.mjs'), { name: `scale client ${p + 1}`, core: CLIENT_CORE })))
  // 127.0.1.1–127.0.1.4 for the first process, 127.0.2.1… for the next: all of 127/8 is
  // loopback on Linux, and each address brings its own ephemeral port range.
  const addresses = members.map((_, p) => Array.from({ length: addressesPerProcess }, (_, a) => `127.0.${p + 1}.${a + 1}`))
  return fleetOf(members, addresses)
}

function fleetOf (members, addresses) {
  const all = (cmd, argsOf, timeoutMs) => Promise.all(members.map((member, p) => member.call(cmd, argsOf(p), timeoutMs)))
  return {
    addresses: addresses.flat(),
    /**
     * Opens `count` streams to `url`, split evenly over the processes.
     * @returns {Promise<{ opened: number, failed: number, firstError?: string }>}
     */
    async open (url, count, timeoutMs) {
      const share = p => Math.floor(count / members.length) + (p < count % members.length ? 1 : 0)
      const results = await all('open', p => ({ url, count: share(p), addresses: addresses[p] }), timeoutMs)
      return { opened: sum(results, 'opened'), failed: sum(results, 'failed'), firstError: results.find(r => r.firstError)?.firstError }
    },
    /** @returns {Promise<{ sorted: Float64Array, lost: number }>} every delivery's latency, ascending. */
    async collect (args, timeoutMs) {
      const results = await all('collect', () => args, timeoutMs)
      return { sorted: Float64Array.from(results.flatMap(r => r.latencies)).sort(), lost: sum(results, 'lost') }
    },
    /** @returns {Promise<{ open: number, endings: Record<string, number>, lastClosedAt: number }>} */
    async awaitClose (args, timeoutMs) {
      const results = await all('awaitClose', () => args, timeoutMs)
      const endings = {}
      for (const r of results) for (const [ending, n] of Object.entries(r.endings)) endings[ending] = (endings[ending] ?? 0) + n
      return { open: sum(results, 'open'), endings, lastClosedAt: Math.max(...results.map(r => r.lastClosedAt)) }
    },
    drop: () => all('drop', () => ({})),
    stop: () => Promise.all(members.map(member => member.stop()))
  }
}

function sum (results, field) {
  return results.reduce((total, r) => total + r[field], 0)
}
