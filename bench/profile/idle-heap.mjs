/**
 * `node bench/profile/idle-heap.mjs <variant> [count] [--vs <variant>]`: what one idle SSE
 * stream costs in V8 heap, by object kind. Opens `count` idle streams and diffs two heap
 * snapshots of the server, per stream; with `--vs`, also subtracts another variant's costs,
 * to show what one way of streaming adds over another. Variants:
 *   ours, baseline   scenario 3's two servers (route /idle);
 *   ours-hub         scenario 3's hub subscriptions (route /idle-hub);
 *   plugin, hijack   Fastify with the plugin / Fastify writing by hand (variants-server.mjs);
 *   plugin-no-return the plugin from a handler that does not return the reply;
 *   core, raw        the core's streamResponse() / by hand, both on plain node:http;
 *   raw-source       by hand on node:http, pulling the same idle generator as the plugin.
 */
import { benchFile } from '../lib/paths.mjs'
import { startNode, stopAll } from '../lib/processes.mjs'

// variant → [server file, which port, path]
const VARIANTS = {
  ours: ['servers/ours.mjs', 'port', '/idle'],
  'ours-hub': ['servers/ours.mjs', 'port', '/idle-hub'],
  baseline: ['servers/baseline.mjs', 'port', '/idle'],
  plugin: ['profile/variants-server.mjs', 'port', '/plugin'],
  'plugin-no-return': ['profile/variants-server.mjs', 'port', '/plugin-no-return'],
  hijack: ['profile/variants-server.mjs', 'port', '/hijack'],
  hub: ['profile/variants-server.mjs', 'port', '/hub'],
  'hub-no-return': ['profile/variants-server.mjs', 'port', '/hub-no-return'],
  'plugin-no-options': ['profile/variants-server.mjs', 'port', '/plugin-no-options'],
  core: ['profile/variants-server.mjs', 'corePort', '/core'],
  raw: ['profile/variants-server.mjs', 'corePort', '/raw'],
  'raw-source': ['profile/variants-server.mjs', 'corePort', '/raw-source']
}
const TOP = 40

const args = process.argv.slice(2)
const vsAt = args.indexOf('--vs')
const other = vsAt === -1 ? undefined : args.splice(vsAt, 2)[1]
const [kind = 'ours', countText = '2000'] = args
const count = Number(countText)

try {
  const mine = await perStream(kind, count)
  const theirs = other === undefined ? {} : await perStream(other, count)
  const rows = Object.keys({ ...mine, ...theirs }).map(key => ({
    key,
    count: (mine[key]?.count ?? 0) - (theirs[key]?.count ?? 0),
    bytes: (mine[key]?.bytes ?? 0) - (theirs[key]?.bytes ?? 0)
  })).filter(row => Math.abs(row.bytes) >= 8).sort((a, b) => b.bytes - a.bytes)
  const total = sum(mine) - sum(theirs)
  process.stdout.write(`${kind}${other === undefined ? '' : ` − ${other}`}: ${total.toFixed(0)} bytes of heap per idle stream (${count} streams)\n`)
  process.stdout.write('bytes/stream  objects/stream  kind\n')
  for (const row of rows.slice(0, TOP)) {
    process.stdout.write(`${row.bytes.toFixed(0).padStart(12)}  ${row.count.toFixed(2).padStart(14)}  ${row.key}\n`)
  }
} finally {
  await stopAll()
}

async function perStream (variant, streams) {
  const [file, port, path] = VARIANTS[variant] ?? []
  if (file === undefined) throw new Error(`unknown variant ${variant}; one of ${Object.keys(VARIANTS).join(', ')}`)
  const server = await startNode(benchFile(file), { name: variant, core: 0, nodeFlags: ['--expose-gc'] })
  const client = await startNode(benchFile('clients/load.mjs'), { name: 'client', core: 1 })
  try {
    const before = await server.call('heapSummary', {}, 120_000)
    const opened = await client.call('openIdle', { url: `http://127.0.0.1:${server.info[port]}${path}`, count: streams }, 120_000)
    if (opened.failed > 0) throw new Error(`${variant}: ${opened.failed} streams failed to open (${opened.firstError})`)
    const after = await server.call('heapSummary', {}, 120_000)
    const result = {}
    for (const key of Object.keys(after)) {
      result[key] = { count: (after[key].count - (before[key]?.count ?? 0)) / streams, bytes: (after[key].bytes - (before[key]?.bytes ?? 0)) / streams }
    }
    return result
  } finally {
    await stopAll()
  }
}

function sum (table) {
  return Object.values(table).reduce((total, row) => total + row.bytes, 0)
}
