// SSE framing against ../shared/SSE-VECTORS.md. Golden frames are written by hand from the
// vectors; eventsource-parser@3 is the independent decoder for the round trips.
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { frameOf } from '../helpers/frames.js'
import t from 'tap'
import { createEncoder } from '../../lib/framing/create-encoder.js'
import { errors } from '../../lib/errors.js'
import { streamHeaders } from '../../lib/http/headers.js'
import { isPreparedEvent, PreparedEvent } from '../../lib/framing/prepared-event.js'
import { createSerialize } from '../../lib/framing/serialize.js'
import { createSseEncoder, encodeSseEvent } from '../../lib/framing/sse-encoder.js'
import { isSseEvent, sse, SseEvent, type SseFields } from '../../lib/framing/sse-event.js'
import {
  createRandom,
  normaliseLineEnds,
  pickSeed,
  randomChunks,
  randomFieldValue,
  randomString,
  SSE_PIECES,
  toWellFormed
} from '../helpers/random-strings.js'

/** The frame the default encoder writes for one `sse()` item. */
function frame (fields: SseFields): string {
  return createSseEncoder().encode(sse(fields))
}

function hex (text: string): string {
  return Buffer.from(text).toString('hex').replace(/(..)(?!$)/g, '$1 ')
}

interface Decoded {
  events: EventSourceMessage[]
  comments: string[]
  retries: number[]
  errors: string[]
}

/** Decodes bytes as a browser would: UTF-8 (streaming), then the SSE parser. */
function decode (chunks: Uint8Array[]): Decoded {
  const out: Decoded = { events: [], comments: [], retries: [], errors: [] }
  const parser = createParser({
    onEvent: event => out.events.push(event),
    onComment: comment => out.comments.push(comment),
    onRetry: retry => out.retries.push(retry),
    onError: err => out.errors.push(err.message)
  })
  const decoder = new TextDecoder('utf-8')
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }))
  parser.feed(decoder.decode())
  return out
}

/** Asserts `fn` throws a fastify-stream error with `code` and of class `Base`. */
function assertRejects (t: Asserts, fn: () => string, code: string, Base: ErrorConstructor, name: string): void {
  let returned: string | undefined
  let caught: unknown
  try {
    returned = fn()
  } catch (err) {
    caught = err
  }
  t.equal(returned, undefined, `${name}: nothing is returned`)
  t.ok(caught instanceof Base, `${name}: a ${Base.name}`)
  t.equal((caught as { code?: string } | undefined)?.code, code, `${name}: code ${code}`)
}

type Asserts = Pick<typeof t, 'equal' | 'ok'>

