// NDJSON framing against N1–N7 of ../shared/SSE-VECTORS.md: one JSON text and one LF per item.
import fastJson from 'fast-json-stringify'
import { frameOf } from '../helpers/frames.js'
import t from 'tap'
import { createEncoder } from '../../lib/framing/create-encoder.js'
import { streamHeaders } from '../../lib/http/headers.js'
import { createNdjsonEncoder } from '../../lib/framing/ndjson-encoder.js'
import { PreparedEvent } from '../../lib/framing/prepared-event.js'
import { createSerialize } from '../../lib/framing/serialize.js'
import { sse } from '../../lib/framing/sse-event.js'
import { createRandom, pickSeed, randomString, SSE_PIECES } from '../helpers/random-strings.js'

/** Runs `fn` and reports what it returned or threw, so a test can assert both. */
function attempt (fn: () => string): { returned: string | undefined, error: (Error & { code?: string }) | undefined } {
  try {
    return { returned: fn(), error: undefined }
  } catch (err) {
    return { returned: undefined, error: err as Error & { code?: string } }
  }
}

t.test('N1/N2 golden lines', async t => {
  const encoder = createNdjsonEncoder()
  t.equal(encoder.encode({ a: 1 }), '{"a":1}\n', 'N1')
  const n2 = encoder.encode('a\nb')
  t.equal(n2, '"a\\nb"\n', 'N2 JSON escape')
  t.equal(Buffer.byteLength(n2), 7, 'N2: 6 bytes, then LF')
  t.equal(encoder.encode('a\r\nb'), '"a\\r\\nb"\n', 'CRLF escaped')
  t.equal(encoder.encode('a\u2028b'), '"a\u2028b"\n', 'U+2028 stays raw: not an NDJSON line end')
  t.equal(encoder.encode('\uD800'), '"\\ud800"\n', 'a lone surrogate is escaped (well-formed JSON.stringify)')
  t.equal(encoder.encode(''), '""\n', 'empty string')
  t.equal(encoder.encode(null), 'null\n', 'null')
  t.equal(encoder.encode(0), '0\n', 'zero')
  t.equal(encoder.encode([1, { b: [true] }]), '[1,{"b":[true]}]\n', 'nested')
  t.equal(encoder.encode(new Date(Date.UTC(2020, 0, 2, 3, 4, 5))), '"2020-01-02T03:04:05.000Z"\n', 'toJSON is honoured')
  t.equal(encoder.encode({ u: undefined, f () {} }), '{}\n', 'undefined members are left out, as JSON does')
})

t.test('sse() items write only their data', async t => {
  const encoder = createNdjsonEncoder()
  t.equal(encoder.encode(sse({ id: '1', event: 'tick', retry: 5, comment: 'c', data: { n: 1 } })), '{"n":1}\n')
  t.equal(encoder.encode(sse({ data: 'a\nb' })), '"a\\nb"\n', 'string data is a JSON string here')
  t.equal(encoder.encode(sse({ id: '7' })), '', 'no data: nothing')
  t.equal(encoder.encode(sse({})), '', 'sse({}): nothing')
  t.equal(encoder.encode(sse({ data: null })), 'null\n', 'null data')
})

t.test('N3/N4 unserialisable items are errors, never the text "undefined"', async t => {
  const encoder = createNdjsonEncoder()
  const cycle: Record<string, unknown> = { secretInternalField: 1 }
  cycle.selfReferenceProp = cycle
  const nested: Record<string, unknown> = { inner: { deeperKeyName: [] } }
  ;((nested.inner as Record<string, unknown>).deeperKeyName as unknown[]).push(nested)
  const cases: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a BigInt', 1n],
    ['a nested BigInt', { big: 2n }],
    ['a cycle', cycle],
    ['a cycle through an array', nested],
    ['a toJSON returning undefined', { toJSON: () => undefined }]
  ]
  for (const [name, value] of cases) {
    const { returned, error } = attempt(() => encoder.encode(value))
    t.equal(returned, undefined, `${name}: nothing returned`)
    t.equal(error?.code, 'FST_STREAM_UNSERIALIZABLE', `${name}: FST_STREAM_UNSERIALIZABLE`)
    t.ok(error instanceof TypeError, `${name}: a TypeError`)
    t.match(error?.message, /^fastify-stream: an item could not be serialized/, `${name}: message`)
    t.notMatch(error?.message, /undefined\n|^undefined$/, `${name}: not the text undefined`)
  }
  for (const value of [cycle, nested]) {
    const { error } = attempt(() => encoder.encode(value))
    t.match(error?.message, /circular reference/, 'says what is wrong')
    // The message travels to the client in-band, so it must not name server-side fields.
    for (const name of ['secretInternalField', 'selfReferenceProp', 'inner', 'deeperKeyName', 'Object', 'Array']) {
      t.notOk(error?.message.includes(name), `cycle message does not leak "${name}"`)
    }
  }
  t.match(attempt(() => encoder.encode(3n)).error?.message, /BigInt/, 'BigInt named')
  t.match(attempt(() => encoder.encode({ big: 3n })).error?.message, /BigInt/, 'nested BigInt named')
  t.equal(encoder.encode({ ok: true }), '{"ok":true}\n', 'the encoder keeps working')
})

t.test('a throwing toJSON is reported without its message', async t => {
  const encoder = createNdjsonEncoder()
  const { error } = attempt(() => encoder.encode({ toJSON () { throw new Error('db password is hunter2') } }))
  t.equal(error?.code, 'FST_STREAM_UNSERIALIZABLE')
  t.notOk(error?.message.includes('hunter2'), 'the thrown message is not repeated')
  t.match(error?.message, /the serializer threw/)
  t.equal((error?.cause as Error | undefined)?.message, 'db password is hunter2', 'kept as cause for the log')
})

