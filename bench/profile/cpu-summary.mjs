/**
 * Reads a `.cpuprofile` (from `node --cpu-prof`) and totals self time by function and by
 * module, the two views that say what dominates.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * @param {string} file a .cpuprofile path.
 * @returns {Promise<{ totalMs: number, functions: Array<{ name: string, ms: number, share: number }>, modules: Array<{ name: string, ms: number, share: number }> }>}
 *   sorted by self time, largest first.
 */
export async function summarizeCpuProfile (file) {
  const profile = JSON.parse(await readFile(file, 'utf8'))
  const selfUs = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const functions = new Map()
  const modules = new Map()
  let total = 0
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)' || functionName === '(program)') continue
    total += us
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`
    functions.set(name, (functions.get(name) ?? 0) + us)
    const module = moduleOf(url, functionName)
    modules.set(module, (modules.get(module) ?? 0) + us)
  }
  const sorted = map => [...map].map(([name, us]) => ({ name, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms)
  return { totalMs: total / 1000, functions: sorted(functions), modules: sorted(modules) }
}

function shortUrl (url) {
  if (!url) return ''
  const at = url.indexOf('node_modules/')
  if (at !== -1) return url.slice(at + 'node_modules/'.length)
  if (url.startsWith('node:')) return url
  return path.relative(process.cwd(), new URL(url).pathname)
}

function moduleOf (url, functionName) {
  if (!url) return functionName === '(garbage collector)' ? '(gc)' : '(native/V8)'
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/')
  const at = url.indexOf('node_modules/')
  if (at !== -1) {
    const rest = url.slice(at + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const local = path.relative(process.cwd(), new URL(url).pathname)
  return local.split('/').slice(0, 2).join('/')
}
