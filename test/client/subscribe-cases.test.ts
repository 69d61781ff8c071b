// subscribe() against a scripted fetch, for what a real server does not easily do: a fetch
// that ignores its signal, responses without a body, malformed error events, option errors,
// and the reconnection arithmetic.
import t from 'tap'
import { StreamClientError, isStreamClientError, subscribe } from '../../lib/client/index.js'
import { CLIENT_ERROR_CODES } from '../../lib/client/client-error.js'
import type { FetchLike } from '../../lib/client/subscribe-options.js'
import { reconnectDelay, retryAfterMs, sleep } from '../../lib/client/reconnect-delay.js'
import { collect, rejection } from './fixtures.js'
import { deferred } from '../helpers/deferred.js'
import { reached } from '../helpers/bounded-wait.js'

const SSE = { 'content-type': 'text/event-stream; charset=utf-8' }

/** A fetch that answers each call with the next of `answers` (a function of the call's init). */
function scripted (answers: Array<(init: RequestInit) => Response | Promise<Response>>): FetchLike & { calls: RequestInit[] } {
  const calls: RequestInit[] = []
  const fetch = async (_url: string, init: RequestInit): Promise<Response> => {
    calls.push(init)
    const answer = answers[calls.length - 1]
    if (answer === undefined) throw new Error(`unexpected call ${calls.length}`)
    return answer(init)
  }
  return Object.assign(fetch, { calls })
}

function sse (text: string, status = 200): () => Response {
  return () => new Response(text, { status, headers: SSE })
}

t.test('options are checked when subscribe() is called', async t => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['retryMs', { retryMs: -1 }],
    ['retryMs', { retryMs: 1.5 }],
    ['maxRetryMs', { maxRetryMs: '10' }],
    ['maxAttempts', { maxAttempts: 0 }],
    ['endEvent', { endEvent: 'a\nb' }],
    ['endEvent', { endEvent: true }],
    ['errorEvent', { errorEvent: '' }],
    ['lastEventId', { lastEventId: 7 }],
    ['fetch', { fetch: 'x' }],
    ['parse', { parse: {} }],
    ['onOpen', { onOpen: 1 }],
    ['onEvent', { onEvent: 1 }],
    ['onRetry', { onRetry: 1 }],
    ['body', { body: new ReadableStream() }]
  ]
  for (const [name, options] of bad) {
    t.throws(() => subscribe('http://x.invalid/', options), { code: CLIENT_ERROR_CODES.INVALID_OPTION, message: new RegExp(`^fastify-stream: option "${name}" `) }, `${name}: ${String(Object.values(options)[0])}`)
  }
  t.throws(() => subscribe(42 as unknown as string), { code: CLIENT_ERROR_CODES.INVALID_OPTION, message: /"url"/ })
  const ok = subscribe('http://x.invalid/', { maxAttempts: Infinity, endEvent: false, retryMs: 0, maxRetryMs: 0 })
  ok.close()
  await ok.done
  t.pass('valid extremes are accepted')
})

t.test('close() before the first next(): done resolves and the iteration is empty', async t => {
  const fetch = scripted([])
  const subscription = subscribe('http://x.invalid/', { fetch })
  subscription.close()
  await subscription.done
  const events = collect(subscription)
  await events.ended
  t.same(events.items, [])
  t.equal(fetch.calls.length, 0, 'nothing was requested')
})

t.test('an already aborted signal: nothing is requested, done resolves', async t => {
  const fetch = scripted([])
  await subscribe('http://x.invalid/', { fetch, signal: AbortSignal.abort(), onEvent: () => {} }).done
  const iterable = subscribe('http://x.invalid/', { fetch, signal: AbortSignal.abort() })
  await iterable.done
  await collect(iterable).ended
  t.equal(fetch.calls.length, 0)
})

t.test('a subscription is iterated once', async t => {
  const subscription = subscribe('http://x.invalid/', { fetch: scripted([sse('event: end\ndata:\n\n')]) })
  const events = collect(subscription)
  t.throws(() => subscription[Symbol.asyncIterator](), { code: CLIENT_ERROR_CODES.CONSUMED, message: /already being iterated/ })
  await events.ended
})

