/**
 * A heap snapshot reduced to "how many objects of each kind, and how many bytes": enough to
 * see what an idle stream is made of, without a DevTools session.
 */
import v8 from 'node:v8'

// Internal containers (arrays, closures, contexts, hidden classes) say little by their own
// name, so they are grouped by who holds them: `array ← ServerResponse._events`.
const BY_HOLDER = new Set(['array', 'closure', 'hidden', 'object shape', 'code'])
const HOLDER_NAMED = new Set(['object', 'closure', 'native'])

/**
 * Takes a heap snapshot (after a full GC, as V8 does) and totals self sizes by node kind.
 * @returns {Promise<Record<string, { count: number, bytes: number }>>} keyed `type:name`,
 *   or `type:name ← holder.edge` for internal containers.
 */
export async function heapSummary () {
  const chunks = []
  for await (const chunk of v8.getHeapSnapshot()) chunks.push(chunk)
  const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const meta = snapshot.snapshot.meta
  const nodeTypes = meta.node_types[0]
  const edgeTypes = meta.edge_types[0]
  const width = meta.node_fields.length
  const edgeWidth = meta.edge_fields.length
  const at = { type: meta.node_fields.indexOf('type'), name: meta.node_fields.indexOf('name'), size: meta.node_fields.indexOf('self_size'), edges: meta.node_fields.indexOf('edge_count') }
  const { nodes, edges, strings } = snapshot
  const holder = firstHolders(nodes, edges, { width, edgeWidth, at, edgeTypes, nodeTypes, strings })
  const totals = {}
  for (let i = 0; i < nodes.length; i += width) {
    const type = nodeTypes[nodes[i + at.type]]
    // Strings and code are named by their content; group them by type alone.
    const name = HOLDER_NAMED.has(type) ? strings[nodes[i + at.name]] : ''
    const key = BY_HOLDER.has(type) ? `${type}:${name} ← ${holder.get(i) ?? '?'}` : `${type}:${name}`
    const entry = totals[key] ??= { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += nodes[i + at.size]
  }
  return totals
}

// For every node, the first strong edge that points at it: "holderType:holderName.edge".
function firstHolders (nodes, edges, { width, edgeWidth, at, edgeTypes, nodeTypes, strings }) {
  const holder = new Map()
  let edge = 0
  for (let i = 0; i < nodes.length; i += width) {
    const ownerType = nodeTypes[nodes[i + at.type]]
    const owner = `${ownerType}:${HOLDER_NAMED.has(ownerType) ? strings[nodes[i + at.name]] : ''}`
    for (let e = 0; e < nodes[i + at.edges]; e++, edge += edgeWidth) {
      const kind = edgeTypes[edges[edge]]
      if (kind === 'weak' || kind === 'shortcut') continue
      const target = edges[edge + 2]
      if (holder.has(target)) continue
      const label = kind === 'element' || kind === 'hidden' ? `[${kind}]` : strings[edges[edge + 1]]
      holder.set(target, `${owner}.${label}`)
    }
  }
  return holder
}