t.test('golden frames S1–S25', async t => {
  t.equal(frame({ data: 'hello' }), 'data: hello\n\n', 'S1 basic event')
  t.equal(frame({ data: { a: 1 } }), 'data: {"a":1}\n\n', 'S2 default serializer')
  t.equal(frame({ data: 'a\nb' }), 'data: a\ndata: b\n\n', 'S3 LF splits data')
  t.equal(frame({ data: 'a\r\nb\rc' }), 'data: a\ndata: b\ndata: c\n\n', 'S4 CRLF and CR split data')
  t.equal(frame({ data: 'x\n' }), 'data: x\ndata:\n\n', 'S5 trailing LF survives')
  t.equal(frame({ data: '' }), 'data:\n\n', 'S6 empty data is an event')
  t.equal(frame({ data: ' x' }), 'data:  x\n\n', 'S7 leading space kept by the separator space')
  t.equal(frame({ data: 'id: 9\nevent: evil' }), 'data: id: 9\ndata: event: evil\n\n', 'S8 no field injection')
  t.equal(frame({ event: 'tick', data: '1' }), 'event: tick\ndata: 1\n\n', 'S9 named event')
  t.equal(frame({ event: '', data: 'x' }), 'data: x\n\n', 'S11 empty event omitted')
  t.equal(frame({ event: undefined, data: 'x' }), 'data: x\n\n', 'S11 missing event omitted')
  t.equal(frame({ id: '42', data: 'x' }), 'id: 42\ndata: x\n\n', 'S12 id')
  t.equal(frame({ id: '', data: 'r' }), 'id:\ndata: r\n\n', 'S14 empty id resets')
  t.equal(frame({ id: '7' }), 'id: 7\n\n', 'S15 id without data')
  t.equal(frame({ event: 'end', data: '' }), 'event: end\ndata:\n\n', 'S16 terminal event carries data:')
  t.equal(frame({ retry: 3000 }), 'retry: 3000\n\n', 'S17 retry 3000')
  t.equal(frame({ retry: 0 }), 'retry: 0\n\n', 'S17 retry 0')
  t.equal(frame({ comment: 'hi' }), ': hi\n\n', 'S19 comment')
  t.equal(frame({ comment: 'a\nb' }), ': a\n: b\n\n', 'S19 multi-line comment')
  t.equal(frame({ comment: 'a\r\nb\rc' }), ': a\n: b\n: c\n\n', 'S19 comment split on CRLF and CR')
  t.equal(frame({ comment: '' }), ':\n\n', 'S19 empty comment')
  t.equal(
    frame({ event: 'user', id: 'u-1', retry: 5000, data: { name: 'Ada' } }),
    'event: user\nid: u-1\nretry: 5000\ndata: {"name":"Ada"}\n\n',
    'S21 combined fields in a fixed order'
  )
  t.equal(
    frame({ comment: 'c', event: 'e', id: '1', retry: 2, data: 'd' }),
    ': c\nevent: e\nid: 1\nretry: 2\ndata: d\n\n',
    'comment comes first'
  )
  t.equal(hex(frame({ data: 'é✓' })), '64 61 74 61 3a 20 c3 a9 e2 9c 93 0a 0a', 'S22 UTF-8 on the wire')
  t.equal(hex(frame({ data: '\uD800' })), '64 61 74 61 3a 20 ef bf bd 0a 0a', 'S23 lone surrogate → U+FFFD')
  t.equal(hex(frame({ data: '\uDC00x' })), '64 61 74 61 3a 20 ef bf bd 78 0a 0a', 'S23 lone low surrogate → U+FFFD')
  t.equal(frame({ data: 'a\u0000b' }), 'data: a\u0000b\n\n', 'S24 NUL allowed in data')
  t.equal(frame({ data: 'a\u2028b' }), 'data: a\u2028b\n\n', 'S25 U+2028 is not a line break')
  t.equal(frame({ data: 'a\u2029b\u0085c' }), 'data: a\u2029b\u0085c\n\n', 'S25 U+2029 and U+0085 are not line breaks')
  t.equal(frame({ data: 'a\u000bb\u000cc' }), 'data: a\u000bb\u000cc\n\n', 'VT and FF are not line breaks')
})

t.test('plain items (the hot path) frame like sse({ data })', async t => {
  const encoder = createSseEncoder()
  t.equal(encoder.encode('hello'), 'data: hello\n\n', 'S1 string as it is')
  t.equal(encoder.encode({ a: 1 }), 'data: {"a":1}\n\n', 'S2 object via JSON')
  t.equal(encoder.encode('a\r\nb\rc\nd'), 'data: a\ndata: b\ndata: c\ndata: d\n\n', 'S4 all line ends')
  t.equal(encoder.encode('x\n'), 'data: x\ndata:\n\n', 'S5')
  t.equal(encoder.encode(''), 'data:\n\n', 'S6')
  t.equal(encoder.encode(' x'), 'data:  x\n\n', 'S7')
  t.equal(encoder.encode(0), 'data: 0\n\n', 'number')
  t.equal(encoder.encode(null), 'data: null\n\n', 'null')
  t.equal(encoder.encode(false), 'data: false\n\n', 'false')
  t.equal(encoder.encode([1, 'a']), 'data: [1,"a"]\n\n', 'array')
  t.equal(encoder.encode({ s: 'a\nb' }), 'data: {"s":"a\\nb"}\n\n', 'JSON escapes newlines, so one data line')
  t.equal(
    encoder.encode({ data: 'x', event: 'evil', id: '1' }),
    'data: {"data":"x","event":"evil","id":"1"}\n\n',
    'a plain object shaped like an event is data, not fields'
  )
  assertRejects(t, () => encoder.encode(undefined), 'FST_STREAM_UNSERIALIZABLE', TypeError, 'undefined item')
  assertRejects(t, () => encoder.encode(1n), 'FST_STREAM_UNSERIALIZABLE', TypeError, 'BigInt item')
  assertRejects(t, () => encoder.encode(() => 1), 'FST_STREAM_UNSERIALIZABLE', TypeError, 'function item')
})