t.test('a fetch that ignores its signal cannot hold close(); its late response is cancelled', async t => {
  const late = deferred<Response>()
  const cancelled = deferred()
  const body = new ReadableStream({ cancel: () => { cancelled.resolve() } })
  const subscription = subscribe('http://x.invalid/', { fetch: () => late.promise, onEvent: () => {} })
  subscription.close()
  await subscription.done
  late.resolve(new Response(body, { headers: SSE }))
  await reached(t, cancelled.promise, 'the body of the response that came after close() was cancelled')
})

t.test('a fetch that ignores its signal and fails later: the failure goes nowhere', async t => {
  const late = deferred<Response>()
  const subscription = subscribe('http://x.invalid/', { fetch: () => late.promise.then(() => { throw new TypeError('late failure') }), onEvent: () => {} })
  subscription.close()
  await subscription.done
  late.resolve(new Response(null))
  await new Promise(resolve => setImmediate(resolve))
  t.pass('no unhandled rejection')
})

t.test('a network failure is retried; headers carry accept and the cursor', async t => {
  const fetch = scripted([
    () => { throw new TypeError('fetch failed') },
    sse('id: 1\ndata: a\n\nevent: end\ndata:\n\n')
  ])
  const retries: StreamClientError[] = []
  const events = collect(subscribe('http://x.invalid/', { fetch, retryMs: 0, lastEventId: '0', headers: [['x-a', '1']], credentials: 'include', onRetry: info => { retries.push(info.error) } }))
  await events.ended
  t.same(events.items, [{ type: 'message', data: 'a', text: 'a', id: '1' }])
  t.match(retries[0], { code: CLIENT_ERROR_CODES.NETWORK, message: /could not connect to http:\/\/x\.invalid\/ \(fetch failed\)/, cause: TypeError })
  const headers = new Headers(fetch.calls[0]?.headers)
  t.equal(headers.get('accept'), 'text/event-stream')
  t.equal(headers.get('last-event-id'), '0')
  t.equal(headers.get('x-a'), '1')
  t.match(fetch.calls[0], { method: 'GET', cache: 'no-store', credentials: 'include', body: null })
})

t.test('a caller\'s accept header is kept', async t => {
  const fetch = scripted([sse('event: end\ndata:\n\n')])
  await collect(subscribe('http://x.invalid/', { fetch, headers: { accept: 'text/event-stream;q=1' } })).ended
  t.equal(new Headers(fetch.calls[0]?.headers).get('accept'), 'text/event-stream;q=1')
})

t.test('abort between two events of one chunk: no event after the abort, nothing reconnects', async t => {
  const fetch = scripted([sse('id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\nid: 4\ndata: d\n\n')])
  const controller = new AbortController()
  const seen: string[] = []
  const subscription = subscribe('http://x.invalid/', { fetch, retryMs: 0, signal: controller.signal })
  for await (const event of subscription) {
    if (seen.push(event.text) === 2) controller.abort()
  }
  t.same(seen, ['a', 'b'], 'c and d came in the same chunk, and are not given out')
  t.equal(subscription.lastEventId, '2', 'the cursor is the last event handed over')
  await subscription.done
  t.equal(fetch.calls.length, 1, 'no reconnection')
})

t.test('an empty id clears the cursor: the next request sends no Last-Event-ID', async t => {
  const fetch = scripted([sse('id: 5\ndata: a\n\nid:\ndata: b\n\n'), sse('event: end\ndata:\n\n')])
  const subscription = subscribe('http://x.invalid/', { fetch, retryMs: 0 })
  const events = collect(subscription)
  await events.ended
  t.same(events.items.map(event => event.id), ['5', ''])
  t.equal(subscription.lastEventId, '')
  t.equal(new Headers(fetch.calls[1]?.headers).has('last-event-id'), false)
})

