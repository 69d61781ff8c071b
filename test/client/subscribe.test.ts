// subscribe() in Node 20 with its global fetch, against the plugin over real sockets: headers,
// the end event, a restart with resume, abort, 204, retry hints, back-off, in-band errors,
// hub resets and error responses.
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import { isStreamClientError, subscribe, type StreamClientError, type SubscriptionEvent } from '../../lib/client/index.js'
import { CLIENT_ERROR_CODES } from '../../lib/client/client-error.js'
import { errors, sse } from '../../lib/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { collect, rejection, startServer, type SequenceEvents } from './fixtures.js'
import { reached, within } from '../helpers/bounded-wait.js'
import { deferred } from '../helpers/deferred.js'

// A subscription that has ended has run its reconnection loop to the end, so "no
// reconnection" is read from the server when it ends; one that keeps reconnecting never
// ends, and the bound fails it with a message.

function ns (events: Array<SubscriptionEvent<string, unknown>>): number[] {
  return events.map(event => (event.data as { n: number }).n)
}

t.test('an Authorization header reaches the route, events are typed, the end event stops it', async t => {
  const server = await startServer(app => {
    app.get('/three', (request, reply) => reply.stream([1, 2, 3].map(n => sse<SequenceEvents>({ id: n, event: 'tick', data: { n, auth: request.headers.authorization ?? null } }))))
  })
  t.teardown(() => server.app.close())
  const subscription = subscribe<SequenceEvents>(`${server.url}/three`, { headers: { authorization: 'Bearer s3cret' } })
  const seen: Array<{ n: number, auth: string | null }> = []
  await within((async () => {
    for await (const event of subscription) {
      if (event.type === 'tick') seen.push(event.data)
    }
  })(), 'the subscription to end after the end event')
  t.same(seen, [1, 2, 3].map(n => ({ n, auth: 'Bearer s3cret' })))
  t.equal(server.requests[0]?.authorization, 'Bearer s3cret', 'the route saw the header')
  t.equal(subscription.lastEventId, '3')
  await subscription.done
  t.equal(server.requests.length, 1, 'the end event stops reconnection')
})

t.test('a restart of the server: the client reconnects and resumes with no gap and no duplicate', async t => {
  let server = await startServer()
  const port = server.port
  t.teardown(() => server.app.close())
  const retries: StreamClientError[] = []
  const refused = deferred()
  const subscription = subscribe<SequenceEvents>(`${server.url}/seq`, {
    retryMs: 20,
    onRetry: info => {
      retries.push(info.error)
      if (info.error.code === CLIENT_ERROR_CODES.NETWORK) refused.resolve()
    }
  })
  const events = collect(subscription)
  await events.until(items => items.length >= 5)
  await server.app.close()
  const lastBefore = Number(subscription.lastEventId)
  // Down for a while: at least one attempt is refused before the new server listens.
  await refused.promise
  server = await startServer(undefined, { port })
  await events.until(items => ns(items).includes(lastBefore + 5))
  subscription.close()
  await events.ended
  const seen = ns(events.items)
  t.same(seen, seen.map((_, i) => i + 1), `1, 2, 3… with no gap and no duplicate across the restart (last before: ${lastBefore})`)
  t.equal(server.requests[0]?.lastEventId, String(lastBefore), 'the new server was asked to resume after the last id')
  t.equal(retries[0]?.code, 'FST_STREAM_SHUTDOWN', 'the shutdown record made it reconnect')
  t.ok(retries.slice(1).every(error => error.code === CLIENT_ERROR_CODES.NETWORK || error.code === 'FST_STREAM_SHUTDOWN'), `then refused connections, retried: ${retries.map(error => error.code).join(' ')}`)
})

