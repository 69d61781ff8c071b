/**
 * The demo's environment variables and the start-up banner; a bad value ends the real
 * server process with one line naming the variable.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { ROUTE_GUIDE, baseUrlFor, formatBanner } from '../../demo/banner.js'
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../demo/config.js'
import { describeHub, redactRedisUrl } from '../../demo/hub.js'

const SERVER = fileURLToPath(new URL('../../dist/demo/server.js', import.meta.url))
const REDIS_URL_FORM = 'demo config: REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379'

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
  t.throws(() => loadConfig({ PORT: 'x' }), ConfigError, 'a ConfigError, which the server prints without a stack')
})

test('REDIS_URL takes redis:// and rediss:// URLs with a host, and never repeats a bad value', async t => {
  for (const value of ['redis://127.0.0.1:6379', 'rediss://user:pw@cache.example:6380/2', 'redis://localhost']) {
    t.equal(loadConfig({ REDIS_URL: ` ${value} ` }).redisUrl, value, value)
  }
  for (const value of ['foo', 'http://x', 'redis://', 'redis://:secret@/0', 'redis://host:99999', '127.0.0.1:6379']) {
    t.throws(() => loadConfig({ REDIS_URL: value }), { name: 'ConfigError', message: REDIS_URL_FORM }, value)
  }
})

test('the hub is described without credentials', async t => {
  t.same(describeHub({ redisUrl: undefined }), { adapter: 'memory' })
  t.same(describeHub({ redisUrl: 'redis://default:s3cret@127.0.0.1:6379/0' }), { adapter: 'redis', address: 'redis://127.0.0.1:6379/0' })
  t.equal(redactRedisUrl('rediss://:s3cret@cache.example:6380/2?password=s3cret#x'), 'rediss://cache.example:6380/2', 'query and fragment go too')
  t.equal(redactRedisUrl('redis://[::1]:6379'), 'redis://[::1]:6379')
  t.equal(redactRedisUrl('redis://localhost'), 'redis://localhost')
})

test('the banner shows the URL, the stream limits, the hub and a curl line for every route', async t => {
  const banner = formatBanner('http://127.0.0.1:3000', { maxStreams: 500, maxStreamsPerClient: 7, redisUrl: undefined })
  t.match(banner, 'fastify-stream demo is running at http://127.0.0.1:3000/')
  t.match(banner, 'Streams: at most 500 open (MAX_STREAMS), 7 per client (MAX_STREAMS_PER_CLIENT)')
  t.match(banner, '\n  Hub: memory, in this process (set REDIS_URL to share it between instances)\n')
  for (const route of ROUTE_GUIDE) {
    t.match(banner, `${route.method} ${route.path}`, route.path)
    t.match(banner, `curl ${route.curlArgs} 'http://127.0.0.1:3000${route.path}'`, `curl line for ${route.path}`)
  }
  for (const path of ['/health', '/metrics', '/api/live', '/api/monitor', '/api/users/feed', '/api/users/export', '/api/chat/stream', '/']) {
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

test('the banner names the Redis hub by its address, without the password', async t => {
  const banner = formatBanner('http://127.0.0.1:3000', { maxStreams: 500, maxStreamsPerClient: 7, redisUrl: 'redis://default:s3cret@10.0.0.5:6379/0' })
  t.match(banner, '\n  Hub: redis at redis://10.0.0.5:6379/0 (REDIS_URL)\n')
  t.notMatch(banner, 's3cret')
})

/** Runs the built server with `env` and resolves once it exits. */
async function runServer (env: Record<string, string>): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, stdout, stderr }
}

test('every configuration error ends the server with one line naming the variable, no stack', async t => {
  // A port that is taken, and an address that is on no interface (TEST-NET-1, RFC 5737).
  const taken = createServer()
  await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const takenPort = (taken.address() as { port: number }).port
  const cases: Array<[string, Record<string, string>, string | RegExp]> = [
    ['a bad PORT', { PORT: 'http' }, 'demo config: PORT must be an integer from 0 to 65535'],
    ['a bad LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^demo config: LOG_LEVEL must be one of /],
    ['REDIS_URL that is no URL', { REDIS_URL: 'foo' }, REDIS_URL_FORM],
    ['REDIS_URL of another scheme', { REDIS_URL: 'http://x' }, REDIS_URL_FORM],
    ['REDIS_URL where nothing listens', { REDIS_URL: 'redis://default:s3cret@127.0.0.1:1/0' },
      'demo config: REDIS_URL: could not connect to Redis at 127.0.0.1:1 within 10 s; start Redis there, or unset REDIS_URL for the in-memory hub'],
    ['a PORT in use', { PORT: String(takenPort) }, new RegExp(`^demo config: PORT ${takenPort} is in use \\(127\\.0\\.0\\.1:${takenPort}: .*EADDRINUSE.*\\); set PORT to a free port, or 0 for any$`)],
    ['a HOST of no interface here', { HOST: '192.0.2.1' }, /^demo config: HOST 192\.0\.2\.1 cannot be listened on \(192\.0\.2\.1:0: .*EADDRNOTAVAIL.*\); set HOST to an address of this machine/]
  ]
  // In parallel: the unreachable Redis takes the full connect timeout.
  const results = await Promise.all(cases.map(([, env]) => runServer(env)))
  cases.forEach(([what, , expected], i) => {
    const { code, stdout, stderr } = results[i]!
    t.equal(code, 1, `${what}: exit code 1`)
    t.equal(stdout, '', `${what}: no banner`)
    t.ok(stderr.endsWith('\n') && stderr.indexOf('\n') === stderr.length - 1, `${what}: exactly one line (${JSON.stringify(stderr)})`)
    t.notMatch(stderr, /^ {4}at /m, `${what}: no stack trace`)
    t.notMatch(stderr, 's3cret', `${what}: no password`)
    const line = stderr.trimEnd()
    if (typeof expected === 'string') t.equal(line, expected, what)
    else t.match(line, expected, what)
  })
})
