// readNdjson(): chunk boundaries byte by byte (UTF-8 split inside a code point), CRLF, a last
// line without a newline, the plugin's in-band error record, abort, early break; then against
// the plugin over real sockets.
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import { readNdjson, type StreamClientError } from '../../lib/client/index.js'
import { CLIENT_ERROR_CODES } from '../../lib/client/client-error.js'
import { errors } from '../../lib/index.js'
import { rejection, startServer } from './fixtures.js'
import { deferred } from '../helpers/deferred.js'
import { reached } from '../helpers/bounded-wait.js'

const encoder = new TextEncoder()

/** A body delivering `chunks` one per pull; `cancelled` resolves if the reader cancels it. */
function body (chunks: Array<string | Uint8Array>, options: { endless?: boolean, failAtEnd?: Error } = {}): ReadableStream<Uint8Array> & { cancelled: Promise<void> } {
  const cancelled = deferred()
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    pull (controller) {
      const chunk = chunks[i++]
      if (chunk !== undefined) return controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
      if (options.failAtEnd !== undefined) return controller.error(options.failAtEnd)
      // An endless body just stays silent: the reader must not hang on it when aborted.
      if (options.endless !== true) controller.close()
      return new Promise(() => {})
    },
    cancel () { cancelled.resolve() }
  }, { highWaterMark: 0 })
  return Object.assign(stream, { cancelled: cancelled.promise })
}

/** Every byte of `text` as its own chunk. */
function byteByByte (text: string): Uint8Array[] {
  return Array.from(encoder.encode(text), byte => Uint8Array.of(byte))
}