t.test('abort stops the stream at once and nothing reconnects', async t => {
  const sourceDone = deferred()
  const server = await startServer(app => {
    app.get('/endless', (_request, reply) => reply.stream(async function * ({ signal }) {
      try {
        for (let n = 1; ; n++) {
          yield sse({ id: n, data: n })
          await delay(10, undefined, { signal })
        }
      } finally {
        sourceDone.resolve()
      }
    }))
  })
  t.teardown(() => server.app.close())
  const controller = new AbortController()
  const subscription = subscribe(`${server.url}/endless`, { signal: controller.signal, retryMs: 10 })
  let count = 0
  await within((async () => {
    for await (const event of subscription) {
      t.equal(event.type, 'message', 'an unnamed event is a message')
      if (++count === 3) controller.abort()
    }
  })(), 'the subscription to end on abort')
  t.equal(count, 3, 'no event after the abort: the loop ended quietly')
  await subscription.done
  await reached(t, sourceDone.promise, 'the server saw the client go: the source finally ran')
  t.equal(server.requests.length, 1, 'no reconnection')
})

t.test('a 204 stops for good', async t => {
  const server = await startServer(app => {
    app.get('/gone', (_request, reply) => reply.code(204).send())
  })
  t.teardown(() => server.app.close())
  const events = collect(subscribe(`${server.url}/gone`, { retryMs: 10 }))
  await within(events.ended, 'the subscription to end after a 204')
  t.same(events.items, [])
  t.equal(server.requests.length, 1, 'no reconnection after 204')
})

t.test('the retry: hint sets the reconnection time', async t => {
  const server = await startServer(app => {
    // A finite stream without the end event: the client cannot tell it from a dropped one.
    app.get('/brief', (request, reply) => reply.stream([sse({ id: Number(request.lastEventId ?? 0) + 1, data: 'x' })], { retryMs: 300, endEvent: false }))
  })
  t.teardown(() => server.app.close())
  const delays: number[] = []
  // The client's own default (5 s) would fail this test; only the hint makes it come back in time.
  const subscription = subscribe(`${server.url}/brief`, { retryMs: 5000, onRetry: info => { delays.push(info.delayMs) } })
  const events = collect(subscription)
  await events.until(items => items.length === 3)
  subscription.close()
  for (const gapAt of [1, 2]) {
    const gap = (server.requests[gapAt]?.at ?? 0) - (server.requests[gapAt - 1]?.finishedAt ?? Infinity)
    t.ok(gap >= 295 && gap < 800, `reconnected ${gap.toFixed(0)} ms after the close (retry: 300, at most 20% jitter)`)
  }
  t.ok(delays.every(ms => ms >= 300 && ms <= 360), `the waits were ${delays.join(', ')} ms`)
  t.same(server.requests.map(request => request.lastEventId), [undefined, '1', '2'], 'each reconnection resumes')
})

t.test('failed attempts back off exponentially and maxAttempts gives up', async t => {
  const server = await startServer(app => {
    app.get('/busy', async (_request, reply) => reply.code(503).send(new errors.FST_STREAM_TOO_MANY_STREAMS()))
  })
  t.teardown(() => server.app.close())
  const delays: number[] = []
  const subscription = subscribe(`${server.url}/busy`, { retryMs: 100, maxAttempts: 4, onRetry: info => { delays.push(info.delayMs) } })
  const err = await rejection(collect(subscription).ended) as StreamClientError
  t.equal(err.code, CLIENT_ERROR_CODES.RETRIES_EXHAUSTED)
  t.equal(err.status, 503)
  t.equal((err.cause as StreamClientError).code, 'FST_STREAM_TOO_MANY_STREAMS', 'the cause is the server\'s error')
  t.equal(server.requests.length, 4)
  t.equal(delays.length, 3)
  delays.forEach((ms, i) => {
    const base = 100 * 2 ** (i + 1)
    t.ok(ms >= base && ms <= base * 1.2, `wait ${i + 1} is ${ms} ms: ${base} ms plus at most 20%`)
  })
  await t.rejects(subscription.done, { code: CLIENT_ERROR_CODES.RETRIES_EXHAUSTED }, 'done rejects with it too')
})

