/**
 * Scenario 1's client: reads one whole stream as fast as it can and reports its size, its
 * duration and how busy this process was (to tell whether the load generator saturated).
 */
import { performance } from 'node:perf_hooks'
import { openStream } from './connect.mjs'

/**
 * @param {{ url: string }} args
 * @returns {Promise<{ ms: number, bytes: number, lines: number, clientBusy: number }>}
 *   `clientBusy` is this process's CPU time over the wall time, 0–1.
 */
export async function readStream ({ url }) {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const res = await openStream(url)
  let bytes = 0
  let lines = 0
  for await (const chunk of res) {
    bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
  }
  if (!res.complete) throw new Error(`GET ${url}: the stream ended early`)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { ms, bytes, lines, clientBusy: (used.user + used.system) / 1000 / ms }
}
