// validateItems: each item checked against its route's item schema by the route's validator
// compiler; a bad item ends that one stream in-band, named and logged once, and nothing else.
import t from 'tap'
import { errors, sse, sseEvents, streamContent } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { logLines } from '../helpers/log-lines.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

const User = {
  type: 'object',
  properties: { id: { type: 'integer' }, email: { type: 'string', pattern: '^[^@]+@[^@]+$' } },
  required: ['id', 'email']
}

async function get (url: string, accept: string): Promise<{ status: number, body: string }> {
  const res = await fetch(url, { headers: { accept } })
  return { status: res.status, body: await res.text().catch(() => '(aborted)') }
}

t.test('plugin-wide: a bad item ends its stream in-band, names the path, is logged once with the route', async t => {
  const lines = logLines()
  const { app, url } = await listenApp(app => {
    app.get('/users', { schema: { response: { 200: streamContent(User) } } }, (_request, reply) => reply.stream([
      { id: 1, email: 'a@example.org' },
      { id: 2, email: 'not an address' },
      { id: 3, email: 'c@example.org' }
    ]))
    app.get('/healthy', { schema: { response: { 200: streamContent(User) } } }, (_request, reply) => reply.stream(async function * ({ signal }) {
      for (let id = 1; !signal.aborted; id++) {
        yield { id, email: `${id}@example.org` }
        await new Promise(resolve => setImmediate(resolve))
      }
    }))
  }, { validateItems: true }, { logger: { level: 'info', stream: lines } })
  t.teardown(() => app.close())

  const healthy = await openStream(url + '/healthy', { accept: 'text/event-stream' })
  await healthy.waitFor(text => parseSse(text).length >= 3)

  const sseBody = await get(url + '/users', 'text/event-stream')
  const events = parseSse(sseBody.body)
  t.same(events.map(event => event.event ?? 'message'), ['message', 'stream-error'], 'SSE: the good item, then the error event, nothing after')
  t.match(JSON.parse(events[1]!.data), { code: 'FST_STREAM_INVALID_ITEM', message: 'fastify-stream: an item does not match the route\'s item schema: at /email: must match pattern "^[^@]+@[^@]+$"' })
  t.notMatch(sseBody.body, /not an address/, 'the bad value itself is not echoed')

  const logged = await lines.waitFor('the stream failed after its headers were sent')
  t.equal(logged.level, 50, 'logged at error level')
  t.match(logged, { route: 'GET /users', err: { code: 'FST_STREAM_INVALID_ITEM' } })
  t.equal(lines.records.filter(record => (record.err as { code?: string } | undefined)?.code === 'FST_STREAM_INVALID_ITEM').length, 1, 'once')

  const ndjson = await openStream(url + '/users', { accept: 'application/x-ndjson' })
  await ndjson.ended
  t.equal(ndjson.text.split('\n')[1], '{"error":{"code":"FST_STREAM_INVALID_ITEM","message":"fastify-stream: an item does not match the route\'s item schema: at /email: must match pattern \\"^[^@]+@[^@]+$\\""}}', 'NDJSON: the error record in place of the bad item')
  t.notMatch(ndjson.text, /c@example.org/, 'NDJSON: nothing after it')

  const before = parseSse(healthy.text).length
  await healthy.waitFor(text => parseSse(text).length > before + 2)
  t.pass('another stream of the same process went on')
  healthy.close()
})