t.test('parse: the default falls back to the text; a custom one gets the type; reset data is always JSON', async t => {
  const text = 'data: not json\n\ndata: {"a":1}\n\nevent: reset\ndata: {"reason":"stale","earliest":null}\n\nevent: end\ndata:\n\n'
  const plain = collect(subscribe('http://x.invalid/', { fetch: scripted([sse(text)]) }))
  await plain.ended
  t.same(plain.items.map(event => event.data), ['not json', { a: 1 }, { reason: 'stale', earliest: null }])
  const types: string[] = []
  const custom = collect(subscribe('http://x.invalid/', { fetch: scripted([sse(text)]), parse: (data, type) => { types.push(type); return data.length } }))
  await custom.ended
  t.same(custom.items.map(event => event.data), [8, 7, { reason: 'stale', earliest: null }])
  t.same(types, ['message', 'message'])
})

t.test('custom endEvent and errorEvent names; endEvent false never ends', async t => {
  const named = collect(subscribe('http://x.invalid/', {
    fetch: scripted([sse('event: end\ndata: x\n\nevent: fin\ndata:\n\n')]),
    endEvent: 'fin'
  }))
  await named.ended
  t.same(named.items.map(event => event.type), ['end'], 'the default name is an ordinary event then')
  const failing = collect(subscribe('http://x.invalid/', {
    fetch: scripted([sse('event: oops\ndata: {"code":"FST_STREAM_X","message":"fastify-stream: x"}\n\n')]),
    errorEvent: 'oops'
  }))
  await t.rejects(failing.ended, { code: 'FST_STREAM_X', message: 'fastify-stream: x' })
  const endless = subscribe('http://x.invalid/', { fetch: scripted([sse('event: end\ndata:\n\n'), sse('data: again\n\n')]), endEvent: false, retryMs: 0 })
  const events = collect(endless)
  await events.until(items => items.length === 2)
  endless.close()
  await events.ended
  t.same(events.items.map(event => event.data), ['', 'again'])
})