t.test('a 429 with Retry-After waits as long as the server asks', async t => {
  const server = await startServer(app => {
    app.get('/later', async (request, reply) => {
      if (request.lastEventId === undefined && server.requests.length === 1) return reply.code(429).header('retry-after', '1').send(new errors.FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT())
      return reply.stream(['ok'])
    })
  })
  t.teardown(() => server.app.close())
  const retries: Array<{ code: string, delayMs: number }> = []
  const events = collect(subscribe(`${server.url}/later`, { retryMs: 10, onRetry: info => { retries.push({ code: info.error.code, delayMs: info.delayMs }) } }))
  await events.ended
  t.same(events.items.map(event => event.data), ['ok'])
  t.equal(retries[0]?.code, 'FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT')
  t.ok((retries[0]?.delayMs ?? 0) >= 1000, 'waited for Retry-After')
  const gap = (server.requests[1]?.at ?? 0) - (server.requests[0]?.at ?? 0)
  t.ok(gap >= 995, `the second request came ${gap.toFixed(0)} ms later`)
})

t.test('stream-error becomes a typed error with the server\'s code, and ends the subscription', async t => {
  const server = await startServer(app => {
    app.get('/fails', (_request, reply) => reply.stream(async function * () {
      yield 'first'
      throw new Error('database down')
    }))
  })
  t.teardown(() => server.app.close())
  const events = collect(subscribe(`${server.url}/fails`, { retryMs: 10 }))
  const err = await within(rejection(events.ended), 'the subscription to fail on the stream-error')
  t.ok(isStreamClientError(err))
  t.match(err, { code: 'FST_STREAM_SOURCE_FAILED', message: 'fastify-stream: the stream source failed', status: undefined })
  t.same(events.items.map(event => event.data), ['first'])
  t.equal(server.requests.length, 1, 'a failed source is not retried')
})

t.test('a hub reset reaches the caller as a reset event, then live events follow', async t => {
  const hub = createHub()
  const server = await startServer(app => {
    app.get('/topic', (request, reply) => reply.stream(app.hub.subscribe('news', { lastEventId: request.lastEventId })))
  }, { plugin: { hub } })
  t.teardown(() => server.app.close())
  const first = await hub.publish('news', { n: 1 }, { event: 'news' })
  const subscription = subscribe<{ news: { n: number } }>(`${server.url}/topic`, { lastEventId: 'no-such-id' })
  const events = collect(subscription)
  const [reset] = await events.until(items => items.length >= 1)
  if (reset?.type !== 'reset') throw new Error(`expected a reset first, got ${reset?.type}`)
  t.same(reset.data, { reason: 'invalid', earliest: first }, 'the reset data: why, and the oldest id still held')
  await hub.publish('news', { n: 2 }, { event: 'news' })
  const [, live] = await events.until(items => items.length >= 2)
  t.match(live, { type: 'news', data: { n: 2 } })
  subscription.close()
  await events.ended
})

t.test('error responses: the server\'s code when it names one, else the status', async t => {
  const server = await startServer(app => {
    app.get('/private', async (_request, reply) => reply.code(401).send({ error: 'Unauthorized' }))
    app.get('/ndjson-only', (_request, reply) => reply.stream([1], { formats: ['ndjson'] }))
    app.get('/json', async () => ({ not: 'a stream' }))
  })
  t.teardown(() => server.app.close())
  const subscription401 = subscribe(`${server.url}/private`, { retryMs: 10 })
  await t.rejects(collect(subscription401).ended, { code: CLIENT_ERROR_CODES.HTTP_STATUS, status: 401 })
  await t.rejects(collect(subscribe(`${server.url}/ndjson-only`)).ended, { code: 'FST_STREAM_NOT_ACCEPTABLE', status: 406 })
  await t.rejects(collect(subscribe(`${server.url}/json`)).ended, { code: CLIENT_ERROR_CODES.CONTENT_TYPE, status: 200 })
  t.equal(server.requests.length, 3, 'none of them was retried')
})

