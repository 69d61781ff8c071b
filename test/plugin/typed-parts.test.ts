// The parts of typed streams one at a time: item checks and how failures are named, the
// checking encoder, declarations that mix declared and undeclared media types, route options
// without a schema, and the library's own events through a schema'd encoder.
import t from 'tap'
import { createEncoder } from '../../lib/framing/create-encoder.js'
import { sse } from '../../lib/framing/sse-event.js'
import { resetEvent } from '../../lib/hub/reset-event.js'
import { CheckingEncoder, compileItemCheck, describeFailure, type ItemValidator } from '../../plugin/schema/item-checks.js'
import { compileItemEncoding } from '../../plugin/schema/serializers.js'
import { documentDeclaration, transformStreamDocument } from '../../plugin/schema/openapi.js'
import { readStreamDeclaration, type StreamDeclaration } from '../../plugin/schema/declaration.js'
import { streamContent } from '../../plugin/index.js'
import { listenApp } from '../helpers/app.js'
import { parseSse } from '../helpers/sse-parse.js'

// A validator in Ajv's style: refuses anything but a non-negative number, with one error.
const nonNegative = (() => {
  const validate = ((value: unknown) => {
    const ok = typeof value === 'number' && value >= 0
    validate.errors = ok ? undefined : [{ instancePath: '', message: 'must be >= 0' }]
    return ok
  }) as ItemValidator
  return validate
})()

function declaration (schema: object): StreamDeclaration {
  const found = readStreamDeclaration({ response: { 200: { content: schema } } })
  if (found === undefined) throw new Error('no declaration')
  return found
}

t.test('item checks per format; what is skipped', async t => {
  const compile = (): ItemValidator => nonNegative
  const ndjson = declaration({ 'application/x-ndjson': { itemSchema: {} }, 'text/csv': { schema: {} } })
  t.equal(compileItemCheck(ndjson, 'csv', compile), undefined, 'a media type declared without an itemSchema has nothing to check')
  t.equal(compileItemCheck(ndjson, 'sse', compile), undefined, 'nor one not declared')
  const lines = compileItemCheck(ndjson, 'ndjson', compile)!
  t.doesNotThrow(() => lines(sse({ data: 1 })), 'an sse() item is checked by its data')
  t.throws(() => lines(sse({ data: -1 })), { code: 'FST_STREAM_INVALID_ITEM', message: /at \/: must be >= 0/ })
  t.doesNotThrow(() => lines(sse({ id: 1 })), 'an event without data has nothing to check')

  const data = compileItemCheck(declaration({ 'text/event-stream': { itemSchema: {} } }), 'sse', compile)!
  t.throws(() => data(-1), { code: 'FST_STREAM_INVALID_ITEM' }, 'a plain item')
  t.doesNotThrow(() => data(resetEvent({ reason: 'stale', earliest: null }, '1')), 'the hub\'s reset is not an item')

  const events = compileItemCheck(declaration({ 'text/event-stream': { itemSchema: { oneOf: [{ properties: { event: { enum: ['message'] }, data: {} } }] } } }), 'sse', compile)!
  t.throws(() => events(-1), { code: 'FST_STREAM_INVALID_ITEM' }, 'a plain item is the event message')
  t.throws(() => events(sse({ event: '', data: -1 })), { code: 'FST_STREAM_INVALID_ITEM' }, 'and so is an event with an empty name')
  t.doesNotThrow(() => events(sse({ event: 'other', data: -1 })), 'an undeclared event is the encoder\'s to refuse')
  t.doesNotThrow(() => events(resetEvent({ reason: 'stale', earliest: null }, '1')))
})

t.test('describeFailure: the path and message of each validator style, never the value', async t => {
  t.equal(describeFailure([{ instancePath: '/a/0', message: 'must be string' }]), 'at /a/0: must be string')
  t.equal(describeFailure({ issues: [{ path: ['a', 0], message: 'Expected string' }] }), 'at /a/0: Expected string')
  t.equal(describeFailure(new Error('bad')), 'at /: bad')
  t.equal(describeFailure([{ instancePath: '/x' }]), 'at /x: the validator refused it')
  t.equal(describeFailure(undefined), 'the validator refused it')
  t.equal(describeFailure([]), 'the validator refused it')
})

t.test('the checking encoder frames exactly as its inner encoder', async t => {
  const inner = createEncoder('sse', { retryMs: 10 })
  const checking = new CheckingEncoder(inner, () => {})
  t.equal(checking.preamble(), inner.preamble())
  t.equal(checking.endFrame(), inner.endFrame())
  t.equal(checking.reconnectFrame(), inner.reconnectFrame())
  t.equal(checking.faultFrame({ code: 'X', message: 'y' }), inner.faultFrame({ code: 'X', message: 'y' }))
  t.equal(checking.encode({ a: 1 }), inner.encode({ a: 1 }))
  t.same([checking.format, checking.contentType, checking.heartbeatFrame, checking.abortOnFault, checking.shareable],
    [inner.format, inner.contentType, inner.heartbeatFrame, inner.abortOnFault, inner.shareable])
})

t.test('CSV columns: nested values by their own schema, scalars as they are', async t => {
  const compiled: unknown[] = []
  const encoding = compileItemEncoding(declaration({
    'text/csv': { itemSchema: { properties: { id: true, tags: { items: { type: 'string' } }, maybe: { type: ['object', 'null'] }, name: { type: 'string' } } } }
  }), schema => { compiled.push(schema); return JSON.stringify })
  t.same(encoding.csv?.columns, ['id', 'tags', 'maybe', 'name'])
  t.same([...encoding.csv!.columnSerializers!.keys()], ['tags', 'maybe'], 'only structured properties get a serializer')
  t.equal(compiled.length, 2)
})

