// Regression tests for bugs found while writing the encoder and negotiation tests; each test
// is named after what broke.
import Fastify from 'fastify'
import t from 'tap'
import { createCsvEncoder } from '../../lib/framing/csv-encoder.js'
import { negotiateFormat } from '../../lib/http/negotiate.js'
import { createSseEncoder } from '../../lib/framing/sse-encoder.js'
import fastifyStream from '../../plugin/index.js'
import { streamResponse } from '../../lib/http/stream-response.js'
import http from 'node:http'
import { once } from 'node:events'

function codeOf (fn: () => unknown): { code: string | undefined, message: string } | undefined {
  try {
    fn()
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message }
  }
  return undefined
}

t.test('CSV: a cell with no text form fails with a FST_STREAM_* code, not a raw V8 error', async t => {
  const cycle: Record<string, unknown> = { secretField: 1 }
  cycle.selfLink = cycle
  const cases: Array<[string, unknown]> = [
    ['a nested cycle', { a: { inner: cycle } }],
    ['a nested BigInt', { a: { big: 1n } }],
    ['an invalid Date', { a: new Date('not a date') }]
  ]
  for (const [name, item] of cases) {
    const failure = codeOf(() => createCsvEncoder({ columns: ['a'] }).encode(item))
    t.equal(failure?.code, 'FST_STREAM_UNSERIALIZABLE', `${name}: coded like NDJSON does`)
    t.notMatch(failure?.message ?? '', /selfLink|secretField/, `${name}: no property names in the message`)
  }
})

t.test('CSV: a cycle in the first item does not send V8\'s message (with property names) in the 500 body', async t => {
  const cycle: Record<string, unknown> = { secretField: 1 }
  cycle.selfLink = cycle
  const app = Fastify()
  await app.register(fastifyStream)
  app.get('/', (_request, reply) => reply.stream([{ a: { inner: cycle } }], { format: 'csv' }))
  t.teardown(() => app.close())
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FST_STREAM_UNSERIALIZABLE', 'a code that names the problem')
  t.notMatch(res.body, /selfLink|constructor 'Object'/, 'no internals in the response body')
})

t.test('negotiate: wildcard ties follow the route\'s order of preference, not a fixed table', async t => {
  // JSDoc: "offered: the formats the route offers, in its order of preference". The fallback
  // (ndjson) is not in the text/* tie, so the route's order (csv before sse) must decide.
  t.equal(negotiateFormat('text/*', ['ndjson', 'csv', 'sse'], 'ndjson', false), 'csv')
  const app = Fastify()
  await app.register(fastifyStream)
  app.get('/', (_request, reply) => reply.stream([[1]], { formats: ['ndjson', 'csv', 'sse'] }))
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/', headers: { accept: 'text/*' } })
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
})

t.test('negotiate: a malformed range like */json is skipped, not read as */*', async t => {
  // RFC 9110 §12.5.1: media-range = "*/*" / ( type "/*" ) / ( type "/" subtype ).
  t.equal(negotiateFormat('*/json', ['sse'], 'sse', true), null)
  t.equal(negotiateFormat('*/csv', ['sse', 'csv'], 'sse', true), null)
})

t.test('core SSE encoder: an empty endEvent or errorEvent is rejected', async t => {
  // `event: ` with an empty value dispatches as a plain `message` (§9.2.6), so the end and
  // error events would look like ordinary data. The plugin's options already refuse ''.
  t.equal(codeOf(() => createSseEncoder({ endEvent: '' }))?.code, 'FST_STREAM_INVALID_EVENT', 'endEvent')
  t.equal(codeOf(() => createSseEncoder({ errorEvent: '' }))?.code, 'FST_STREAM_INVALID_EVENT', 'errorEvent')
})

t.test('CSV: a header derived after positional rows is not written mid-file', async t => {
  const encoder = createCsvEncoder()
  const text = encoder.preamble() + encoder.encode([1, 2]) + encoder.encode({ b: 'x', a: 'y' }) + encoder.encode({ a: 'z', b: 'w' })
  t.equal(text, '1,2\r\nx,y\r\nw,z\r\n', 'later objects follow the first object\'s key order, with no header row')
})

t.test('core: a source that throws null before its first item gets a 500, not a crash', async t => {
  const server = http.createServer((req, res) => {
    // eslint-disable-next-line no-throw-literal
    streamResponse(req, res, async function * () { throw null }).catch(err => { t.fail(`streamResponse rejected: ${String(err)}`) })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const response = await new Promise<http.IncomingMessage>(resolve => http.get(`http://127.0.0.1:${port}/`, resolve))
  let body = ''
  for await (const chunk of response) body += String(chunk)
  t.equal(response.statusCode, 500)
  t.same(JSON.parse(body), { statusCode: 500, message: 'Internal Server Error' })
})