t.test('S10 event with CR or LF is rejected', async t => {
  for (const event of ['a\nb', 'a\rb', 'a\r\nb', '\n', 'end\n']) {
    assertRejects(t, () => frame({ event, data: 'x' }), 'FST_STREAM_INVALID_EVENT', TypeError, JSON.stringify(event))
  }
  assertRejects(t, () => frame({ event: 5 as unknown as string, data: 'x' }), 'FST_STREAM_INVALID_EVENT', TypeError, 'non-string event')
  // NUL is only forbidden in id; an event type with NUL is still dispatched by clients.
  t.equal(frame({ event: 'a\0b', data: 'x' }), 'event: a\0b\ndata: x\n\n', 'NUL in event is allowed')
})

t.test('S13 id with CR, LF or NUL is rejected; numbers are written', async t => {
  for (const id of ['a\u0000b', 'a\nb', 'a\rb', 'a\r\nb', '\0']) {
    assertRejects(t, () => frame({ id, data: 'x' }), 'FST_STREAM_INVALID_ID', TypeError, JSON.stringify(id))
  }
  for (const id of [1.5, NaN, Infinity, 2 ** 53]) {
    assertRejects(t, () => frame({ id, data: 'x' }), 'FST_STREAM_INVALID_ID', TypeError, `id ${id}`)
  }
  assertRejects(t, () => frame({ id: {} as unknown as string, data: 'x' }), 'FST_STREAM_INVALID_ID', TypeError, 'object id')
  t.equal(frame({ id: 1, data: 'x' }), 'id: 1\ndata: x\n\n', 'id as a number')
  t.equal(frame({ id: 0, data: 'x' }), 'id: 0\ndata: x\n\n', 'id 0 is written, not dropped')
  t.equal(frame({ id: '0' }), 'id: 0\n\n', "id '0' is written")
  t.equal(frame({ id: ' 5', data: 'x' }), 'id:  5\ndata: x\n\n', 'leading space in id survives')
})

t.test('S18 retry must be a non-negative safe integer', async t => {
  for (const retry of [1.5, -1, NaN, Infinity, -Infinity, 2 ** 53]) {
    assertRejects(t, () => frame({ retry }), 'FST_STREAM_INVALID_RETRY', RangeError, `retry ${retry}`)
  }
  assertRejects(t, () => frame({ retry: '3000\r\nevent: x' as unknown as number }), 'FST_STREAM_INVALID_RETRY', RangeError, 'retry string')
  assertRejects(t, () => frame({ retry: '3000' as unknown as number }), 'FST_STREAM_INVALID_RETRY', RangeError, 'retry digit string')
  t.equal(frame({ retry: 2 ** 53 - 1 }), 'retry: 9007199254740991\n\n', 'largest safe integer')
})

t.test('comments must be strings', async t => {
  assertRejects(t, () => frame({ comment: 1 as unknown as string }), 'FST_STREAM_INVALID_COMMENT', TypeError, 'number comment')
  assertRejects(t, () => frame({ comment: null as unknown as string }), 'FST_STREAM_INVALID_COMMENT', TypeError, 'null comment')
})

t.test('nothing of a rejected event reaches the output, and the encoder keeps working', async t => {
  const encoder = createSseEncoder()
  // The valid fields come first in the frame; a failing field later must still discard them.
  assertRejects(t, () => encoder.encode(sse({ comment: 'c', event: 'e', id: '1', retry: -1, data: 'x' })), 'FST_STREAM_INVALID_RETRY', RangeError, 'late failure')
  assertRejects(t, () => encoder.encode(sse({ event: 'e', id: 'a\nb', data: 'x' })), 'FST_STREAM_INVALID_ID', TypeError, 'id after event')
  t.equal(encoder.encode(sse({ data: 'next' })), 'data: next\n\n', 'next item is clean')
})

