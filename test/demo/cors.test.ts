/**
 * CORS from CORS_ORIGIN: refused when unset, exact origins echoed with credentials, `*`
 * never with credentials, and Last-Event-ID allowed in a preflight so fetch-based SSE
 * clients on another origin can resume.
 */
import { test } from 'tap'
import { buildApp } from '../../demo/app.js'
import { parseCorsOrigins } from '../../demo/config.js'

const APP_ORIGIN = 'https://app.example'
const EVIL_ORIGIN = 'https://evil.example'
const FEED = '/api/users/feed?intervalMs=0&count=1'

function preflight (origin: string): { method: 'OPTIONS', url: string, headers: Record<string, string> } {
  return {
    method: 'OPTIONS',
    url: FEED,
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' }
  }
}

test('with CORS_ORIGIN unset, cross-origin requests get no CORS headers and preflights fail', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject({ url: FEED, headers: { origin: APP_ORIGIN, accept: 'text/event-stream' } })
  t.equal(res.statusCode, 200, 'the server answers; the browser keeps the body from the page')
  t.equal(res.headers['access-control-allow-origin'], undefined)
  t.equal(res.headers['access-control-allow-credentials'], undefined)
  const pre = await app.inject(preflight(APP_ORIGIN))
  t.equal(pre.statusCode, 404)
  t.equal(pre.headers['access-control-allow-origin'], undefined)
  t.equal(pre.headers['access-control-allow-headers'], undefined)
})

test('a listed origin is echoed with credentials, on JSON and on streams', async t => {
  const app = await buildApp({ logLevel: 'silent', corsOrigins: [APP_ORIGIN, 'http://localhost:5173'] })
  t.teardown(() => app.close())
  for (const url of ['/health', FEED, '/api/users/export?count=1']) {
    const res = await app.inject({ url, headers: { origin: APP_ORIGIN, accept: 'text/event-stream, text/csv' } })
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['access-control-allow-origin'], APP_ORIGIN, url)
    t.equal(res.headers['access-control-allow-credentials'], 'true', url)
    t.match(res.headers.vary, /Origin/, `${url}: caches key on Origin`)
  }
  const stream = await app.inject({ url: FEED, headers: { origin: APP_ORIGIN, accept: 'text/event-stream' } })
  t.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8', 'the stream kept its own headers too')
  const download = await app.inject({ url: '/api/users/export?count=1', headers: { origin: APP_ORIGIN } })
  t.match(download.headers['access-control-expose-headers'], /Content-Disposition/, 'a page can read the file name')
})

test('an unlisted origin gets nothing, not even Allow-Credentials', async t => {
  const app = await buildApp({ logLevel: 'silent', corsOrigins: [APP_ORIGIN] })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/health', headers: { origin: EVIL_ORIGIN } })
  t.equal(res.headers['access-control-allow-origin'], undefined)
  t.equal(res.headers['access-control-allow-credentials'], undefined)
  const pre = await app.inject(preflight(EVIL_ORIGIN))
  t.equal(pre.statusCode, 404)
  t.equal(pre.headers['access-control-allow-origin'], undefined)
  const lookalike = await app.inject({ url: '/health', headers: { origin: `${APP_ORIGIN}.evil.example` } })
  t.equal(lookalike.headers['access-control-allow-origin'], undefined, 'origins match exactly, not by prefix')
})

test('a preflight from a listed origin allows Last-Event-ID', async t => {
  const app = await buildApp({ logLevel: 'silent', corsOrigins: [APP_ORIGIN] })
  t.teardown(() => app.close())
  const pre = await app.inject(preflight(APP_ORIGIN))
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-origin'], APP_ORIGIN)
  t.equal(pre.headers['access-control-allow-credentials'], 'true')
  const allowed = String(pre.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/)
  t.ok(allowed.includes('last-event-id'), `allowed headers: ${allowed.join(', ')}`)
  t.match(pre.headers['access-control-allow-methods'], /GET/)
  t.equal(pre.headers['access-control-max-age'], '600')

  const resumed = await app.inject({ url: '/api/users/feed?intervalMs=0&count=3', headers: { origin: APP_ORIGIN, accept: 'text/event-stream', 'last-event-id': '2' } })
  t.match(resumed.body, /id: 3\n/)
  t.notMatch(resumed.body, /id: [12]\n/, 'the cross-origin resume continued after 2')
})

test('CORS_ORIGIN=* allows any origin and never sends credentials', async t => {
  const app = await buildApp({ logLevel: 'silent', corsOrigins: ['*'] })
  t.teardown(() => app.close())
  const res = await app.inject({ url: FEED, headers: { origin: EVIL_ORIGIN, accept: 'text/event-stream' } })
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers['access-control-allow-credentials'], undefined)
  const pre = await app.inject(preflight(EVIL_ORIGIN))
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-origin'], '*')
  t.equal(pre.headers['access-control-allow-credentials'], undefined)
  t.match(String(pre.headers['access-control-allow-headers']).toLowerCase(), 'last-event-id')
})

test('CORS_ORIGIN is parsed strictly', async t => {
  t.same(parseCorsOrigins(undefined), [])
  t.same(parseCorsOrigins(' '), [])
  t.same(parseCorsOrigins(' https://a.example , http://localhost:5173 '), ['https://a.example', 'http://localhost:5173'])
  t.same(parseCorsOrigins('*'), ['*'])
  t.throws(() => parseCorsOrigins('*,https://a.example'), /CORS_ORIGIN must be either \* alone or a list of origins/)
  t.throws(() => parseCorsOrigins('https://a.example/'), /CORS_ORIGIN must be exact origins/, 'a trailing slash never matches')
  t.throws(() => parseCorsOrigins('https://a.example/app'), /exact origins/)
  t.throws(() => parseCorsOrigins('a.example'), /exact origins/)
  t.throws(() => parseCorsOrigins('ftp://a.example'), /exact origins/)
})
