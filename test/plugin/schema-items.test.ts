// A route that declares its items in schema.response[200].content: the formats it offers,
// the fields that reach the wire (every format, over a real socket, read by third-party
// decoders), the serializer compiler that writes them, and what fails at ready().
import { parse as parseCsv } from 'csv-parse/sync'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import fastifyStream, { errors, sse, sseEvents, streamContent } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { logLines } from '../helpers/log-lines.js'
import { parseSse } from '../helpers/sse-parse.js'

const User = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    address: { type: 'object', properties: { city: { type: 'string' } } },
    roles: { type: 'array', items: { type: 'string' } }
  },
  required: ['id', 'name']
}

// What a database row looks like: more than the API may show.
const rows = [
  { id: 1, name: 'Ada', passwordHash: '$argon2id$secret-1', address: { city: 'London', geo: 'secret-geo' }, roles: ['admin'] },
  { id: 2, name: 'Grace, "Amazing"', passwordHash: '$argon2id$secret-2', address: { city: 'Arlington' }, roles: [] }
]
const shown = [
  { id: 1, name: 'Ada', address: { city: 'London' }, roles: ['admin'] },
  { id: 2, name: 'Grace, "Amazing"', address: { city: 'Arlington' }, roles: [] }
]

async function get (url: string, accept: string): Promise<{ status: number, type: string | null, body: string }> {
  const res = await fetch(url, { headers: { accept } })
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
}

t.test('undeclared fields never reach the wire: SSE, NDJSON and CSV', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/users', { schema: { response: { 200: streamContent(User) } } }, (_request, reply) => reply.stream(rows))
  })
  t.teardown(() => app.close())

  const sseBody = await get(url + '/users', 'text/event-stream')
  t.equal(sseBody.type, 'text/event-stream; charset=utf-8')
  const events = parseSse(sseBody.body)
  t.same(events.filter(event => event.event === undefined).map(event => JSON.parse(event.data) as unknown), shown, 'SSE: the declared fields, nested ones filtered too')
  t.equal(events.at(-1)?.event, 'end', 'SSE: the stream ends as usual')

  const ndjson = await get(url + '/users', 'application/x-ndjson')
  t.same(ndjson.body.trimEnd().split('\n').map(line => JSON.parse(line) as unknown), shown, 'NDJSON: the declared fields')

  const csv = await get(url + '/users', 'text/csv')
  const records = parseCsv(csv.body, { columns: true }) as Array<Record<string, string>>
  t.same(Object.keys(records[0]!), ['id', 'name', 'address', 'roles'], 'CSV: the columns are the schema\'s properties, in order')
  t.same(records.map(record => ({ ...record, address: JSON.parse(record.address!) as unknown, roles: JSON.parse(record.roles!) as unknown })),
    shown.map(user => ({ ...user, id: String(user.id) })), 'CSV: nested values are written by their own property\'s schema')

  for (const body of [sseBody.body, ndjson.body, csv.body]) {
    t.notMatch(body, /passwordHash|secret/, 'no undeclared field, at any depth')
  }
})

t.test('the declared media types are the formats offered', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/sse-only', { schema: { response: { 200: streamContent(User, ['sse']) } } }, (_request, reply) => reply.stream(rows))
    app.get('/ndjson-csv', { schema: { response: { 200: streamContent(User, ['ndjson', 'csv']) } } }, (_request, reply) => reply.stream(rows))
  }, { defaultFormat: 'ndjson' })
  t.teardown(() => app.close())

  const refused = await get(url + '/sse-only', 'application/x-ndjson')
  t.equal(refused.status, 406, 'an Accept that admits none of them gets 406')
  t.match(JSON.parse(refused.body), { code: 'FST_STREAM_NOT_ACCEPTABLE', message: /\(sse\)/ })
  t.equal((await get(url + '/sse-only', '*/*')).type, 'text/event-stream; charset=utf-8', 'with */*, the only format declared (not the plugin\'s default)')
  t.equal((await get(url + '/ndjson-csv', '*/*')).type, 'application/x-ndjson', 'with */*, the plugin\'s default when declared')
  t.equal((await get(url + '/ndjson-csv', 'text/csv')).type, 'text/csv; charset=utf-8')
  t.equal((await get(url + '/ndjson-csv', 'text/event-stream')).status, 406)
  const head = await fetch(url + '/sse-only', { method: 'HEAD', headers: { accept: 'text/event-stream' } })
  t.equal(head.status, 200, 'the HEAD twin of the route answers too')
})

