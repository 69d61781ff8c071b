// reply.stream() answers as a user sees it through inject(): formats, headers, finite ends,
// negotiation and errors before the first byte.
import Fastify from 'fastify'
import t from 'tap'
import fastifyStream, { errors, INVALID_LAST_EVENT_ID, sse } from '../../plugin/index.js'

async function appWith (register: Parameters<typeof fastifyStream>[1] = {}) {
  const app = Fastify()
  await app.register(fastifyStream, register)
  t.teardown(() => app.close())
  return app
}

t.test('S27/S28: a finite SSE stream: preamble, events, end event, head', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream([1, 2]))
  const res = await app.inject({ url: '/', headers: { accept: 'text/event-stream' } })
  t.equal(res.statusCode, 200)
  t.equal(res.body, ':\n\ndata: 1\n\ndata: 2\n\nevent: end\ndata:\n\n')
  t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-cache, no-transform')
  t.equal(res.headers['x-accel-buffering'], 'no')
  t.equal(res.headers.connection, 'keep-alive')
  t.equal(res.headers['content-length'], undefined)
  t.equal(res.headers.vary, 'Accept')
})

t.test('S26: retryMs opens the stream with a retry field, never a BOM', async t => {
  const app = await appWith({ retryMs: 3000 })
  app.get('/', (_request, reply) => reply.stream([]))
  const res = await app.inject({ url: '/', headers: { accept: 'text/event-stream' } })
  t.equal(res.body, 'retry: 3000\n\nevent: end\ndata:\n\n')
  t.not(res.rawPayload[0], 0xef)
})

t.test('endEvent renames or removes the terminal event', async t => {
  const app = await appWith({ endEvent: 'done' })
  app.get('/renamed', (_request, reply) => reply.stream(['x']))
  app.get('/none', (_request, reply) => reply.stream(['x'], { endEvent: false }))
  const renamed = await app.inject({ url: '/renamed', headers: { accept: 'text/event-stream' } })
  t.equal(renamed.body, ':\n\ndata: x\n\nevent: done\ndata:\n\n')
  const none = await app.inject({ url: '/none', headers: { accept: 'text/event-stream' } })
  t.equal(none.body, ':\n\ndata: x\n\n')
})

t.test('N1/N2/N7: NDJSON by default and for application/x-ndjson and application/jsonl', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream([{ a: 1 }, 'a\nb', sse({ id: '1', data: 2 }), sse({ comment: 'skipped' })]))
  for (const accept of [undefined, '*/*', 'application/x-ndjson', 'application/jsonl', 'text/html']) {
    const res = await app.inject({ url: '/', headers: accept === undefined ? {} : { accept } })
    t.equal(res.headers['content-type'], 'application/x-ndjson', String(accept))
    t.equal(res.body, '{"a":1}\n"a\\nb"\n2\n', String(accept))
  }
})

t.test('CSV is negotiated from text/csv', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream([{ a: 1, b: 'x,y' }]))
  const res = await app.inject({ url: '/', headers: { accept: 'text/csv' } })
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(res.body, 'a,b\r\n1,"x,y"\r\n')
})

t.test('defaultFormat and a forced format', async t => {
  const app = await appWith({ defaultFormat: 'sse' })
  app.get('/default', (_request, reply) => reply.stream(['x'], { endEvent: false }))
  app.get('/forced', (_request, reply) => reply.stream(['x'], { format: 'ndjson' }))
  const byDefault = await app.inject({ url: '/default' })
  t.equal(byDefault.body, ':\n\ndata: x\n\n')
  const forced = await app.inject({ url: '/forced', headers: { accept: 'text/event-stream' } })
  t.equal(forced.body, '"x"\n')
  t.equal(forced.headers.vary, undefined, 'a forced format does not vary on Accept')
})

t.test('formats restricts the offer: 406 through the error handler when nothing fits', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream(['x'], { formats: ['sse'] }))
  const refused = await app.inject({ url: '/', headers: { accept: 'application/x-ndjson' } })
  t.equal(refused.statusCode, 406)
  t.equal(refused.json().code, 'FST_STREAM_NOT_ACCEPTABLE')
  const accepted = await app.inject({ url: '/', headers: { accept: '*/*' } })
  t.equal(accepted.headers['content-type'], 'text/event-stream; charset=utf-8')
})

