// Stream routes in the OpenAPI document @fastify/swagger generates: OpenAPI 3.2's itemSchema
// per media type (SSE in the spec's event shape), the x-oai-itemSchema fallback for 3.1 and
// 3.0, and every document checked by a maintained validator of the OpenAPI schemas.
import swagger from '@fastify/swagger'
import { Validator } from '@seriousme/openapi-schema-validator'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { Type } from 'typebox'
import fastifyStream, { sseEvents, streamContent, transformStreamDocument } from '../../plugin/index.js'

const User = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id'] }
const Cpu = Type.Object({ load: Type.Number() })

type Doc = { openapi: string, paths: Record<string, { get: { responses: Record<string, { content: Record<string, Record<string, any>> }> } }> }

async function documentOf (t: Test, openapi: string, transform = true): Promise<Doc> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { openapi, info: { title: 'streams', version: '1.0.0' } }, ...(transform ? { transformObject: transformStreamDocument } : {}) })
  await app.register(fastifyStream)
  app.get('/users', { schema: { response: { 200: streamContent(User) } } }, (_request, reply) => reply.stream([]))
  app.get('/live', {
    schema: { response: { 200: { content: { 'text/event-stream': { itemSchema: sseEvents({ cpu: Cpu, note: { type: 'string' } }) } } } } }
  }, (_request, reply) => reply.stream([]))
  app.get('/json', { schema: { response: { 200: User } } }, async () => ({ id: 1 }))
  await app.ready()
  return app.swagger() as unknown as Doc
}

async function validate (doc: unknown): Promise<{ valid: boolean, errors?: unknown }> {
  return await new Validator().validate(doc as Parameters<Validator['validate']>[0])
}

function content (doc: Doc, path: string): Record<string, Record<string, any>> {
  return doc.paths[path]!.get.responses['200']!.content
}

t.test('OpenAPI 3.2: an itemSchema per media type, SSE as the spec\'s event', async t => {
  const doc = await documentOf(t, '3.2.0')
  t.same(await validate(doc), { valid: true }, 'the document validates against the OpenAPI 3.2 schema')
  const users = content(doc, '/users')
  t.same(Object.keys(users), ['text/event-stream', 'application/x-ndjson', 'text/csv'])
  t.same(users['application/x-ndjson']!.itemSchema, User, 'NDJSON: each line is a User')
  t.same(users['text/csv']!.itemSchema, User, 'CSV: each row is a User')
  t.same(users['application/x-ndjson']!.schema, { type: 'array', items: User }, 'the whole body, as 3.2 reads schema on a sequential media type')
  t.match(users['text/event-stream']!.itemSchema, {
    type: 'object',
    required: ['data'],
    properties: { data: { type: 'string', contentMediaType: 'application/json', contentSchema: User }, id: { type: 'string' }, event: { type: 'string' } }
  }, 'SSE: the event, data a string of JSON described by contentSchema')

  const live = content(doc, '/live')['text/event-stream']!.itemSchema as { oneOf: Array<{ properties: { event: Record<string, unknown>, data: Record<string, unknown> } }> }
  t.same(live.oneOf.map(branch => branch.properties.event), [{ enum: ['cpu'] }, { enum: ['note'] }, { enum: ['end'] }, { enum: ['stream-error'] }],
    'one branch per event, with the end and error events the stream may close with')
  t.match(live.oneOf[0]!.properties.data, { type: 'string', contentMediaType: 'application/json', contentSchema: { type: 'object', properties: { load: { type: 'number' } } } }, 'a TypeBox schema, documented')
  t.same(live.oneOf[1]!.properties.data, { type: 'string' }, 'string data is sent as it is, not as JSON')
  t.same(content(doc, '/json')['application/json']!.schema, User, 'other routes are untouched')
})

t.test('OpenAPI 3.1 and 3.0: the itemSchema moves to x-oai-itemSchema, and the document validates', async t => {
  for (const version of ['3.1.1', '3.0.3']) {
    const doc = await documentOf(t, version)
    t.same(await validate(doc), { valid: true }, `${version}: valid`)
    const users = content(doc, '/users')
    t.notOk('itemSchema' in users['application/x-ndjson']!, `${version}: no itemSchema, which ${version} does not know`)
    t.same(users['application/x-ndjson']!['x-oai-itemSchema'], User, `${version}: the item is in the registered extension`)
    t.same(users['application/x-ndjson']!.schema, { type: 'array', items: User }, `${version}: schema still shows the items`)
  }
  const doc30 = await documentOf(t, '3.0.3')
  const data30 = content(doc30, '/users')['text/event-stream']!.schema.items.properties.data
  t.same(Object.keys(data30).sort(), ['type', 'x-contentMediaType', 'x-contentSchema'], '3.0: the content keywords, unknown to its Schema Object, become extensions')

  const untransformed = await validate(await documentOf(t, '3.1.1', false))
  t.equal(untransformed.valid, false, 'without transformStreamDocument a 3.1 document is invalid: the transform is what makes it valid')
  t.match(JSON.stringify(untransformed.errors), /itemSchema/)
})

t.test('transformStreamDocument takes the document itself too, and leaves 3.2 alone', async t => {
  const doc = await documentOf(t, '3.2.0', false)
  const before = JSON.stringify(doc)
  t.equal(transformStreamDocument(doc), doc)
  t.equal(JSON.stringify(doc), before)
  const older = { openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: { 200: { description: 'ok', content: { 'application/x-ndjson': { schema: { type: 'array' }, itemSchema: { type: 'integer' } } } } } } } } }
  t.same(transformStreamDocument(older).paths['/a'].get.responses[200].content['application/x-ndjson'], { schema: { type: 'array' }, 'x-oai-itemSchema': { type: 'integer' } })
})
