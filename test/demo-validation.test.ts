/**
 * Every 400 of the demo: malformed and out-of-range query parameters are refused by the
 * routes' JSON schemas (after Fastify's type coercion) with a message naming the parameter.
 * The edges of each range are accepted.
 */
import { test } from 'tap'
import { buildApp } from '../demo/app.js'

const LONG_ID = 'x'.repeat(257)

// [url, what the message must say]
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['/api/monitor?intervalMs=5', 'querystring/intervalMs must be >= 100'],
  ['/api/monitor?intervalMs=99', 'querystring/intervalMs must be >= 100'],
  ['/api/monitor?intervalMs=60001', 'querystring/intervalMs must be <= 60000'],
  ['/api/monitor?intervalMs=abc', 'querystring/intervalMs must be integer'],
  ['/api/monitor?intervalMs=1.5', 'querystring/intervalMs must be integer'],
  ['/api/monitor?intervalMs=', 'querystring/intervalMs must be integer'],
  ['/api/monitor?intervalMs=100&intervalMs=200', 'querystring/intervalMs must be integer'],
  [`/api/monitor?lastEventId=${LONG_ID}`, 'querystring/lastEventId must NOT have more than 256 characters'],
  ['/api/users/feed?intervalMs=-1', 'querystring/intervalMs must be >= 0'],
  ['/api/users/feed?intervalMs=60001', 'querystring/intervalMs must be <= 60000'],
  ['/api/users/feed?intervalMs=soon', 'querystring/intervalMs must be integer'],
  ['/api/users/feed?count=0', 'querystring/count must be >= 1'],
  ['/api/users/feed?count=abc', 'querystring/count must be integer'],
  ['/api/users/feed?count=2.5', 'querystring/count must be integer'],
  ['/api/users/feed?count=10000001', 'querystring/count must be <= 10000000'],
  ['/api/users/feed?seed=-1', 'querystring/seed must be >= 0'],
  ['/api/users/feed?seed=2147483648', 'querystring/seed must be <= 2147483647'],
  ['/api/users/feed?seed=lucky', 'querystring/seed must be integer'],
  ['/api/users/feed?intervalMs=0', 'querystring/count is required when intervalMs is 0'],
  [`/api/users/feed?lastEventId=${LONG_ID}`, 'querystring/lastEventId must NOT have more than 256 characters'],
  ['/api/users/export?count=0', 'querystring/count must be >= 1'],
  ['/api/users/export?count=-5', 'querystring/count must be >= 1'],
  ['/api/users/export?count=abc', 'querystring/count must be integer'],
  ['/api/users/export?count=1e9', 'querystring/count must be <= 10000000'],
  ['/api/users/export?count=10000001', 'querystring/count must be <= 10000000'],
  ['/api/users/export?seed=-1', 'querystring/seed must be >= 0'],
  ['/api/users/export?seed=0x', 'querystring/seed must be integer']
]

// The edges of every range. Endless streams are checked with HEAD, which answers with the
// stream's head and no body once the query is valid.
const ACCEPTED: readonly string[] = [
  '/api/monitor?intervalMs=100',
  '/api/monitor?intervalMs=60000',
  '/api/users/feed?intervalMs=0&count=1',
  '/api/users/feed?intervalMs=60000',
  '/api/users/feed?count=10000000&seed=0',
  '/api/users/feed?seed=2147483647',
  '/api/users/export?count=10000000&seed=2147483647'
]

test('out-of-range and malformed query parameters get a 400 that says what is wrong', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const [url, message] of REFUSED) {
    const res = await app.inject({ url, headers: { accept: 'text/event-stream' } })
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/json/, url)
    t.match(res.json().message, message, url)
    t.notMatch(res.headers['content-type'], /event-stream/, `${url}: no stream was started`)
  }
  t.equal(app.streams.opened, 0, 'none of them opened a stream')
})

test('the edges of every range are accepted', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const url of ACCEPTED) {
    const res = await app.inject({ method: 'HEAD', url })
    t.equal(res.statusCode, 200, url)
  }
})