t.test('reply.code(), reply.header() and hook headers are honoured; onResponse runs at the end', async t => {
  const app = await appWith()
  let responded = 0
  app.addHook('onRequest', async (_request, reply) => { reply.header('x-request-tag', 'hooked') })
  app.addHook('onResponse', async () => { responded++ })
  app.get('/', (_request, reply) => reply.code(201).header('cache-control', 'private').header('vary', 'Origin').stream(['x']))
  const res = await app.inject({ url: '/', headers: { accept: 'text/event-stream' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['x-request-tag'], 'hooked')
  t.equal(res.headers['cache-control'], 'private', 'a header the route set wins over the default')
  t.equal(res.headers.vary, 'Origin, Accept')
  t.equal(responded, 1)
})

t.test('async handlers may return reply.stream()', async t => {
  const app = await appWith()
  app.get('/', async (_request, reply) => reply.stream(async function * () { yield 'a' }, { format: 'sse', endEvent: false }))
  const res = await app.inject({ url: '/' })
  t.equal(res.body, ':\n\ndata: a\n\n')
})

t.test('HEAD sends the head only and never runs the source', async t => {
  const app = await appWith()
  let ran = false
  app.get('/', (_request, reply) => reply.stream(function * () { ran = true; yield 1 }))
  const res = await app.inject({ method: 'HEAD', url: '/', headers: { accept: 'text/event-stream' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
  t.equal(res.body, '')
  t.equal(ran, false)
})

t.test('errors before the first byte go through the error handler', async t => {
  const app = await appWith()
  app.get('/throws', (_request, reply) => reply.stream(async function * () { throw Object.assign(new Error('teapot'), { statusCode: 418 }) }))
  app.get('/factory-throws', (_request, reply) => reply.stream(() => { throw new Error('no factory') }))
  app.get('/async-factory-rejects', (_request, reply) => reply.stream(async () => { throw new Error('no source') }))
  app.get('/not-iterable', (_request, reply) => reply.stream(42 as never))
  app.get('/not-an-error', (_request, reply) => reply.stream(async function * () { throw 'a string' }))  // eslint-disable-line no-throw-literal
  app.get('/bad-first-item', (_request, reply) => reply.stream([sse({ event: 'a\nb', data: 1 })], { format: 'sse' }))
  app.get('/bad-call-option', (_request, reply) => reply.stream([1], { heartbeatMs: -1 }))
  const cases: Array<[string, number, string | undefined]> = [
    ['/throws', 418, undefined],
    ['/factory-throws', 500, undefined],
    ['/async-factory-rejects', 500, undefined],
    ['/not-iterable', 500, 'FST_STREAM_INVALID_SOURCE'],
    ['/not-an-error', 500, 'FST_STREAM_SOURCE_FAILED'],
    ['/bad-first-item', 500, 'FST_STREAM_INVALID_EVENT'],
    ['/bad-call-option', 500, 'FST_STREAM_INVALID_OPTION']
  ]
  for (const [url, status, code] of cases) {
    const res = await app.inject({ url, headers: { accept: 'text/event-stream' } })
    t.equal(res.statusCode, status, url)
    t.match(res.headers['content-type'], /^application\/json/, url)
    if (code !== undefined) t.equal(res.json().code, code, url)
  }
  t.equal(app.streams.open, 0, 'nothing is left open')
})

t.test('a source that resolves an async factory streams normally', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream(async ({ lastEventId }) => [lastEventId ?? 'none']))
  const res = await app.inject({ url: '/', query: { lastEventId: '41' } })
  t.equal(res.body, '"41"\n')
})

t.test('request.lastEventId: header, query fallback, UTF-8, caps (S30, S31)', async t => {
  const app = await appWith({ maxLastEventIdLength: 8 })
  app.get('/', (request, reply) => reply.send({ id: request.lastEventId ?? null }))
  const utf8AsLatin1 = Buffer.from('é').toString('latin1')
  const cases: Array<[Record<string, string>, Record<string, string>, string | null]> = [
    [{ 'last-event-id': '41' }, { lastEventId: '7' }, '41'],
    [{}, { lastEventId: '7' }, '7'],
    [{ 'last-event-id': utf8AsLatin1 }, {}, 'é'],
    [{ 'last-event-id': '123456789' }, {}, INVALID_LAST_EVENT_ID],
    [{}, {}, null]
  ]
  for (const [headers, query, expected] of cases) {
    const res = await app.inject({ url: '/', headers, query })
    t.equal(res.json().id, expected, JSON.stringify({ headers, query }))
  }
})

t.test('the query fallback can be renamed or disabled', async t => {
  const renamed = await appWith({ lastEventIdQuery: 'since' })
  renamed.get('/', (request, reply) => reply.send({ id: request.lastEventId ?? null }))
  t.equal((await renamed.inject({ url: '/?since=5' })).json().id, '5')
  const disabled = await appWith({ lastEventIdQuery: false })
  disabled.get('/', (request, reply) => reply.send({ id: request.lastEventId ?? null }))
  t.equal((await disabled.inject({ url: '/?lastEventId=5' })).json().id, null)
})

t.test('fastify.streams counts streams, events, bytes and errors', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream(['ab', 'cd'], { format: 'sse', endEvent: false }))
  app.get('/fails', (_request, reply) => reply.stream(async function * () { yield 1; await Promise.resolve(); throw new Error('x') }, { format: 'sse' }))
  const res = await app.inject({ url: '/', headers: { 'last-event-id': '3' } })
  t.equal(app.streams.opened, 1)
  t.equal(app.streams.open, 0)
  t.equal(app.streams.events, 2)
  t.equal(app.streams.bytes, Buffer.byteLength(res.body))
  t.equal(app.streams.resumes, 1)
  await app.inject({ url: '/fails' })
  t.equal(app.streams.errors, 1)
})

t.test('calling reply.stream() on a sent reply only logs a warning', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => {
    reply.send('done')
    return reply.stream([1])
  })
  const res = await app.inject({ url: '/' })
  t.equal(res.body, 'done')
  t.equal(app.streams.opened, 0)
})