t.test('several SSE event types: each event is written by its own schema', async t => {
  const Cpu = { type: 'object', properties: { load: { type: 'number' } }, required: ['load'] }
  const Memory = { type: 'object', properties: { used: { type: 'integer' } }, required: ['used'] }
  const Live = {
    oneOf: [
      { type: 'object', properties: { event: { const: 'cpu' }, data: Cpu }, required: ['event', 'data'] },
      { type: 'object', properties: { event: { const: 'memory' }, data: Memory }, required: ['event', 'data'] }
    ]
  }
  const { app, url } = await listenApp(app => {
    app.get('/live', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: Live } } } } } }, (_request, reply) => reply.stream([
      sse({ event: 'cpu', id: 1, data: { load: 0.5, process: 'secret-pid' } }),
      sse({ event: 'memory', id: 2, data: { used: 7, heap: 'secret-heap' } })
    ]))
    app.get('/helper', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: sseEvents({ cpu: Cpu, note: { type: 'string' } }) } } } } } }, (_request, reply) => reply.stream([
      sse({ event: 'note', data: 'plain text, sent as it is' }),
      sse({ event: 'cpu', data: { load: 1, secret: 'x' } }),
      sse({ event: 'disk', data: { free: 1 } }),
      sse({ event: 'cpu', data: { load: 2 } })
    ]))
  })
  t.teardown(() => app.close())

  const live = parseSse((await get(url + '/live', 'text/event-stream')).body)
  t.same(live.map(event => [event.event, event.id, event.data]), [['cpu', '1', '{"load":0.5}'], ['memory', '2', '{"used":7}'], ['end', undefined, '']])

  const helper = parseSse((await get(url + '/helper', 'text/event-stream')).body)
  t.same(helper.slice(0, 2).map(event => [event.event, event.data]), [['note', 'plain text, sent as it is'], ['cpu', '{"load":1}']])
  t.equal(helper[2]?.event, 'stream-error', 'an event the route does not declare ends the stream')
  t.match(JSON.parse(helper[2]!.data), { code: 'FST_STREAM_INVALID_ITEM', message: /the event "disk" is not one the route declares/ })
  t.equal(helper.length, 3, 'nothing after it')
})

t.test('the serializer compiler: the app\'s, or the route\'s, compiled once per route and schema', async t => {
  const compiled: Array<{ url: string, contentType: string | undefined, schema: unknown }> = []
  let written = 0
  const { app, url } = await listenApp(app => {
    app.setSerializerCompiler(({ schema, url, contentType }) => {
      compiled.push({ url, contentType, schema })
      const keys = Object.keys((schema as { properties?: object }).properties ?? {})
      return (value: unknown) => {
        written++
        return JSON.stringify(value, keys.length === 0 ? undefined : keys)
      }
    })
    app.get('/users', { schema: { response: { 200: streamContent(User, ['ndjson']) } } }, (_request, reply) => reply.stream(rows.map(({ id, name }) => ({ id, name, passwordHash: 'x' }))))
    app.get('/route-compiler', {
      schema: { response: { 200: streamContent(User, ['ndjson']) } },
      serializerCompiler: () => () => '"the route\'s own"'
    }, (_request, reply) => reply.stream([1]))
  })
  t.teardown(() => app.close())

  const itemCompiles = (): number => compiled.filter(entry => entry.url === '/users' && entry.schema === User).length
  t.same(compiled.find(entry => entry.schema === User), { url: '/users', contentType: 'application/x-ndjson', schema: User }, 'the item schema went to the app\'s compiler with its route and media type')
  t.equal(itemCompiles(), 1, 'once at ready(), for the GET route and its HEAD twin')
  const before = compiled.length
  for (let i = 0; i < 3; i++) t.equal((await get(url + '/users', 'application/x-ndjson')).body, '{"id":1,"name":"Ada"}\n{"id":2,"name":"Grace, \\"Amazing\\""}\n')
  t.equal(compiled.length, before, 'no compilation per request')
  t.equal(written, 6, 'every item went through the compiled serializer')
  t.equal((await get(url + '/route-compiler', 'application/x-ndjson')).body, '"the route\'s own"\n', 'a route\'s serializerCompiler wins over the app\'s')
})

