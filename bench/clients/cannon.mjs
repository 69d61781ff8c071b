/**
 * Scenario 2's client: autocannon through its programmatic API, as users load-test.
 */
import autocannon from 'autocannon'

/**
 * @param {{ url: string, connections: number, seconds: number, headers?: Record<string, string> }} args
 * @returns {Promise<{ rps: number, total: number, p50: number, p99: number, errors: number, timeouts: number, non2xx: number, clientBusy: number }>}
 *   latencies in ms; `clientBusy` is this process's CPU time over the wall time, 0–1.
 */
export async function runCannon ({ url, connections, seconds, headers = {} }) {
  const cpu = process.cpuUsage()
  const start = Date.now()
  const result = await autocannon({ url, connections, duration: seconds, headers })
  const used = process.cpuUsage(cpu)
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    clientBusy: (used.user + used.system) / 1000 / (Date.now() - start)
  }
}