t.test('sse({}) and events without data', async t => {
  t.equal(frame({}), '', 'sse({}) writes nothing')
  t.equal(frame({ data: undefined }), '', 'undefined data writes nothing')
  t.equal(frame({ data: null }), 'data: null\n\n', 'null data is JSON null')
  t.equal(frame({ event: 'x' }), 'event: x\n\n', 'an event line alone is written as asked (S16: it fires nothing)')
})

t.test('sse() and isSseEvent', async t => {
  const fields: SseFields = { data: 1, event: 'e', id: 2, retry: 3, comment: 'c' }
  const event = sse(fields)
  t.ok(event instanceof SseEvent)
  t.ok(isSseEvent(event))
  fields.data = 'changed'
  t.equal(event.data, 1, 'fields are copied')
  t.same({ ...event }, { data: 1, event: 'e', id: 2, retry: 3, comment: 'c' })
  t.notOk(isSseEvent({ data: 1 }), 'a plain object is not an event')
  t.notOk(isSseEvent(null))
  t.notOk(isSseEvent('data'))
  // A second copy of the package brands its events with the same registered symbol.
  const foreign = Object.create({ [Symbol.for('fastify-stream.sse-event')]: true }) as SseEvent
  foreign.data = 'from another copy'
  t.ok(isSseEvent(foreign), 'recognised across package copies')
  t.equal(createSseEncoder().encode(foreign), 'data: from another copy\n\n')
})

t.test('encodeSseEvent', async t => {
  t.equal(encodeSseEvent(sse({ event: 'a', data: { x: 1 } })), 'event: a\ndata: {"x":1}\n\n', 'default serializer')
  t.equal(
    encodeSseEvent(sse({ data: { x: 1 } }), createSerialize(() => 'custom')),
    'data: custom\n\n',
    'given serializer'
  )
})

t.test('preamble, heartbeat, end and fault frames', async t => {
  const encoder = createSseEncoder()
  t.equal(encoder.format, 'sse')
  t.equal(encoder.contentType, 'text/event-stream; charset=utf-8')
  t.equal(encoder.abortOnFault, false, 'SSE ends cleanly after its error event')
  t.equal(encoder.preamble(), ':\n\n', 'S26 opens with a comment')
  t.equal(encoder.heartbeatFrame, ':\n\n', 'S20 heartbeat')
  t.equal(encoder.endFrame(), 'event: end\ndata:\n\n', 'S27 terminal event')
  t.equal(
    encoder.faultFrame({ code: 'FST_STREAM_SOURCE_FAILED', message: 'fastify-stream: the stream source failed' }),
    'event: stream-error\ndata: {"code":"FST_STREAM_SOURCE_FAILED","message":"fastify-stream: the stream source failed"}\n\n',
    'fault frame'
  )
  t.equal(
    encoder.faultFrame({ code: 'X', message: 'a\nb\r"c"' }),
    'event: stream-error\ndata: {"code":"X","message":"a\\nb\\r\\"c\\""}\n\n',
    'a fault message cannot break the frame'
  )

  const first = Buffer.from(encoder.preamble())
  t.equal(first[0], 0x3a, 'S26 first body byte is ":"')
  const withRetry = createSseEncoder({ retryMs: 3000 })
  t.equal(withRetry.preamble(), 'retry: 3000\n\n', 'S26 retry preamble')
  t.equal(Buffer.from(withRetry.preamble())[0], 0x72, 'S26 first body byte is "r", no BOM')
  t.equal(createSseEncoder({ retryMs: 0 }).preamble(), 'retry: 0\n\n', 'retryMs 0')

  const custom = createSseEncoder({ endEvent: 'done', errorEvent: 'oops' })
  t.equal(custom.endFrame(), 'event: done\ndata:\n\n', 'custom end event')
  t.equal(custom.faultFrame({ code: 'C', message: 'm' }), 'event: oops\ndata: {"code":"C","message":"m"}\n\n', 'custom error event')
  t.equal(createSseEncoder({ endEvent: false }).endFrame(), '', 'endEvent false')
})

