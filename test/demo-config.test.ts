/**
 * The demo's environment variables and the start-up banner.
 */
import { test } from 'tap'
import { ROUTE_GUIDE, baseUrlFor, formatBanner } from '../demo/banner.js'
import { DEFAULT_CONFIG, loadConfig } from '../demo/config.js'

test('an empty environment gives the documented defaults', async t => {
  t.same(loadConfig({}), {
    host: '127.0.0.1',
    port: 3000,
    corsOrigins: [],
    logLevel: 'info',
    maxStreams: 10000,
    maxStreamsPerClient: 32,
    retryMs: 1000,
    heartbeatMs: 15000,
    redisUrl: undefined
  })
  t.same(loadConfig({}), DEFAULT_CONFIG)
  t.same(loadConfig({ PORT: ' ', HOST: '' }), DEFAULT_CONFIG, 'blank values count as unset')
})

test('every variable is read', async t => {
  t.same(loadConfig({
    HOST: '0.0.0.0',
    PORT: '0',
    CORS_ORIGIN: 'https://a.example',
    LOG_LEVEL: 'warn',
    MAX_STREAMS: '50000',
    MAX_STREAMS_PER_CLIENT: '1000000',
    SSE_RETRY_MS: '0',
    HEARTBEAT_MS: '30000',
    REDIS_URL: 'redis://127.0.0.1:6379'
  }), {
    host: '0.0.0.0',
    port: 0,
    corsOrigins: ['https://a.example'],
    logLevel: 'warn',
    maxStreams: 50000,
    maxStreamsPerClient: 1000000,
    retryMs: 0,
    heartbeatMs: 30000,
    redisUrl: 'redis://127.0.0.1:6379'
  })
})

test('MAX_STREAMS_PER_CLIENT takes the edges of its range, and blank means the default', async t => {
  t.equal(loadConfig({ MAX_STREAMS_PER_CLIENT: '1' }).maxStreamsPerClient, 1)
  t.equal(loadConfig({ MAX_STREAMS_PER_CLIENT: '1000000' }).maxStreamsPerClient, 1000000)
  t.equal(loadConfig({ MAX_STREAMS_PER_CLIENT: ' 8 ' }).maxStreamsPerClient, 8, 'trimmed, like every variable')
  t.equal(loadConfig({ MAX_STREAMS_PER_CLIENT: ' ' }).maxStreamsPerClient, 32)
})

test('a bad value names the variable and what it must be', async t => {
  t.throws(() => loadConfig({ PORT: 'http' }), { message: 'demo config: PORT must be an integer from 0 to 65535' })
  t.throws(() => loadConfig({ PORT: '65536' }), /PORT must be an integer from 0 to 65535/)
  t.throws(() => loadConfig({ PORT: '-1' }), /PORT must be/)
  t.throws(() => loadConfig({ PORT: '80.5' }), /PORT must be/)
  t.throws(() => loadConfig({ MAX_STREAMS: '0' }), /MAX_STREAMS must be an integer from 1 to 1000000/)
  for (const value of ['0', '1000001', '-1', '1.5', '1e3', '0x20', 'Infinity', 'many']) {
    t.throws(() => loadConfig({ MAX_STREAMS_PER_CLIENT: value }), { message: 'demo config: MAX_STREAMS_PER_CLIENT must be an integer from 1 to 1000000' }, value)
  }
  t.throws(() => loadConfig({ SSE_RETRY_MS: 'soon' }), /SSE_RETRY_MS must be/)
  t.throws(() => loadConfig({ HEARTBEAT_MS: '1e3' }), /HEARTBEAT_MS must be/)
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/)
  t.throws(() => loadConfig({ CORS_ORIGIN: 'https://a.example/' }), /CORS_ORIGIN must be exact origins/)
})

test('the banner shows the URL, the stream limits and a curl line for every route', async t => {
  const banner = formatBanner('http://127.0.0.1:3000', { maxStreams: 500, maxStreamsPerClient: 7 })
  t.match(banner, 'fastify-stream demo is running at http://127.0.0.1:3000/')
  t.match(banner, 'Streams: at most 500 open (MAX_STREAMS), 7 per client (MAX_STREAMS_PER_CLIENT)')
  for (const route of ROUTE_GUIDE) {
    t.match(banner, `${route.method} ${route.path}`, route.path)
    t.match(banner, `curl ${route.curlArgs} 'http://127.0.0.1:3000${route.path}'`, `curl line for ${route.path}`)
  }
  for (const path of ['/health', '/api/monitor', '/api/users/feed', '/api/users/export', '/']) {
    t.ok(ROUTE_GUIDE.some(route => route.path.split('?')[0] === path), `${path} is in the guide`)
  }
})

test('the printed URL is one a browser can open', async t => {
  t.equal(baseUrlFor('127.0.0.1', 3000), 'http://127.0.0.1:3000')
  t.equal(baseUrlFor('0.0.0.0', 8080), 'http://localhost:8080')
  t.equal(baseUrlFor('::', 8080), 'http://localhost:8080')
  t.equal(baseUrlFor('::1', 3000), 'http://[::1]:3000')
  t.equal(baseUrlFor('demo.internal', 80), 'http://demo.internal:80')
})
