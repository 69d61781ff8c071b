/**
 * Checks at run time that a scenario's subject exists (the demo's routes, the hub), so a
 * scenario written ahead of its feature reports "not available yet" instead of crashing.
 */
import { NotAvailable } from './not-available.mjs'

const CHECK_TIMEOUT_MS = 5000

/**
 * Starts the demo and its hand-written twin, and checks that each route in `paths` answers
 * 200 on the demo.
 * @param {ReturnType<import('./context.mjs').createContext>} ctx
 * @param {string[]} paths e.g. `['/api/users/feed?count=1&intervalMs=0']`, checked with
 *   `Accept: *\/*` as a browser or curl would send.
 * @returns {Promise<{ ours: object, base: object }>}
 * @throws NotAvailable naming what is missing.
 */
export async function startDemoPair (ctx, paths) {
  const ours = await ctx.startServer('demo')
  if (ours.info.unavailable !== undefined) throw new NotAvailable(ours.info.unavailable)
  for (const path of paths) {
    const problem = await checkRoute(ours.url(path))
    if (problem !== null) throw new NotAvailable(`the demo's ${path.split('?')[0]} ${problem}`)
  }
  const base = await ctx.startServer('demo-baseline')
  if (base.info.unavailable !== undefined) throw new NotAvailable(base.info.unavailable)
  return { ours, base }
}

/**
 * GETs `url` and returns null when it answers 200, else what went wrong. Only the head is
 * awaited, so endless streams can be checked too.
 * @param {string} url
 * @returns {Promise<string | null>}
 */
export async function checkRoute (url) {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), CHECK_TIMEOUT_MS)
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { accept: '*/*' } })
    return res.status === 200 ? null : `answers ${res.status}`
  } catch (err) {
    return `does not answer (${err.message})`
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}
