// S30/S31: the resume cursor from Last-Event-ID (latin1 in Node, so re-decoded as UTF-8) or
// the query fallback; always untrusted.
import Fastify from 'fastify'
import t from 'tap'
import { INVALID_LAST_EVENT_ID, resolveLastEventId } from '../../lib/http/last-event-id.js'
import fastifyStream from '../../plugin/index.js'

/** What Node hands us for a header whose bytes are the UTF-8 of `text`. */
function asNodeHeader (text: string): string {
  return Buffer.from(text).toString('latin1')
}

function fromBytes (bytes: number[]): string {
  return Buffer.from(bytes).toString('latin1')
}

t.test('S30 header, query, and which wins', async t => {
  t.equal(resolveLastEventId('41', undefined, 256), '41', 'header')
  t.equal(resolveLastEventId(undefined, '40', 256), '40', 'query fallback')
  t.equal(resolveLastEventId('41', '40', 256), '41', 'the header wins over the query')
  t.equal(resolveLastEventId('', '40', 256), '40', 'an empty header is absent')
  t.equal(resolveLastEventId(undefined, undefined, 256), undefined, 'neither')
  t.equal(resolveLastEventId('0', undefined, 256), '0', "'0' is a cursor")
  t.equal(resolveLastEventId(' 7 ', undefined, 256), ' 7 ', 'spaces are part of an id')
  // An EventSource keeps its first URL, so a stale ?lastEventId= rides along on every reconnect:
  // a rejected header must not let that stale value through.
  t.equal(resolveLastEventId('a\nb', '40', 256), INVALID_LAST_EVENT_ID, 'a rejected header does not fall back to the query')
  t.equal(resolveLastEventId('x'.repeat(300), '40', 256), INVALID_LAST_EVENT_ID, 'nor does an over-long one')
})

t.test('S31 UTF-8 bytes arriving as latin1 are re-decoded', async t => {
  t.equal(resolveLastEventId(fromBytes([0xc3, 0xa9]), undefined, 256), 'é', 'C3 A9 → é, not Ã©')
  t.equal(resolveLastEventId(asNodeHeader('é'), undefined, 256), 'é')
  t.equal(resolveLastEventId(asNodeHeader('id-✓-\u{1F600}'), undefined, 256), 'id-✓-\u{1F600}', '3- and 4-byte sequences')
  t.equal(resolveLastEventId(asNodeHeader('éé'), undefined, 2), 'éé', 'the cap counts decoded characters')
  t.equal(resolveLastEventId('plain-ascii', undefined, 256), 'plain-ascii')
  t.equal(resolveLastEventId('é', 'q', 256), INVALID_LAST_EVENT_ID, 'a latin1 byte E9 alone is not UTF-8')
})

t.test('invalid UTF-8 → INVALID_LAST_EVENT_ID', async t => {
  const invalid: Array<[string, number[]]> = [
    ['FF FE', [0xff, 0xfe]],
    ['lone continuation byte', [0x41, 0x80]],
    ['truncated sequence', [0x31, 0xc3]],
    ['overlong "/"', [0xc0, 0xaf]],
    ['encoded surrogate', [0xed, 0xa0, 0x80]]
  ]
  for (const [name, bytes] of invalid) {
    t.equal(resolveLastEventId(fromBytes(bytes), undefined, 256), INVALID_LAST_EVENT_ID, name)
  }
})

t.test('length cap', async t => {
  t.equal(resolveLastEventId('x'.repeat(256), undefined, 256), 'x'.repeat(256), 'at the cap')
  t.equal(resolveLastEventId('x'.repeat(257), undefined, 256), INVALID_LAST_EVENT_ID, 'over the cap (header)')
  t.equal(resolveLastEventId(undefined, 'x'.repeat(5), 4), INVALID_LAST_EVENT_ID, 'over the cap (query)')
  t.equal(resolveLastEventId(undefined, 'x'.repeat(4), 4), 'xxxx', 'query at the cap')
})