t.test('bad encoder options throw at construction', async t => {
  t.throws(() => createSseEncoder({ retryMs: -1 }), { code: 'FST_STREAM_INVALID_RETRY' })
  t.throws(() => createSseEncoder({ retryMs: 1.5 }), { code: 'FST_STREAM_INVALID_RETRY' })
  t.throws(() => createSseEncoder({ endEvent: 'a\nb' }), { code: 'FST_STREAM_INVALID_EVENT' })
  t.throws(() => createSseEncoder({ errorEvent: 'a\rb' }), { code: 'FST_STREAM_INVALID_EVENT' })
})

t.test('custom serializer', async t => {
  const encoder = createSseEncoder({ serializer: value => `<${String((value as { n: number }).n)}>` })
  t.equal(encoder.encode({ n: 1 }), 'data: <1>\n\n', 'used for non-strings')
  t.equal(encoder.encode('raw\nline'), 'data: raw\ndata: line\n\n', 'strings bypass it')
  t.equal(encoder.encode(sse({ data: { n: 2 }, id: 2 })), 'id: 2\ndata: <2>\n\n', 'used for sse() data')
  const broken = createSseEncoder({ serializer: () => 'a\nb' })
  assertRejects(t, () => broken.encode({}), 'FST_STREAM_FRAMING', TypeError, 'serializer output with LF')
  t.equal(createSseEncoder({ serializer: JSON.stringify }).encode({ a: 1 }), 'data: {"a":1}\n\n', 'JSON.stringify given explicitly')
})

t.test('createEncoder("sse") and the S28/S29 head', async t => {
  const encoder = createEncoder('sse', { retryMs: 10, endEvent: 'fin' })
  t.equal(encoder.format, 'sse')
  t.equal(encoder.preamble(), 'retry: 10\n\n')
  t.equal(encoder.endFrame(), 'event: fin\ndata:\n\n')
  t.equal(createEncoder('sse').preamble(), ':\n\n')
  // No Connection header of our own: Node writes keep-alive or close from the request, and
  // HTTP/2 forbids it (S29). Over a socket, plugin-responses.test.ts checks both.
  t.same(streamHeaders(encoder), {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no'
  }, 'S28 head')
})

t.test('PreparedEvent caches the SSE frame bytes', async t => {
  const event = new PreparedEvent({ id: 3, event: 'p', data: { v: 'a\nb' } }, createSerialize())
  t.ok(isPreparedEvent(event))
  t.ok(isSseEvent(event), 'still an sse() event')
  t.notOk(isPreparedEvent(sse({ data: 1 })))
  const bytes = frameOf(event, 'sse')
  t.equal(bytes?.toString(), 'event: p\nid: 3\ndata: {"v":"a\\nb"}\n\n')
  t.equal(frameOf(event, 'sse'), bytes, 'same Buffer the second time')
  t.equal(frameOf(event, 'csv'), undefined, 'no shared CSV frame')
  const bad = new PreparedEvent({ id: 'a\nb', data: 1 }, createSerialize())
  t.throws(() => frameOf(bad, 'sse'), { code: 'FST_STREAM_INVALID_ID' })
})

t.test('PreparedEvent keeps frames for up to 8 encoders, and frames from its text without parsing it', async t => {
  const serialize = createSerialize()
  const event = new PreparedEvent({ id: 4, data: undefined }, serialize, '{"a":1}')
  const encoders = Array.from({ length: 10 }, () => createEncoder('sse'))
  const first = encoders.map(encoder => event.frameFor(encoder))
  const second = encoders.map(encoder => event.frameFor(encoder))
  t.equal(first[0]!.toString(), 'id: 4\ndata: {"a":1}\n\n', 'framed from the text')
  t.same(second.map((frame, i) => frame === first[i]), [true, true, true, true, true, true, true, true, false, false], 'the first 8 encoders share their frame, further ones frame anew')
  t.same(event.data, { a: 1 }, 'data read on demand is parsed from the text')
  t.not(event.data, event.data, 'and not kept parsed')
  const text = new PreparedEvent({ id: 5 }, serialize, 'not json')
  t.equal(text.data, 'not json', 'a text that is not JSON is its own data')
  const empty = new PreparedEvent({ id: 6 }, serialize)
  t.equal(empty.frameFor(encoders[0]!).toString(), 'id: 6\n\n', 'an event without data has no data line')
  t.equal(createEncoder('ndjson').encode(empty), '', 'and no NDJSON line')
})

