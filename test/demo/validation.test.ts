/**
 * Every 400 of the demo: malformed and out-of-range query parameters are refused before a
 * stream starts, with a message naming the parameter. Integer parameters accept only plain
 * decimal digits within their bounds (checked on the raw string, before ajv's coercion could
 * read `0x10` as 16); the edges of each range are accepted.
 */
import { test } from 'tap'
import { buildApp } from '../../demo/app.js'

const LONG_ID = 'x'.repeat(257)

/** One integer query parameter of one route, and the bounds its 400 must state. */
interface IntegerParam {
  path: string
  name: string
  minimum: number
  maximum: number
  /** The rest of a query that is valid but for this parameter (a feed at 0 ms needs a count). */
  rest?: string
}

// Every integer query parameter of every route (chat and health have none), with the bounds
// written out here rather than imported, so a changed bound fails this test.
const INTEGER_PARAMS: readonly IntegerParam[] = [
  { path: '/api/monitor', name: 'intervalMs', minimum: 100, maximum: 60000 },
  { path: '/api/users/feed', name: 'intervalMs', minimum: 0, maximum: 60000, rest: 'count=1' },
  { path: '/api/users/feed', name: 'count', minimum: 1, maximum: 10000000 },
  { path: '/api/users/feed', name: 'seed', minimum: 0, maximum: 2147483647 },
  { path: '/api/users/export', name: 'count', minimum: 1, maximum: 10000000 },
  { path: '/api/users/export', name: 'seed', minimum: 0, maximum: 2147483647 },
  { path: '/api/live', name: 'feedIntervalMs', minimum: 20, maximum: 60000 }
]

// What Number(), and so ajv's coercion, reads as a number although it is no plain integer:
// hex, exponents, infinities, signs, padding, a decimal point, leading zeros, and two
// 5,000-digit values (one is 5 to Number(), the other Infinity-sized). Then plain junk.
const MALFORMED: readonly string[] = [
  '0x10', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '1e400', '1e3', '1E3',
  ' 5', '5 ', '+5', '-0', '-1', '1.0', '1.5', '.5', '5.', '05', '00', '1_000', '1,000',
  '0'.repeat(4999) + '5', '9'.repeat(5000), '', 'abc', '\u0665'
]

/** The raw bad values for one parameter: the malformed ones and its range's neighbours. */
function badValues ({ minimum, maximum }: IntegerParam): string[] {
  return [...MALFORMED, ...(minimum > 0 ? [String(minimum - 1)] : []), String(maximum + 1), String(maximum * 10)]
}

function urlOf (param: IntegerParam, query: string): string {
  return `${param.path}?${[param.rest, query].filter(part => part !== undefined).join('&')}`
}

// [url, what the message must say]: the checks that are not about one integer's spelling.
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  [`/api/monitor?lastEventId=${LONG_ID}`, 'querystring/lastEventId must NOT have more than 256 characters'],
  ['/api/users/feed?intervalMs=0', 'querystring/count is required when intervalMs is 0'],
  [`/api/users/feed?lastEventId=${LONG_ID}`, 'querystring/lastEventId must NOT have more than 256 characters'],
  [`/api/chat/stream?lastEventId=${LONG_ID}`, 'querystring/lastEventId must NOT have more than 256 characters'],
  [`/api/live?lastEventId=${LONG_ID}`, 'querystring/lastEventId must NOT have more than 256 characters'],
  ['/api/live?feed=paused', 'querystring/feed must be equal to one of the allowed values']
]

// Edges of several ranges at once. Endless streams are checked with HEAD, which answers with
// the stream's head and no body once the query is valid.
const ACCEPTED: readonly string[] = [
  '/api/users/feed?intervalMs=0&count=1',
  '/api/users/feed?count=10000000&seed=0',
  '/api/users/export?count=10000000&seed=2147483647',
  '/api/users/export?count=1&seed=0',
  '/api/live?feed=off',
  '/api/live?feed=on&feedIntervalMs=20'
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

test('every integer query parameter takes only plain digits within its bounds, and says so', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const param of INTEGER_PARAMS) {
    const message = `querystring/${param.name} must be an integer from ${param.minimum} to ${param.maximum}`
    const repeated = `${param.name}=${param.minimum}&${param.name}=${param.minimum}`
    const queries = [...badValues(param).map(value => `${param.name}=${encodeURIComponent(value)}`), repeated]
    for (const query of queries) {
      const url = urlOf(param, query)
      const label = `${param.path} ${query.slice(0, 40)}`
      // HEAD first: if a bad value slipped through, an endless stream would make a GET hang.
      const head = await app.inject({ method: 'HEAD', url })
      t.equal(head.statusCode, 400, `HEAD ${label}`)
      if (head.statusCode !== 400) continue
      const res = await app.inject({ url, headers: { accept: 'text/event-stream' } })
      t.equal(res.statusCode, 400, label)
      t.match(res.headers['content-type'], /^application\/json/, label)
      t.match(res.json(), { code: 'DEMO_QUERY_INTEGER', message }, label)
    }
  }
  t.equal(app.streams.opened, 0, 'none of them opened a stream')
})

test('the edges of every range are accepted', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const edges = INTEGER_PARAMS.flatMap(param => [param.minimum, param.maximum].map(value => urlOf(param, `${param.name}=${value}`)))
  for (const url of [...edges, ...ACCEPTED]) {
    const res = await app.inject({ method: 'HEAD', url })
    t.equal(res.statusCode, 200, url)
  }
})