t.test('a per-call serializer still wins; CSV columns stay the schema\'s unless the call names its own', async t => {
  const { app, url } = await listenApp(app => {
    const schema = { response: { 200: streamContent(User) } }
    app.get('/own', { schema }, (_request, reply) => reply.stream(rows, { serializer: value => JSON.stringify({ only: (value as { id: number }).id }) }))
    app.get('/columns', { schema }, (_request, reply) => reply.stream(rows, { columns: ['name', 'id'] }))
  })
  t.teardown(() => app.close())
  t.equal((await get(url + '/own', 'application/x-ndjson')).body, '{"only":1}\n{"only":2}\n')
  t.equal((await get(url + '/own', 'text/csv')).body.split('\r\n')[0], 'id,name,address,roles', 'CSV keeps the schema\'s columns with a per-call serializer')
  t.equal((await get(url + '/columns', 'text/csv')).body, 'name,id\r\nAda,1\r\n"Grace, ""Amazing""",2\r\n')
})

t.test('a hub topic streamed by two routes with different schemas is serialized once per route, not per subscriber', async t => {
  let fullWrites = 0
  let idWrites = 0
  const { app, url } = await listenApp(app => {
    app.get('/full', {
      schema: { response: { 200: streamContent(User, ['sse']) } },
      serializerCompiler: () => value => { fullWrites++; return JSON.stringify({ id: (value as { id: number }).id, name: (value as { name: string }).name }) }
    }, (_request, reply) => reply.stream(app.hub.subscribe('users')))
    app.get('/ids', {
      schema: { response: { 200: streamContent({ type: 'object', properties: { id: { type: 'integer' } } }, ['sse']) } },
      serializerCompiler: () => value => { idWrites++; return JSON.stringify({ id: (value as { id: number }).id }) }
    }, (_request, reply) => reply.stream(app.hub.subscribe('users')))
  })
  t.teardown(() => app.close())
  const { openStream } = await import('../helpers/stream-client.js')
  const clients = await Promise.all([...Array(3)].map(() => openStream(url + '/full', { accept: 'text/event-stream' })).concat([...Array(3)].map(() => openStream(url + '/ids', { accept: 'text/event-stream' }))))
  await t.resolves(import('../helpers/bounded-wait.js').then(({ pollUntil }) => pollUntil(async () => app.hub.stats().subscribers === 6, 'six subscribers')))
  fullWrites = idWrites = 0
  await app.hub.publish('users', rows[0])
  await app.hub.publish('users', rows[1])
  await Promise.all(clients.map(client => client.waitFor(text => parseSse(text).length === 2)))
  t.equal(fullWrites, 2, 'the /full schema wrote each event once for its three subscribers')
  t.equal(idWrites, 2, 'the /ids schema wrote each event once for its three subscribers')
  t.same(parseSse(clients[0]!.text).map(event => JSON.parse(event.data) as unknown), [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace, "Amazing"' }])
  t.same(parseSse(clients[5]!.text).map(event => JSON.parse(event.data) as unknown), [{ id: 1 }, { id: 2 }])
  for (const client of clients) client.close()
})

async function readyError (t: Test, build: (app: FastifyInstance) => void): Promise<Error & { code?: string }> {
  const app = Fastify()
  await app.register(fastifyStream)
  build(app)
  const err = await app.ready().then(() => undefined, (err: unknown) => err as Error & { code?: string })
  await app.close().catch(() => {})
  t.ok(err, 'ready() fails')
  return err ?? new Error('ready() resolved')
}

t.test('a declaration that cannot be honoured fails at ready(), naming the route', async t => {
  const cases: Array<{ what: string, message: RegExp, build: (app: FastifyInstance) => void }> = [
    {
      what: 'an item schema that is not valid JSON Schema',
      message: /GET \/bad.*itemSchema the route's serializer compiler refuses/,
      build: app => app.get('/bad', { schema: { response: { 200: { content: { 'application/x-ndjson': { itemSchema: { type: 'no-such-type' } } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'config.stream.formats naming a format not declared',
      message: /"config.stream" of route GET \/mixed: offers csv, which schema.response.200.content does not declare \(it declares sse\)/,
      build: app => app.get('/mixed', { config: { stream: { formats: ['sse', 'csv'] } }, schema: { response: { 200: streamContent(User, ['sse']) } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'config.stream.format naming a format not declared',
      message: /GET \/forced: offers ndjson/,
      build: app => app.get('/forced', { config: { stream: { format: 'ndjson' } }, schema: { response: { 200: streamContent(User, ['csv']) } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'a sequential media type fastify-stream does not write',
      message: /GET \/jsonl: content\['application\/jsonl'\] is not a media type fastify-stream writes/,
      build: app => app.get('/jsonl', { schema: { response: { 200: { content: { 'application/jsonl': { itemSchema: User } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'a CSV row schema without properties',
      message: /GET \/csv: .*must list the row's columns in properties/,
      build: app => app.get('/csv', { schema: { response: { 200: { content: { 'text/csv': { itemSchema: { type: 'array' } } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'event branches mixed with others',
      message: /GET \/events: .*mixes event branches with others/,
      build: app => app.get('/events', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: { oneOf: [{ properties: { event: { const: 'a' }, data: {} } }, { type: 'string' }] } } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'an event name with a line break',
      message: /GET \/names: .*names the event "a\\nb"/,
      build: app => app.get('/names', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: sseEvents({ 'a\nb': {} }) } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'an itemSchema that is not a schema at all',
      message: /GET \/string: content\['text\/csv'\].itemSchema must be a JSON Schema/,
      build: app => app.get('/string', { schema: { response: { 200: { content: { 'text/csv': { itemSchema: 'User' } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'an event declared twice',
      message: /GET \/twice: .*declares the event "a" twice/,
      build: app => app.get('/twice', { schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: { anyOf: [{ properties: { event: { const: 'a' }, data: {} } }, { properties: { event: { const: 'a' }, data: {} } }] } } } } } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'a bad option in config.stream',
      message: /"config.stream" of route GET \/options: option "heartbeatMs" must be an integer/,
      build: app => app.get('/options', { config: { stream: { heartbeatMs: -1 } } }, (_q, reply) => reply.stream([]))
    },
    {
      what: 'validateItems on a route that declares no items',
      message: /GET \/plain: sets validateItems, but the route declares no items/,
      build: app => app.get('/plain', { config: { stream: { validateItems: true } } }, (_q, reply) => reply.stream([]))
    }
  ]
  for (const { what, message, build } of cases) {
    const err = await readyError(t, build)
    t.equal(err.code, 'FST_STREAM_INVALID_OPTION', `${what}: FST_STREAM_INVALID_OPTION`)
    t.match(err.message, message, `${what}: the message names the route and the fix`)
  }
})

t.test('an itemSchema without a schema registers (Fastify alone would refuse it)', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/x', { schema: { response: { 200: { content: { 'application/x-ndjson': { itemSchema: User } } } } } }, async () => '')
  const without = await app.ready().then(() => undefined, (err: { code?: string }) => err.code)
  t.equal(without, 'FST_ERR_SCH_CONTENT_MISSING_SCHEMA', 'without the plugin, Fastify refuses the route')

  const withPlugin = Fastify()
  t.teardown(() => withPlugin.close())
  await withPlugin.register(fastifyStream)
  withPlugin.get('/x', { schema: { response: { 200: { content: { 'application/x-ndjson': { itemSchema: User } } } } } }, (_q, reply) => reply.stream(rows))
  await t.resolves(async () => { await withPlugin.ready() }, 'with it, the route registers')
  const res = await withPlugin.inject({ url: '/x' })
  t.equal(res.body, shown.map(user => JSON.stringify(user)).join('\n') + '\n')
})

t.test('per-call format and formats must be declared: a 500 naming the route, logged', async t => {
  const lines = logLines()
  const { app, url } = await listenApp(app => {
    app.get('/users', { schema: { response: { 200: streamContent(User, ['sse']) } } }, (request, reply) => reply.stream(rows, { format: (request.query as { f?: 'csv' }).f ?? 'sse' }))
  }, {}, { logger: { level: 'info', stream: lines } })
  t.teardown(() => app.close())
  t.equal((await get(url + '/users', '*/*')).status, 200)
  const res = await get(url + '/users?f=csv', '*/*')
  t.equal(res.status, 500)
  t.match(JSON.parse(res.body), { code: 'FST_STREAM_INVALID_OPTION', message: /"format" of route GET \/users: offers csv/ })
  const logged = await lines.waitFor('offers csv')
  t.equal(logged.level, 50, 'logged at error level')
  t.match(logged, { err: { code: errors.FST_STREAM_INVALID_OPTION('x', 'y').code }, req: { url: '/users?f=csv' } })
})