t.test('a malformed error event is still an error; resumable ones reconnect', async t => {
  const garbled = collect(subscribe('http://x.invalid/', { fetch: scripted([sse('event: stream-error\ndata: {oops\n\n')]) }))
  await t.rejects(garbled.ended, { code: 'FST_STREAM_SOURCE_FAILED', message: /sent an error event \(\{oops\)/ })
  const retries: string[] = []
  const resumed = collect(subscribe('http://x.invalid/', {
    fetch: scripted([
      sse('id: 1\ndata: a\n\nevent: stream-error\ndata: {"code":"FST_STREAM_SLOW_CONSUMER","message":"fastify-stream: slow"}\n\n'),
      sse('event: stream-error\ndata: {"code":"FST_STREAM_LIFETIME_OVER","message":"fastify-stream: old"}\n\n'),
      sse('id: 2\ndata: b\n\nevent: end\ndata:\n\n')
    ]),
    retryMs: 0,
    onRetry: info => { retries.push(info.error.code) }
  }))
  await resumed.ended
  t.same(resumed.items.map(event => event.data), ['a', 'b'])
  t.same(retries, ['FST_STREAM_SLOW_CONSUMER', 'FST_STREAM_LIFETIME_OVER'])
})

t.test('responses that are not event streams', async t => {
  await t.rejects(collect(subscribe('http://x.invalid/', { fetch: scripted([() => new Response(null, { status: 200, headers: SSE })]) })).ended,
    { code: CLIENT_ERROR_CODES.CONTENT_TYPE, message: /answered 200 with "text\/event-stream; charset=utf-8", not an event stream/ }, 'no body (a HEAD)')
  await t.rejects(collect(subscribe('http://x.invalid/', { fetch: scripted([() => new Response('x')]) })).ended,
    { code: CLIENT_ERROR_CODES.CONTENT_TYPE, message: /with "text\/plain;charset=UTF-8"/ })
  await t.rejects(collect(subscribe('http://x.invalid/', { fetch: scripted([() => { const r = new Response('x'); r.headers.delete('content-type'); return r }]) })).ended,
    { code: CLIENT_ERROR_CODES.CONTENT_TYPE, message: /with ""/ }, 'no content-type at all')
  await t.rejects(collect(subscribe('http://x.invalid/', { fetch: scripted([() => new Response(null, { status: 500, statusText: 'Oops' })]), maxAttempts: 1 })).ended,
    { code: CLIENT_ERROR_CODES.RETRIES_EXHAUSTED, status: 500, cause: { code: CLIENT_ERROR_CODES.HTTP_STATUS, message: /answered 500 Oops;/ } })
  await t.rejects(collect(subscribe('http://x.invalid/', { fetch: scripted([() => new Response('<html>', { status: 404 })]) })).ended,
    { code: CLIENT_ERROR_CODES.HTTP_STATUS, status: 404, message: /answered 404;/ })
  const gone = collect(subscribe('http://x.invalid/', { fetch: scripted([() => new Response(null, { status: 204 })]) }))
  await gone.ended
  t.same(gone.items, [])
})

t.test('onEvent that throws ends the subscription with its error', async t => {
  const boom = new Error('boom')
  const subscription = subscribe('http://x.invalid/', { fetch: scripted([sse('data: a\n\ndata: b\n\n')]), onEvent: () => { throw boom } })
  t.equal(await rejection(subscription.done), boom)
})

t.test('abort while waiting to reconnect ends at once', async t => {
  const controller = new AbortController()
  const waiting = deferred()
  const subscription = subscribe('http://x.invalid/', {
    fetch: scripted([() => { throw new TypeError('refused') }]),
    retryMs: 60_000,
    signal: controller.signal,
    onRetry: () => { waiting.resolve() },
    onEvent: () => {}
  })
  await waiting.promise
  const before = performance.now()
  controller.abort()
  await subscription.done
  t.ok(performance.now() - before < 1000, 'done resolved without waiting the minute')
})

t.test('reconnectDelay: the hint after an open stream, doubling per failure, capped, jittered', async t => {
  t.equal(reconnectDelay(300, 0, 30_000, () => 0), 300)
  t.equal(reconnectDelay(300, 0, 30_000, () => 1), 360, 'at most 20% more')
  t.equal(reconnectDelay(300, 2, 30_000, () => 0), 1200)
  t.equal(reconnectDelay(1000, 10, 30_000, () => 0), 30_000, 'capped')
  t.equal(reconnectDelay(60_000, 3, 30_000, () => 0), 60_000, 'a hint over the cap wins')
  t.equal(reconnectDelay(0, 0, 30_000, () => 0), 0, 'retry: 0 reconnects at once after a clean close')
  t.equal(reconnectDelay(0, 1, 30_000, () => 0), 200, 'but failures back off from 100 ms')
  t.equal(reconnectDelay(1000, 2000, 30_000, () => 0), 30_000, 'no overflow')
})

t.test('retryAfterMs: seconds or an HTTP date', async t => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(retryAfterMs(null, now), 0)
  t.equal(retryAfterMs(' 3 ', now), 3000)
  t.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000)
  t.equal(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now), 0, 'a date in the past')
  t.equal(retryAfterMs('soon', now), 0)
  t.equal(retryAfterMs('3'), 3000, 'defaults to now')
})

t.test('sleep resolves early on abort, and at once when already aborted', async t => {
  await reached(t, sleep(60_000, AbortSignal.abort()), 'an already aborted sleep resolves at once', 5000)
  const controller = new AbortController()
  const slept = sleep(60_000, controller.signal)
  controller.abort()
  await reached(t, slept, 'a sleep resolves on abort', 5000)
  await reached(t, sleep(1, new AbortController().signal), 'a short sleep resolves', 5000)
})

t.test('isStreamClientError', async t => {
  t.ok(isStreamClientError(new StreamClientError('FST_STREAM_X', 'x')))
  t.notOk(isStreamClientError(new Error('x')))
  t.notOk(isStreamClientError(Object.assign(new Error('x'), { name: 'StreamClientError', code: 'E_OTHER' })))
  t.notOk(isStreamClientError({ name: 'StreamClientError', code: 'FST_STREAM_X' }))
  const cause = new Error('root')
  t.equal(new StreamClientError('FST_STREAM_X', 'x', { cause, status: 500 }).cause, cause)
})