async function all<T> (iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

const ITEMS = [{ name: 'Zoë', emoji: '🦊', n: 1 }, 'two', 3, null, [true, false], { nested: { deep: 'ü' } }]
const NDJSON = ITEMS.map(item => JSON.stringify(item) + '\n').join('')

t.test('chunk boundaries anywhere: byte by byte, code points split across chunks', async t => {
  t.same(await all(readNdjson(body(byteByByte(NDJSON)))), ITEMS)
  t.same(await all(readNdjson(body([NDJSON]))), ITEMS, 'one chunk')
  t.same(await all(readNdjson(body([NDJSON.slice(0, 5), NDJSON.slice(5, 40), NDJSON.slice(40)]))), ITEMS, 'a few chunks')
})

t.test('CRLF line ends, a last line without a newline, blank lines skipped', async t => {
  t.same(await all(readNdjson(body(byteByByte('{"a":1}\r\n{"a":2}\r\n')))), [{ a: 1 }, { a: 2 }], 'CRLF byte by byte')
  t.same(await all(readNdjson(body(['{"a":1}\n{"a":2}']))), [{ a: 1 }, { a: 2 }], 'no trailing newline')
  t.same(await all(readNdjson(body(['{"a":1}\r\n', '{"a":2}\r']))), [{ a: 1 }, { a: 2 }], 'last line ends in a lone CR')
  t.same(await all(readNdjson(body(['\n{"a":1}\n\n  \r\n{"a":2}\n\n']))), [{ a: 1 }, { a: 2 }], 'blank lines')
  t.same(await all(readNdjson(body([]))), [], 'an empty body')
  t.same(await all(readNdjson(new Response(null))), [], 'a response without a body')
})

t.test('the in-band error record becomes a StreamClientError with the server\'s code', async t => {
  const record = JSON.stringify({ error: { code: 'FST_STREAM_SOURCE_FAILED', message: 'fastify-stream: the stream source failed' } })
  const seen: unknown[] = []
  const err = await rejection((async () => { for await (const item of readNdjson(body(byteByByte(`{"a":1}\n${record}\n`)))) seen.push(item) })()) as StreamClientError
  t.same(seen, [{ a: 1 }], 'the items before it are delivered')
  t.match(err, { name: 'StreamClientError', code: 'FST_STREAM_SOURCE_FAILED', message: 'fastify-stream: the stream source failed', status: undefined })
  // Items that only look like it are data.
  const lookalikes = [{ error: 'text' }, { error: { code: 'E_OTHER', message: 'x' } }, { error: { code: 'FST_STREAM_X' } }, { error: { code: 'FST_STREAM_X', message: 'x' }, more: 1 }, { error: null }]
  t.same(await all(readNdjson(body([lookalikes.map(item => JSON.stringify(item)).join('\n')]))), lookalikes)
})

t.test('a line that is not JSON', async t => {
  await t.rejects(all(readNdjson(body(['{"a":1}\n', 'data: x\n']))), { code: CLIENT_ERROR_CODES.INVALID_JSON, message: /^fastify-stream: NDJSON line 2 is not JSON \(.+\); is the server sending NDJSON\?/, cause: SyntaxError })
})

t.test('a body that breaks mid-stream is FST_STREAM_CLIENT_NETWORK', async t => {
  const broken = new TypeError('terminated')
  await t.rejects(all(readNdjson(body(['{"a":1}\n{"a"'], { failAtEnd: broken }))), { code: CLIENT_ERROR_CODES.NETWORK, cause: broken })
})

t.test('a code point cut off at the very end is not dropped silently', async t => {
  // The decoder's flush turns the lone lead byte into U+FFFD, a line that is not JSON.
  await t.rejects(all(readNdjson(body(['"a"\n', Uint8Array.of(0xc3)]))), { code: CLIENT_ERROR_CODES.INVALID_JSON, message: /line 2/ })
})

t.test('abort: a pending read ends at once, the body is cancelled, the loop throws the reason', async t => {
  const controller = new AbortController()
  const stream = body(['{"a":1}\n'], { endless: true })
  const seen: unknown[] = []
  const first = deferred()
  const reading = (async () => {
    for await (const item of readNdjson(stream, { signal: controller.signal })) {
      seen.push(item)
      first.resolve()
    }
  })()
  // The reader is now waiting on a body that sends nothing more.
  await first.promise
  controller.abort(new Error('user left'))
  t.match(await rejection(reading), { message: 'user left' })
  await stream.cancelled
  t.same(seen, [{ a: 1 }])
  await t.rejects(all(readNdjson(body([]), { signal: AbortSignal.abort() })), { name: 'AbortError' }, 'an aborted signal reads nothing')
})

t.test('abort between two lines of one chunk: no line after the abort', async t => {
  const controller = new AbortController()
  const seen: unknown[] = []
  const reading = (async () => {
    for await (const item of readNdjson(body(['1\n2\n3\n4\n5\n']), { signal: controller.signal })) {
      if (seen.push(item) === 3) controller.abort(new Error('enough'))
    }
  })()
  t.match(await rejection(reading), { message: 'enough' })
  t.same(seen, [1, 2, 3], 'lines 4 and 5 came in the same chunk, and are not given out')
})

t.test('breaking out of the loop cancels the body', async t => {
  const stream = body(['1\n2\n3\n'], { endless: true })
  for await (const item of readNdjson(stream)) if (item === 2) break
  await reached(t, stream.cancelled, 'the body was cancelled')
})

t.test('against the plugin: a Response, a promise of one, and the server\'s in-band error', async t => {
  const sourceDone = deferred()
  const server = await startServer(app => {
    app.get('/users', (_request, reply) => reply.stream(async function * () {
      for (let id = 1; id <= 200; id++) yield { id, name: `user ${id}`, bio: 'ä'.repeat(id) }
    }))
    app.get('/broken', (_request, reply) => reply.stream(async function * () {
      yield { id: 1 }
      throw new Error('secret detail')
    }))
    app.get('/shutdown', (_request, reply) => reply.stream(async function * ({ signal }) {
      try {
        yield { id: 1 }
        await delay(60_000, undefined, { signal })
      } finally {
        sourceDone.resolve()
      }
    }))
  })
  t.teardown(() => server.app.close())
  const accept = { headers: { accept: 'application/x-ndjson' } }
  const users = await all(readNdjson<{ id: number, name: string, bio: string }>(fetch(`${server.url}/users`, accept)))
  t.equal(users.length, 200)
  t.same(users.map(user => user.id), Array.from({ length: 200 }, (_, i) => i + 1))
  t.equal(users[199]?.bio, 'ä'.repeat(200))

  const seen: unknown[] = []
  const err = await rejection((async () => { for await (const item of readNdjson(await fetch(`${server.url}/broken`, accept))) seen.push(item) })())
  t.same(seen, [{ id: 1 }])
  t.match(err, { code: 'FST_STREAM_SOURCE_FAILED', message: 'fastify-stream: the stream source failed' }, 'the record, not the truncated body, is what the caller sees')

  const open = await fetch(`${server.url}/shutdown`, accept)
  const reading = all(readNdjson(open))
  const closing = server.app.close()
  await t.rejects(reading, { code: 'FST_STREAM_SHUTDOWN', message: /reconnect to resume/ })
  await closing
  await sourceDone.promise
})

t.test('error responses: the server\'s code when the body names one, else the status', async t => {
  const server = await startServer(app => {
    app.get('/sse-only', (_request, reply) => reply.stream([1], { formats: ['sse'] }))
    app.get('/full', async (_request, reply) => reply.code(503).send(new errors.FST_STREAM_TOO_MANY_STREAMS()))
    app.get('/teapot', async (_request, reply) => reply.code(418).type('text/plain').send('short and stout'))
  })
  t.teardown(() => server.app.close())
  const accept = { headers: { accept: 'application/x-ndjson' } }
  await t.rejects(all(readNdjson(fetch(`${server.url}/sse-only`, accept))), { code: 'FST_STREAM_NOT_ACCEPTABLE', status: 406 })
  await t.rejects(all(readNdjson(fetch(`${server.url}/full`, accept))), { code: 'FST_STREAM_TOO_MANY_STREAMS', status: 503 })
  await t.rejects(all(readNdjson(fetch(`${server.url}/teapot`, accept))), { code: CLIENT_ERROR_CODES.HTTP_STATUS, status: 418, message: /^fastify-stream: the server answered 418 I'm a Teapot;/ })
})
