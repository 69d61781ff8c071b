// createSerialize on its own (the encoders' tests cover it through NDJSON and SSE), and
// isStreamError.
import t from 'tap'
import { errors, isStreamError } from '../../lib/errors.js'
import { createSerialize } from '../../lib/framing/serialize.js'

t.test('the default is JSON.stringify with its failures coded', async t => {
  const serialize = createSerialize()
  t.equal(createSerialize(JSON.stringify), serialize, 'JSON.stringify given explicitly is the same fast path')
  t.equal(serialize({ a: [1, 'x'] }), '{"a":[1,"x"]}')
  t.equal(serialize('a\nb'), '"a\\nb"')
  t.throws(() => serialize(undefined), { code: 'FST_STREAM_UNSERIALIZABLE', message: /undefined has no JSON form/ })
  t.throws(() => serialize(() => 1), { code: 'FST_STREAM_UNSERIALIZABLE', message: /a function has no JSON form/ })
  t.throws(() => serialize(Symbol('x')), { code: 'FST_STREAM_UNSERIALIZABLE', message: /symbol has no JSON form/ })
  t.throws(() => serialize(1n), { code: 'FST_STREAM_UNSERIALIZABLE', message: /a BigInt has no JSON form/ })
})

t.test('a custom serializer is checked', async t => {
  const seen: unknown[] = []
  const serialize = createSerialize(value => {
    seen.push(value)
    return 'v=' + String(value)
  })
  t.equal(serialize(1), 'v=1')
  t.equal(serialize(undefined), 'v=undefined', 'the custom serializer decides what undefined means')
  t.same(seen, [1, undefined])
  t.throws(() => createSerialize(() => 'a\rb')(1), { code: 'FST_STREAM_FRAMING', message: /line break/ })
  t.throws(() => createSerialize(() => 7 as unknown as string)(1), { code: 'FST_STREAM_FRAMING', message: /returned number/ })
  const cause = new TypeError('Converting circular structure to JSON --> property "hidden"')
  let caught: (Error & { code?: string }) | undefined
  try {
    createSerialize(() => { throw cause })({})
  } catch (err) {
    caught = err as Error & { code?: string }
  }
  t.equal(caught?.code, 'FST_STREAM_UNSERIALIZABLE')
  t.match(caught?.message, /circular reference/)
  t.notOk(caught?.message.includes('hidden'), 'the cause message is not copied')
  t.equal(caught?.cause, cause, 'but kept as the cause')
})

t.test('isStreamError', async t => {
  t.ok(isStreamError(new errors.FST_STREAM_FRAMING('x')))
  t.ok(isStreamError(new errors.FST_STREAM_NOT_ACCEPTABLE('sse')))
  t.ok(isStreamError(Object.assign(new Error('x'), { code: 'FST_STREAM_ANYTHING' })), 'by code prefix')
  t.notOk(isStreamError(new Error('plain')))
  t.notOk(isStreamError(Object.assign(new Error('x'), { code: 'FST_OTHER' })), 'other Fastify codes')
  t.notOk(isStreamError(Object.assign(new Error('x'), { code: 42 })), 'non-string code')
  t.notOk(isStreamError({ code: 'FST_STREAM_FRAMING', message: 'not an Error' }), 'not an Error instance')
  t.notOk(isStreamError(null))
})

t.test('error codes, statuses and messages', async t => {
  const expected: Array<[keyof typeof errors, number]> = [
    ['FST_STREAM_INVALID_OPTION', 500],
    ['FST_STREAM_INVALID_SOURCE', 500],
    ['FST_STREAM_INVALID_EVENT', 500],
    ['FST_STREAM_INVALID_ID', 500],
    ['FST_STREAM_INVALID_RETRY', 500],
    ['FST_STREAM_INVALID_COMMENT', 500],
    ['FST_STREAM_UNSERIALIZABLE', 500],
    ['FST_STREAM_FRAMING', 500],
    ['FST_STREAM_NOT_ACCEPTABLE', 406],
    ['FST_STREAM_TOO_MANY_STREAMS', 503],
    ['FST_STREAM_SHUTDOWN', 503]
  ]
  for (const [code, status] of expected) {
    const err = new errors[code]('a', 'b')
    t.equal(err.code, code)
    t.equal(err.statusCode, status, `${code} status`)
    t.match(err.message, /^fastify-stream: /, `${code} message prefix`)
  }
})