t.test('errors are exported with their codes', async t => {
  t.equal(new errors.FST_STREAM_INVALID_SOURCE('x').code, 'FST_STREAM_INVALID_SOURCE')
})

t.test('a route may set its own defaultFormat, and set headers from the factory by format', async t => {
  const app = await appWith()
  app.get('/', (_request, reply) => reply.stream(({ format, reply }) => {
    if (format === 'csv') reply.header('content-disposition', 'attachment; filename="rows.csv"')
    return [{ a: 1 }]
  }, { formats: ['csv', 'ndjson'], defaultFormat: 'csv' }))
  const csv = await app.inject({ url: '/', headers: { accept: '*/*' } })
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(csv.headers['content-disposition'], 'attachment; filename="rows.csv"')
  t.equal(csv.body, 'a\r\n1\r\n')
  const ndjson = await app.inject({ url: '/', headers: { accept: 'application/x-ndjson' } })
  t.equal(ndjson.headers['content-disposition'], undefined)
  t.equal(ndjson.body, '{"a":1}\n')
})

t.test('per-call settings stay correct past the bounded config and encoder caches', async t => {
  const app = await appWith()
  app.get('/', (request, reply) => {
    const n = Number((request.query as { n: string }).n)
    return reply.stream(['x'], { format: 'sse', heartbeatMs: 1000 + n, retryMs: n, endEvent: false })
  })
  app.get('/custom', (_request, reply) => reply.stream([{ a: 1 }], { format: 'ndjson', serializer: value => `<${JSON.stringify(value)}>` }))
  for (let n = 0; n < 80; n++) {
    const res = await app.inject({ url: `/?n=${n}` })
    t.equal(res.body, `retry: ${n}\n\ndata: x\n\n`, `settings #${n}`)
  }
  const custom = await app.inject({ url: '/custom' })
  t.equal(custom.body, '<{"a":1}>\n', 'a per-call serializer gets its own encoder')
  const plain = await app.inject({ url: '/?n=3' })
  t.equal(plain.body, 'retry: 3\n\ndata: x\n\n', 'cached settings are reused unchanged')
})

t.test('per-call options left undefined keep the plugin defaults', async t => {
  const app = await appWith({ endEvent: 'done' })
  app.get('/', (_request, reply) => reply.stream(['x'], { format: 'sse', endEvent: undefined }))
  const res = await app.inject({ url: '/' })
  t.equal(res.body, ':\n\ndata: x\n\nevent: done\ndata:\n\n')
})

t.test('S11: events named error or open are sent, with one warning per name', async t => {
  const warnings: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line).msg) } } } })
  await app.register(fastifyStream)
  t.teardown(() => app.close())
  app.get('/', (_request, reply) => reply.stream([
    sse({ event: 'error', data: 1 }), sse({ event: 'error', data: 2 }), sse({ event: 'open', data: 3 }), sse({ event: 'tick', data: 4 })
  ], { format: 'sse', endEvent: false }))
  app.get('/custom', (_request, reply) => reply.stream([sse({ event: 'open', data: 5 })], { format: 'sse', serializer: String }))
  const res = await app.inject({ url: '/' })
  t.equal(res.body, ':\n\nevent: error\ndata: 1\n\nevent: error\ndata: 2\n\nevent: open\ndata: 3\n\nevent: tick\ndata: 4\n\n')
  await app.inject({ url: '/' })
  t.equal(warnings.length, 2, 'once per name, not per event or per stream')
  t.match(warnings[0], /named "error".*rename the event/)
  t.match(warnings[1], /named "open"/)
  await app.inject({ url: '/custom' })
  t.equal(warnings.length, 3, 'an encoder made for a per-call serializer warns too')
})

t.test('a non-async handler may call reply.stream() without returning it', async t => {
  const app = await appWith()
  app.setErrorHandler((err, _request, reply) => { reply.code(409).send({ handled: (err as Error).message }) })
  app.get('/', (_request, reply) => { reply.stream(async function * () { yield 'a'; yield 'b' }, { format: 'sse' }) })
  app.get('/fails', (_request, reply) => { reply.stream(async function * () { throw new Error('early') }) })
  const ok = await app.inject({ url: '/' })
  t.equal(ok.body, ':\n\ndata: a\n\ndata: b\n\nevent: end\ndata:\n\n')
  const failed = await app.inject({ url: '/fails' })
  t.equal(failed.statusCode, 409, 'an error before the head still reaches the error handler')
  t.same(failed.json(), { handled: 'early' })
})
