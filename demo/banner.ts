/**
 * What the server prints once it listens: where the dashboard is, the stream limits, the
 * hub, and every route with a curl line that can be pasted as it is.
 */
import type { DemoConfig } from './config.js'
import { describeHub } from './hub.js'

/** One route as the banner and docs/demo.md describe it. */
export interface RouteGuide {
  method: string
  path: string
  summary: string
  /** Extra curl arguments before the URL (e.g. an Accept header). */
  curlArgs: string
}

/** The demo's routes, in the order a newcomer would try them. */
export const ROUTE_GUIDE: readonly RouteGuide[] = [
  { method: 'GET', path: '/', summary: 'the live dashboard (open it in a browser)', curlArgs: '-s' },
  { method: 'GET', path: '/health', summary: 'status, uptime, open streams and the hub', curlArgs: '-s' },
  { method: 'GET', path: '/metrics', summary: 'Prometheus metrics: streams, hub and process', curlArgs: '-s' },
  { method: 'GET', path: '/api/live', summary: "the dashboard's one stream: metrics, users and chat as event types", curlArgs: '-N' },
  { method: 'GET', path: '/api/monitor?intervalMs=1000', summary: 'process and system metrics, SSE or NDJSON', curlArgs: "-N -H 'Accept: text/event-stream'" },
  { method: 'GET', path: '/api/users/feed?intervalMs=1000', summary: 'fake users, one per interval, resumable', curlArgs: "-N -H 'Accept: text/event-stream'" },
  { method: 'GET', path: '/api/users/feed?intervalMs=0&count=5&seed=7', summary: 'five users as NDJSON, as fast as you read', curlArgs: '-N' },
  { method: 'GET', path: '/api/users/export?count=1000000', summary: 'a million users as CSV, streamed', curlArgs: '-o users.csv' },
  { method: 'GET', path: '/api/chat/stream', summary: 'the chat, live and resumable (broadcast hub)', curlArgs: "-N -H 'Accept: text/event-stream'" },
  { method: 'POST', path: '/api/chat', summary: 'post a chat message', curlArgs: '-H \'content-type: application/json\' -d \'{"name":"ada","text":"hello"}\'' }
]

/**
 * What the banner states of the configuration: the limits, so whoever load-tests the demo
 * knows which 503 or 429 to expect, and the hub, so whoever runs two instances sees whether
 * they share a chat.
 */
export type BannerConfig = Pick<DemoConfig, 'maxStreams' | 'maxStreamsPerClient' | 'redisUrl'>

/** The banner for a server listening at `baseUrl` (no trailing slash) with `config`. */
export function formatBanner (baseUrl: string, config: BannerConfig): string {
  const lines = [
    '',
    `  fastify-stream demo is running at ${baseUrl}/`,
    `  Streams: at most ${config.maxStreams} open (MAX_STREAMS), ${config.maxStreamsPerClient} per client (MAX_STREAMS_PER_CLIENT)`,
    `  Hub: ${hubLine(config)}`,
    '',
    '  Routes:'
  ]
  // Pad "METHOD /path" as one piece: POST is one letter longer than GET.
  const heads = ROUTE_GUIDE.map(route => `${route.method} ${route.path}`)
  const width = Math.max(...heads.map(head => head.length))
  ROUTE_GUIDE.forEach((route, i) => {
    lines.push(`    ${(heads[i] as string).padEnd(width)}  ${route.summary}`)
    lines.push(`        curl ${route.curlArgs} '${baseUrl}${route.path}'`)
  })
  lines.push('', '  Press Ctrl+C to stop.', '')
  return lines.join('\n') + '\n'
}

/**
 * The URL to print for a listening address: an unspecified host (0.0.0.0, ::) is shown as
 * localhost, since nobody can browse to 0.0.0.0, and IPv6 literals get brackets.
 */
export function baseUrlFor (host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://localhost:${port}`
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`
}

// The address comes without credentials: the banner ends up in terminals and CI logs.
function hubLine (config: BannerConfig): string {
  const hub = describeHub(config)
  if (hub.adapter === 'memory') return 'memory, in this process (set REDIS_URL to share it between instances)'
  return `redis at ${hub.address} (REDIS_URL)`
}
