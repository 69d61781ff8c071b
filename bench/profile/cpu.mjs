/**
 * `node bench/profile/cpu.mjs <server> <path> [--cannon|--read] [--seconds N] [--accept T]`:
 * runs one bench server under `--cpu-prof` with the scenario's load, then prints where the
 * server's CPU went (top functions and modules by self time). The .cpuprofile stays in
 * bench/results/profiles/ for DevTools.
 *   server: ours, baseline, demo, demo-baseline, or variants (profile/variants-server.mjs)
 *   --cannon (default) autocannon with 100 connections; --read one whole stream, repeatedly;
 *   --fanout N  N hub subscribers on <path>, 50 events published 100 ms apart (scenario 4);
 *   --hold      100 streams on <path> held open for the duration (the demo monitor).
 */
import { mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import { benchFile, RESULTS } from '../lib/paths.mjs'
import { startNode, stopAll } from '../lib/processes.mjs'
import { summarizeCpuProfile } from './cpu-summary.mjs'

const TOP = 25
const args = process.argv.slice(2)
const flag = name => args.includes(name)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const [kind = 'ours', route = '/bare20'] = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.match(/^--(seconds|accept|fanout)$/))
const seconds = Number(option('--seconds', '10'))
const headers = { accept: option('--accept', 'text/event-stream') }

const dir = path.join(RESULTS, 'profiles', `${kind}-${Date.now()}`)
await mkdir(dir, { recursive: true })
try {
  const server = await startNode(benchFile(kind === 'variants' ? 'profile/variants-server.mjs' : `servers/${kind}.mjs`), { name: kind, core: 0, nodeFlags: ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`] })
  const client = await startNode(benchFile('clients/load.mjs'), { name: 'client', core: 1 })
  const url = `http://127.0.0.1:${server.info.port}${route}`
  if (flag('--fanout')) {
    const count = Number(option('--fanout', '5000'))
    await client.call('openSubscribers', { url, count }, 120_000)
    await server.call('publish', { count: 50, everyMs: 100 }, 60_000)
    const result = await client.call('collectSubscribers', { events: 50, waitMs: 5000 }, 60_000)
    await client.call('closeSubscribers')
    process.stdout.write(`${result.delivered} deliveries, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, lost ${result.lost}\n`)
  } else if (flag('--hold')) {
    const result = await client.call('holdStreams', { url, connections: 100, seconds, headers }, (seconds + 30) * 1000)
    process.stdout.write(`${result.frames} events, open p99 ${result.openP99.toFixed(1)} ms, ${result.errors} errors\n`)
  } else if (flag('--read')) {
    const deadline = Date.now() + seconds * 1000
    let runs = 0
    while (Date.now() < deadline) {
      await client.call('readStream', { url }, 120_000)
      runs++
    }
    process.stdout.write(`${runs} streams read\n`)
  } else {
    const result = await client.call('runCannon', { url, connections: 100, seconds, headers }, (seconds + 30) * 1000)
    process.stdout.write(`${Math.round(result.rps)} req/s, p99 ${result.p99} ms, ${result.total} requests\n`)
  }
  await server.call('exit').catch(() => {})
  await new Promise(resolve => setTimeout(resolve, 1500))
} finally {
  await stopAll()
}
const [file] = (await readdir(dir)).filter(name => name.endsWith('.cpuprofile'))
if (file === undefined) throw new Error(`no profile written in ${dir}`)
const summary = await summarizeCpuProfile(path.join(dir, file))
process.stdout.write(`${path.join(dir, file)}: ${summary.totalMs.toFixed(0)} ms of CPU outside idle\n\nby module (self time)\n`)
for (const row of summary.modules.slice(0, 12)) process.stdout.write(`${(row.share * 100).toFixed(1).padStart(6)}%  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}\n`)
process.stdout.write('\nby function (self time)\n')
for (const row of summary.functions.slice(0, TOP)) process.stdout.write(`${(row.share * 100).toFixed(1).padStart(6)}%  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}\n`)
