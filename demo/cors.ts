/**
 * CORS for the API, from `CORS_ORIGIN`: nothing is allowed cross-origin unless listed, `*`
 * never goes with credentials, and `Last-Event-ID` may be sent, so fetch-based SSE clients
 * on another origin can resume.
 */
import type { FastifyCorsOptions } from '@fastify/cors'

// Headers a cross-origin client may send: Last-Event-ID for resume, Content-Type for the
// chat's JSON posts, Cache-Control because some EventSource polyfills add it.
const ALLOWED_HEADERS = ['Accept', 'Content-Type', 'Last-Event-ID', 'Cache-Control']
// Preflight answers are cached this long (seconds); Chromium caps it at 7200.
const PREFLIGHT_MAX_AGE = 600

/**
 * `@fastify/cors` options for `origins` (from {@link parseCorsOrigins}).
 *
 * - `[]`: every cross-origin request gets no CORS headers (browsers refuse it) and a
 *   preflight gets 404.
 * - `['*']`: any origin, without credentials (the Fetch standard forbids `*` with them).
 * - exact origins: the request's origin is echoed when listed, with credentials, so
 *   `new EventSource(url, { withCredentials: true })` works from those sites.
 */
export function corsOptions (origins: readonly string[]): FastifyCorsOptions {
  const common = {
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['Content-Disposition'],
    maxAge: PREFLIGHT_MAX_AGE
  }
  if (origins.length === 1 && origins[0] === '*') return { ...common, origin: '*', credentials: false }
  const allowed = new Set(origins)
  return {
    ...common,
    // A function, not the list: for a refused origin it disables CORS entirely, so no
    // Allow-Credentials or Allow-Methods header leaks to a site that may not use them.
    origin: (origin, callback) => { callback(null, origin !== undefined && allowed.has(origin) ? origin : false) },
    credentials: allowed.size > 0
  }
}
