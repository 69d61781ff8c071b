/**
 * `node bench/profile/gc-pauses.mjs [seconds]`: GC pauses of the plugin and of the node:http
 * baseline under the same autocannon load on the bare 20-event route (scenario 2), in
 * alternating runs. Tail latency there follows the longest pauses, not CPU per request.
 */
import { fork } from 'node:child_process'
import autocannon from 'autocannon'
import { benchFile } from '../lib/paths.mjs'

const seconds = Number(process.argv[2] ?? 8)

for (const kind of ['ours', 'baseline', 'ours', 'baseline']) {
  const server = fork(benchFile('profile/gc-server.mjs'), [kind])
  const { port } = await nextMessage(server)
  const result = await autocannon({ url: `http://127.0.0.1:${port}/bare20`, connections: 100, duration: seconds })
  server.send('report')
  const gc = await nextMessage(server)
  console.log(`${kind.padEnd(8)} req/s ${Math.round(result.requests.average)}  p99 ${result.latency.p99} ms  ` +
    `GCs ${gc.count}  total ${gc.totalMs.toFixed(0)} ms  p99 pause ${gc.p99Ms.toFixed(2)} ms  max ${gc.maxMs.toFixed(2)} ms`)
}

function nextMessage (child) {
  return new Promise(resolve => child.once('message', resolve))
}
