/**
 * What scenario 10's servers answer over IPC: the shared probe, how many descriptors the
 * process holds against its limit, and a call that is never answered, so that the
 * orchestrator learns the moment the process exits.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { serveCalls } from '../lib/rpc.mjs'
import { probeHandlers } from './probe.mjs'
import { publishSeries } from './publish-series.mjs'

/**
 * Reports ready on IPC and answers the scenario's calls.
 * @param {object} server
 * @param {number} server.port the HTTP port.
 * @param {(data: object) => unknown} server.publish hands one event to every subscriber.
 * @param {() => number} server.open streams open now.
 * @param {boolean} [server.hub] false when the build has no hub to subscribe to.
 */
export function serveScaleCalls ({ port, publish, open, hub = true }) {
  serveCalls(probeHandlers({
    publish: options => publishSeries(publish, options),
    streams: () => ({ open: open() }),
    descriptors: () => ({ open: readdirSync('/proc/self/fd').length, limit: openFileLimit() }),
    // Settles only when the process exits: the orchestrator's caller then rejects it with
    // the exit code, and its own deadline bounds the wait.
    untilExit: () => new Promise(() => {})
  }), { port, features: { hub } })
}

function openFileLimit () {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find(l => l.startsWith('Max open files'))
  return Number(line?.split(/\s+/)[3])
}