t.test('the library\'s reset is JSON in every format, whatever the schema', async t => {
  const reset = resetEvent({ reason: 'stale', earliest: '5' }, '9')
  const throwing = () => { throw new Error('a schema serializer must not see the reset') }
  t.equal(createEncoder('ndjson', { serializer: throwing }).encode(reset), '{"reason":"stale","earliest":"5"}\n')
  t.equal(createEncoder('sse', { serializer: throwing }).encode(reset), 'event: reset\nid: 9\ndata: {"reason":"stale","earliest":"5"}\n\n')
  t.equal(createEncoder('sse', { eventSerializers: new Map() }).encode(reset), 'event: reset\nid: 9\ndata: {"reason":"stale","earliest":"5"}\n\n')
  t.throws(() => createEncoder('sse', { eventSerializers: new Map() }).encode({ a: 1 }), { code: 'FST_STREAM_INVALID_ITEM', message: /"message"/ }, 'a plain item is the event message')
  t.equal(createEncoder('sse', { eventSerializers: new Map([['message', () => '"m"']]) }).encode(sse({ event: '', data: 1 })), 'data: "m"\n\n')
})

t.test('OpenAPI odds and ends', async t => {
  const mixed = declaration({ 'text/event-stream': { itemSchema: { type: 'integer' } }, 'text/csv': {} })
  documentDeclaration(mixed, new Set(['text/csv']), { endEvent: false, errorEvent: 'oops' })
  t.same(mixed.content['text/csv'], { schema: { type: 'string' } }, 'a media type without an itemSchema is documented as text')
  const events = declaration({ 'text/event-stream': { itemSchema: { oneOf: [{ properties: { event: { const: 'a' }, data: { type: 'string' } } }] } } })
  documentDeclaration(events, new Set(), { endEvent: false, errorEvent: 'oops' })
  const branches = (events.content['text/event-stream']!.itemSchema as { oneOf: Array<{ properties: { event: unknown } }> }).oneOf
  t.same(branches.map(branch => branch.properties.event), [{ const: 'a' }, { const: 'oops' }], 'no end event with endEvent: false; the error event by its name')

  const swagger2 = { swagger: '2.0', paths: {} }
  t.equal(transformStreamDocument({ swaggerObject: swagger2 }), swagger2, 'Swagger 2.0 is left alone')
  const withBody = {
    openapi: '3.0.3',
    paths: { '/a': { post: { requestBody: { content: { 'application/x-ndjson': { schema: { const: 1, properties: { contentSchema: { type: 'string' } } }, itemSchema: { const: 1 } } } }, responses: { 204: { description: 'none' } } } } }
  }
  const media = transformStreamDocument({ openapiObject: withBody }).paths['/a'].post.requestBody.content['application/x-ndjson']
  t.same(media, { schema: { enum: [1], properties: { 'x-contentSchema': { type: 'string' } } }, 'x-oai-itemSchema': { const: 1 } }, 'request bodies too; 3.0 schemas lose const')
  t.equal(transformStreamDocument({ openapi: 3 }).openapi, 3, 'a document without a version string is left alone')
})

t.test('config.stream on a route without a schema; a declared media type without an itemSchema', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/configured', { config: { stream: { format: 'sse', endEvent: 'done' } } }, (_request, reply) => reply.stream([1], { retryMs: 5 }))
    app.get('/json-too', {
      schema: { response: { 200: { content: { 'application/json': { schema: { type: 'array' } }, 'application/x-ndjson': { itemSchema: { type: 'integer' } } } } } }
    }, (_request, reply) => reply.stream([1], { formats: ['ndjson', 'csv'] }))
    app.get('/mixed', {
      schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: { type: 'object', properties: { id: { type: 'integer' } } } }, 'text/csv': { schema: { type: 'string' } } } } } }
    }, (_request, reply) => reply.stream([{ id: 1, secret: 'x' }]))
    app.get('/other-status', { schema: { response: { '2xx': streamContent({ type: 'integer' }, ['ndjson']) } } }, (_request, reply) => reply.stream([1, 2]))
  }, { validateItems: true })
  t.teardown(() => app.close())
  const configured = await (await fetch(url + '/configured')).text()
  t.same(parseSse(configured).map(event => event.event ?? 'message'), ['message', 'done'], 'the route\'s options apply, with no schema at all')
  t.match(configured, /^retry: 5\n/, 'and the call\'s over them')
  const jsonToo = await fetch(url + '/json-too')
  t.equal(jsonToo.status, 500, 'a media type fastify-stream does not write is not a format; per-call formats must be declared')
  t.match(await jsonToo.json(), { message: /"formats" of route GET \/json-too: offers csv, which .* \(it declares ndjson\)/ })
  t.equal(await (await fetch(url + '/mixed', { headers: { accept: 'text/csv' } })).text(), 'id,secret\r\n1,x\r\n', 'a media type with no itemSchema is offered, and streams without one')
  t.equal((await fetch(url + '/mixed', { headers: { accept: 'application/x-ndjson' } })).status, 406)
  t.equal(await (await fetch(url + '/other-status')).text(), '1\n2\n', 'a 2xx response key is read too')
})

t.test('validateItems must be a boolean', async t => {
  const Fastify = (await import('fastify')).default
  const { default: fastifyStream } = await import('../../plugin/index.js')
  await t.rejects(async () => { await Fastify().register(fastifyStream, { validateItems: 'yes' as unknown as boolean }).ready() }, { code: 'FST_STREAM_INVALID_OPTION', message: /"validateItems" must be a boolean/ })
})