t.test('POST with a body: the body is sent again on every reconnection', async t => {
  const server = await startServer(app => {
    app.post<{ Body: { prompt: string } }>('/answer', (request, reply) => reply.stream(async function * ({ lastEventId }) {
      const from = Number(lastEventId ?? 0)
      yield sse({ id: from + 1, event: 'token', data: `${request.body.prompt}:${from + 1}` })
      // The first answer drops without its end event, once its token is out; the second is complete.
      if (from === 0) {
        await delay(20)
        return reply.raw.destroy()
      }
      yield sse({ id: from + 2, event: 'token', data: `${request.body.prompt}:${from + 2}` })
    }))
  })
  t.teardown(() => server.app.close())
  const tokens: string[] = []
  const subscription = subscribe<{ token: string }>(`${server.url}/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    body: JSON.stringify({ prompt: 'hi' }),
    retryMs: 10,
    onEvent: event => { if (event.type === 'token') tokens.push(event.data) }
  })
  await subscription.done
  t.same(tokens, ['hi:1', 'hi:2', 'hi:3'])
  t.same(server.requests.map(request => [request.method, request.lastEventId, request.authorization, request.body]), [
    ['POST', undefined, 'Bearer t', { prompt: 'hi' }],
    ['POST', '1', 'Bearer t', { prompt: 'hi' }]
  ])
})

t.test('a connection that breaks mid-body is retried at the reconnection time, not backed off', async t => {
  const server = await startServer(app => {
    app.get('/flaky', (request, reply) => reply.stream(async function * ({ lastEventId }) {
      const n = Number(lastEventId ?? 0) + 1
      yield sse({ id: n, data: n })
      if (n < 4) {
        await delay(20)
        reply.raw.socket?.destroy()
      }
    }))
  })
  t.teardown(() => server.app.close())
  const retries: Array<{ code: string, attempt: number, delayMs: number }> = []
  const events = collect(subscribe(`${server.url}/flaky`, { retryMs: 10, onRetry: ({ error, attempt, delayMs }) => { retries.push({ code: error.code, attempt, delayMs }) } }))
  await events.ended
  t.same(events.items.map(event => event.data), [1, 2, 3, 4])
  t.ok(retries.length === 3 && retries.every(retry => retry.attempt === 1 && retry.delayMs <= 12), `each break is a first attempt: ${JSON.stringify(retries)}`)
  t.ok(retries.every(retry => retry.code === CLIENT_ERROR_CODES.NETWORK || retry.code === CLIENT_ERROR_CODES.CLOSED))
})

t.test('a non-ASCII cursor reaches the server as UTF-8, and the server decodes it', async t => {
  const server = await startServer(app => {
    app.get('/echo', (request, reply) => reply.stream([sse({ event: 'cursor', data: { cursor: request.lastEventId ?? null } })]))
  })
  t.teardown(() => server.app.close())
  const events = collect(subscribe(`${server.url}/echo`, { lastEventId: 'café-☕-7' }))
  await events.ended
  t.same(events.items.map(event => event.data), [{ cursor: 'café-☕-7' }])
})

t.test('callbacks: onOpen for each connection, onEvent for each event, onRetry before each wait', async t => {
  const server = await startServer(app => {
    app.get('/twice', (request, reply) => reply.stream([sse({ id: Number(request.lastEventId ?? 0) + 1, data: 'x' })], request.lastEventId === undefined ? { endEvent: false } : {}))
  })
  t.teardown(() => server.app.close())
  const calls: string[] = []
  const subscription = subscribe(new URL('/twice', server.url), {
    retryMs: 10,
    onOpen: response => { calls.push(`open ${response.status}`) },
    onEvent: event => { calls.push(`event ${event.id ?? ''}`) },
    onRetry: info => { calls.push(`retry ${info.error.code}`) }
  })
  t.throws(() => subscription[Symbol.asyncIterator](), { code: CLIENT_ERROR_CODES.CONSUMED }, 'a subscription with onEvent cannot be iterated')
  await subscription.done
  t.same(calls, ['open 200', 'event 1', `retry ${CLIENT_ERROR_CODES.CLOSED}`, 'open 200', 'event 2'])
})
