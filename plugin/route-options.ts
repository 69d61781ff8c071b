/**
 * Per-call options, resolved once per route: a route passes the same few literals on every
 * request, so they are validated on first use and the result is cached on the route (its
 * config object, which Fastify keeps for the route's life). A request whose options differ
 * from the route's last ones (say, heartbeatMs taken from a query) is validated again.
 */
import { mergeCallOptions, type ReplyStreamOptions, type ResolvedOptions } from './options.js'

/** The cache of one plugin instance: route config → the last options seen and their result. */
export type RouteOptionsCache = WeakMap<object, { raw: ReplyStreamOptions, resolved: ResolvedOptions }>

/**
 * The options for one `reply.stream()` call on the route whose config is `route`.
 * @throws FST_STREAM_INVALID_OPTION naming the option and how to fix it.
 */
export function resolveCallOptions (cache: RouteOptionsCache, defaults: ResolvedOptions, route: object, options: ReplyStreamOptions): ResolvedOptions {
  const cached = cache.get(route)
  if (cached !== undefined && (cached.raw === options || sameOptions(cached.raw, options))) return cached.resolved
  const resolved = mergeCallOptions(defaults, options)
  cache.set(route, { raw: options, resolved })
  return resolved
}

// Shallow: literals compare by value, arrays (formats, columns) element by element,
// functions (a serializer) by identity.
function sameOptions (a: ReplyStreamOptions, b: ReplyStreamOptions): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    const x = (a as Record<string, unknown>)[key]
    const y = (b as Record<string, unknown>)[key]
    if (x === y) continue
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.some((item, i) => item !== y[i])) return false
  }
  return true
}