t.test('CR, LF and NUL → INVALID_LAST_EVENT_ID', async t => {
  for (const bad of ['a\rb', 'a\nb', 'a\0b', '\r\n', '\0']) {
    t.equal(resolveLastEventId(bad, undefined, 256), INVALID_LAST_EVENT_ID, `header ${JSON.stringify(bad)}`)
    t.equal(resolveLastEventId(undefined, bad, 256), INVALID_LAST_EVENT_ID, `query ${JSON.stringify(bad)}`)
  }
  t.equal(resolveLastEventId(asNodeHeader('é\n'), undefined, 256), INVALID_LAST_EVENT_ID, 'also after re-decoding')
})

t.test('empty values and non-strings are absent; a repeated query parameter is unusable', async t => {
  t.equal(resolveLastEventId(undefined, '', 256), undefined, 'empty query')
  t.equal(resolveLastEventId('', '', 256), undefined, 'both empty')
  t.equal(resolveLastEventId(['1', '2'], undefined, 256), undefined, 'header array')
  t.equal(resolveLastEventId(['1'], '5', 256), '5', 'a header array falls through to the query')
  t.equal(resolveLastEventId(undefined, ['1', '2'], 256), INVALID_LAST_EVENT_ID, 'query array (?lastEventId=1&lastEventId=2)')
  t.equal(resolveLastEventId(undefined, 5, 256), undefined, 'non-string query')
  t.equal(resolveLastEventId(undefined, { a: '1' }, 256), undefined, 'object query')
})

t.test('request.lastEventId through the plugin', async t => {
  async function build (options: Parameters<typeof fastifyStream>[1] = {}): Promise<ReturnType<typeof Fastify>> {
    const app = Fastify()
    await app.register(fastifyStream, options)
    app.get('/', async request => ({ id: request.lastEventId ?? null }))
    await app.ready()
    t.teardown(() => app.close())
    return app
  }
  async function idOf (app: ReturnType<typeof Fastify>, url: string, header?: string): Promise<unknown> {
    const headers = header === undefined ? {} : { 'last-event-id': header }
    const res = await app.inject({ method: 'GET', url, headers })
    return res.json().id
  }

  const app = await build()
  t.equal(await idOf(app, '/', '41'), '41', 'header')
  t.equal(await idOf(app, '/', asNodeHeader('é')), 'é', 'S31 through Node')
  t.equal(await idOf(app, '/?lastEventId=40'), '40', 'query fallback')
  t.equal(await idOf(app, '/?lastEventId=%C3%A9'), 'é', 'query is already UTF-8')
  t.equal(await idOf(app, '/?lastEventId=40', '41'), '41', 'header wins')
  t.equal(await idOf(app, '/?lastEventId=1&lastEventId=2'), INVALID_LAST_EVENT_ID, 'repeated query parameter: unusable')
  t.equal(await idOf(app, '/'), null, 'absent')
  t.equal(await idOf(app, '/', 'x'.repeat(257)), INVALID_LAST_EVENT_ID, 'over the default cap of 256')
  t.equal(await idOf(app, '/', 'x'.repeat(256)), 'x'.repeat(256), 'at the default cap')

  const custom = await build({ lastEventIdQuery: 'since', maxLastEventIdLength: 3 })
  t.equal(await idOf(custom, '/?since=12'), '12', 'custom query name')
  t.equal(await idOf(custom, '/?lastEventId=12'), null, 'the default name is no longer read')
  t.equal(await idOf(custom, '/', '1234'), INVALID_LAST_EVENT_ID, 'custom cap')

  const noQuery = await build({ lastEventIdQuery: false })
  t.equal(await idOf(noQuery, '/?lastEventId=12'), null, 'query fallback disabled')
  t.equal(await idOf(noQuery, '/', '12'), '12', 'header still read')
})