t.test('errors are fastify-stream errors', async t => {
  t.ok(new errors.FST_STREAM_INVALID_EVENT() instanceof TypeError)
  t.ok(new errors.FST_STREAM_INVALID_RETRY('x') instanceof RangeError)
  t.match(new errors.FST_STREAM_INVALID_RETRY('-1').message, /^fastify-stream: .*got -1$/)
})

t.test('round trip through eventsource-parser with random strings', async t => {
  const seed = pickSeed()
  t.comment(`seed ${seed} (replay with TEST_SEED=${seed})`)
  const random = createRandom(seed)
  const encoder = createSseEncoder({ retryMs: 1234 })
  const expected: Array<{ event: string | undefined, id: string | undefined, data: string }> = []
  const expectedComments: string[] = []
  const parts: string[] = [encoder.preamble()]
  for (let i = 0; i < 3000; i++) {
    const data = randomString(random, SSE_PIECES)
    const kind = random.int(4)
    if (kind === 0) {
      // A plain string item: the hot path.
      parts.push(encoder.encode(data))
      expected.push({ event: undefined, id: undefined, data: normaliseLineEnds(toWellFormed(data)) })
      continue
    }
    const event = kind >= 2 ? randomFieldValue(random, false) : undefined
    const id = kind === 3 ? (random.int(5) === 0 ? random.int(1e9) : randomFieldValue(random, true)) : undefined
    const comment = random.int(10) === 0 ? randomString(random, SSE_PIECES) : undefined
    parts.push(encoder.encode(sse({ data, event, id, comment })))
    if (comment !== undefined) expectedComments.push(...normaliseLineEnds(toWellFormed(comment)).split('\n'))
    expected.push({
      // An empty type is `message`; the parser reports it as undefined.
      event: event === '' || event === undefined ? undefined : toWellFormed(event),
      id: id === undefined ? undefined : toWellFormed(String(id)),
      data: normaliseLineEnds(toWellFormed(data))
    })
  }
  parts.push(encoder.endFrame())
  expected.push({ event: 'end', id: undefined, data: '' })

  const bytes = Buffer.from(parts.join(''))
  const decoded = decode(randomChunks(random, bytes))
  t.same(decoded.errors, [], 'no parse errors (no unknown fields were injected)')
  t.same(decoded.retries, [1234], 'retry from the preamble')
  t.same(decoded.comments, expectedComments, 'comments, split per line')
  t.equal(decoded.events.length, expected.length, 'one event per item')
  let mismatches = 0
  for (let i = 0; i < expected.length; i++) {
    const got = decoded.events[i]
    const want = expected[i]
    if (got?.data !== want?.data || got?.event !== want?.event || got?.id !== want?.id) {
      if (mismatches++ < 5) t.same(got, want, `event ${i} (seed ${seed})`)
    }
  }
  t.equal(mismatches, 0, `every event round-trips (seed ${seed})`)
})

t.test('random event/id values with CR or LF (id: also NUL) are always rejected', async t => {
  const seed = pickSeed()
  t.comment(`seed ${seed} (replay with TEST_SEED=${seed})`)
  const random = createRandom(seed)
  const encoder = createSseEncoder()
  const accepted: string[] = []
  for (let i = 0; i < 2000; i++) {
    const value = randomString(random, SSE_PIECES) + random.pick(['\r', '\n', '\r\n'])
    const at = random.int(value.length + 1)
    const bad = random.int(2) === 0 ? value : value.slice(at) + value.slice(0, at)
    const badId = random.int(3) === 0 ? bad.replace(/[\r\n]/g, '') + '\0' : bad
    if (codeOf(() => encoder.encode(sse({ event: bad, data: 'x' }))) !== 'FST_STREAM_INVALID_EVENT') accepted.push(`event ${JSON.stringify(bad)}`)
    if (codeOf(() => encoder.encode(sse({ id: badId, data: 'x' }))) !== 'FST_STREAM_INVALID_ID') accepted.push(`id ${JSON.stringify(badId)}`)
  }
  t.same(accepted, [], `no invalid value was accepted (seed ${seed})`)
})

function codeOf (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}