t.test('N5 custom serializer framing violations', async t => {
  const cases: Array<[string, (value: unknown) => unknown]> = [
    ['LF', () => 'x\ny'],
    ['CR', () => 'x\ry'],
    ['CRLF', () => '{"a":\r\n1}'],
    ['a number', () => 1],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a Buffer', () => Buffer.from('x')],
    ['a function', () => () => 'x']
  ]
  for (const [name, serializer] of cases) {
    const encoder = createNdjsonEncoder({ serializer: serializer as (value: unknown) => string })
    const { returned, error } = attempt(() => encoder.encode({ a: 1 }))
    t.equal(returned, undefined, `${name}: nothing returned`)
    t.equal(error?.code, 'FST_STREAM_FRAMING', `${name}: FST_STREAM_FRAMING`)
    t.ok(error instanceof TypeError, `${name}: a TypeError`)
  }
  const { error } = attempt(() => createNdjsonEncoder({ serializer: () => 'a\nb' }).encode(1))
  t.match(error?.message, /line break/, 'says why')
  t.match(attempt(() => createNdjsonEncoder({ serializer: () => null as unknown as string }).encode(1)).error?.message, /returned null/)
  t.match(attempt(() => createNdjsonEncoder({ serializer: () => (() => 1) as unknown as string }).encode(1)).error?.message, /returned a function/)
  t.match(attempt(() => createNdjsonEncoder({ serializer: () => 5 as unknown as string }).encode(1)).error?.message, /returned number/)
})

t.test('a custom serializer that throws', async t => {
  const encoder = createNdjsonEncoder({ serializer: () => { throw new Error('secret detail') } })
  const { error } = attempt(() => encoder.encode({ a: 1 }))
  t.equal(error?.code, 'FST_STREAM_UNSERIALIZABLE')
  t.notOk(error?.message.includes('secret detail'))
  const bigint = createNdjsonEncoder({ serializer: value => JSON.stringify(value) })
  t.match(attempt(() => bigint.encode(1n)).error, { code: 'FST_STREAM_UNSERIALIZABLE', message: /BigInt/ })
  const throwsString = createNdjsonEncoder({ serializer: () => { throw 'not an Error' as unknown as Error } }) // eslint-disable-line no-throw-literal
  t.match(attempt(() => throwsString.encode(1)).error, { code: 'FST_STREAM_UNSERIALIZABLE', message: /the serializer threw/ })
})

t.test('a fast-json-stringify serializer works', async t => {
  const stringify = fastJson({
    type: 'object',
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } }
    }
  })
  const encoder = createNdjsonEncoder({ serializer: stringify as (value: unknown) => string })
  t.equal(encoder.encode({ id: 1, name: 'a\nb', tags: ['x'], extra: 'dropped' }), '{"id":1,"name":"a\\nb","tags":["x"]}\n')
  t.equal(encoder.encode(sse({ id: '9', data: { id: 2, name: 'é' } })), '{"id":2,"name":"é"}\n', 'sse() data')
})

t.test('N6/N7 pure parts: fault record, content type, no preamble or end', async t => {
  const encoder = createNdjsonEncoder()
  t.equal(encoder.format, 'ndjson')
  t.equal(encoder.contentType, 'application/x-ndjson', 'N7')
  t.equal(encoder.heartbeatFrame, '', 'no heartbeat')
  t.equal(encoder.preamble(), '', 'no preamble')
  t.equal(encoder.endFrame(), '', 'no end record')
  t.equal(encoder.abortOnFault, true, 'N6: the connection is aborted after the error record')
  t.equal(
    encoder.faultFrame({ code: 'FST_STREAM_SOURCE_FAILED', message: 'fastify-stream: the stream source failed' }),
    '{"error":{"code":"FST_STREAM_SOURCE_FAILED","message":"fastify-stream: the stream source failed"}}\n',
    'N6 error record'
  )
  t.equal(encoder.faultFrame({ code: 'C', message: 'a\nb' }), '{"error":{"code":"C","message":"a\\nb"}}\n', 'one line')
  t.same(streamHeaders(encoder), {
    'content-type': 'application/x-ndjson',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no'
  })
  const created = createEncoder('ndjson', { serializer: () => 'S', retryMs: 5 })
  t.equal(created.format, 'ndjson')
  t.equal(created.encode({}), 'S\n', 'createEncoder passes the serializer')
  t.equal(created.preamble(), '', 'SSE options are ignored')
})

t.test('PreparedEvent caches the NDJSON line', async t => {
  const event = new PreparedEvent({ id: '1', event: 'x', data: { a: 'b' } }, createSerialize())
  const line = frameOf(event, 'ndjson')
  t.equal(line?.toString(), '{"a":"b"}\n')
  t.equal(frameOf(event, 'ndjson'), line, 'computed once')
})

t.test('random strings round-trip through JSON.parse, one line each', async t => {
  const seed = pickSeed()
  t.comment(`seed ${seed} (replay with TEST_SEED=${seed})`)
  const random = createRandom(seed)
  const encoder = createNdjsonEncoder()
  const items: unknown[] = []
  for (let i = 0; i < 2000; i++) {
    const text = randomString(random, SSE_PIECES)
    items.push(random.int(2) === 0 ? text : { [text]: [text, i] })
  }
  const wire = Buffer.from(items.map(item => encoder.encode(item)).join('')).toString('utf8')
  const lines = wire.split('\n')
  t.equal(lines.pop(), '', 'ends with LF')
  t.equal(lines.length, items.length, 'exactly one line per item')
  // JSON escapes lone surrogates, so even they survive the UTF-8 trip unchanged.
  t.same(lines.map(line => JSON.parse(line)), items, `every item intact (seed ${seed})`)
})