t.test('per call, on or off; per event for an SSE schema per event; the hub\'s reset is not the route\'s item', async t => {
  const { app, url } = await listenApp(app => {
    const schema = { response: { 200: streamContent(User, ['ndjson', 'sse']) } }
    app.get('/on', { schema }, (_request, reply) => reply.stream([{ id: 'one', email: 'a@b' }], { validateItems: true }))
    app.get('/on-later', { schema }, (_request, reply) => reply.stream([{ id: 1, email: 'a@b' }, { id: 'two', email: 'a@b' }], { validateItems: true }))
    app.get('/off', { schema }, (_request, reply) => reply.stream([{ id: 1, email: 'no' }]))
    app.get('/events', {
      schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: sseEvents({ tick: { type: 'integer', minimum: 0 } }) } } } } }
    }, (_request, reply) => reply.stream([sse({ event: 'tick', data: 1 }), sse({ event: 'tick', data: -1 })], { validateItems: true }))
    app.get('/hub', { schema }, (request, reply) => reply.stream(app.hub.subscribe('users', { lastEventId: request.lastEventId }), { validateItems: true }))
    app.get('/plain', (_request, reply) => reply.stream([1], { validateItems: true }))
  }, { hub: { historySize: 1 } })
  t.teardown(() => app.close())

  const first = await get(url + '/on', 'text/event-stream')
  t.equal(first.status, 500, 'per call: on; a bad first item fails before the head, through the error handler')
  t.match(JSON.parse(first.body), { code: 'FST_STREAM_INVALID_ITEM', message: /at \/id: must be integer/ })
  const later = parseSse((await get(url + '/on-later', 'text/event-stream')).body)
  t.match(JSON.parse(later[1]!.data), { code: 'FST_STREAM_INVALID_ITEM', message: /at \/id: must be integer/ }, 'a later one ends the stream in-band')
  t.equal((await get(url + '/off', 'application/x-ndjson')).body, '{"id":1,"email":"no"}\n', 'off by default: the serializer alone decides')

  const events = parseSse((await get(url + '/events', 'text/event-stream')).body)
  t.same(events.map(event => event.event), ['tick', 'stream-error'])
  t.match(JSON.parse(events[1]!.data), { message: /at \/: must be >= 0/ }, 'each event by its own schema')

  await app.hub.publish('users', { id: 1, email: 'a@example.org' })
  await app.hub.publish('users', { id: 2, email: 'b@example.org' })
  const resumed = await openStream(url + '/hub', { accept: 'text/event-stream', 'last-event-id': 'gone' })
  await resumed.waitFor(text => parseSse(text).length >= 1)
  await app.hub.publish('users', { id: 3, email: 'c@example.org' })
  await resumed.waitFor(text => parseSse(text).length >= 2)
  const replay = parseSse(resumed.text)
  t.equal(replay[0]?.event, 'reset', 'the reset passes: it is the library\'s event, not an item')
  t.match(JSON.parse(replay[0]!.data), { reason: String })
  t.same(JSON.parse(replay[1]!.data), { id: 3, email: 'c@example.org' }, 'then live events, checked')
  resumed.close()

  const plain = await get(url + '/plain', '*/*')
  t.equal(plain.status, 500, 'validateItems on a route with no item schema is a mistake, said at once')
  t.match(JSON.parse(plain.body), { code: errors.FST_STREAM_INVALID_OPTION('a', 'b').code, message: /validateItems.*declares its items/ })
})

t.test('the route\'s validator compiler does the checking', async t => {
  const seen: unknown[] = []
  const { app, url } = await listenApp(app => {
    app.get('/users', {
      schema: { response: { 200: streamContent(User, ['ndjson']) } },
      validatorCompiler: ({ schema }) => {
        seen.push(schema)
        // As zod's compiler answers: an Error carrying its issues.
        return (value: unknown) => (value as { id?: unknown }).id === 7 ? { error: Object.assign(new Error('invalid'), { issues: [{ path: ['id'], message: 'seven is refused' }] }) } : { value }
      }
    }, (_request, reply) => reply.stream([{ id: 1, email: 'x' }, { id: 7, email: 'y' }], { validateItems: true }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url + '/users', { accept: 'application/x-ndjson' })
  t.same(await client.ended, { complete: false }, 'NDJSON: the error record, then an abort')
  t.match(client.text, /^\{"id":1,"email":"x"\}\n\{"error":\{"code":"FST_STREAM_INVALID_ITEM","message":"[^"]*at \/id: seven is refused"\}\}\n$/, 'a compiler in the { value } | { error } style, its first issue named')
  await (await openStream(url + '/users', { accept: 'application/x-ndjson' })).ended
  t.same(seen, [User], 'compiled once, on first use')
})
