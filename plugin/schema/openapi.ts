/**
 * How a stream route reads in an OpenAPI document. OpenAPI 3.2 describes a sequential media
 * type with `itemSchema`, and an SSE item as the parsed event: `data` is a string, its JSON
 * described by `contentMediaType` and `contentSchema`. Earlier versions have no `itemSchema`,
 * so {@link transformStreamDocument} moves it to the registered `x-oai-itemSchema` extension.
 */
import type { StreamDeclaration } from './declaration.js'
import { MEDIA_TYPES } from './declaration.js'

/** The SSE event names a route's streams end with, documented beside its own events. */
export interface DocumentedEvents {
  endEvent: string | false
  errorEvent: string
}

const ID = { type: 'string' }
const RETRY = { type: 'integer', minimum: 0 }

/**
 * Writes the OpenAPI 3.2 form of `declaration` into its content entries: SSE's `itemSchema`
 * in the event shape, and a `schema` (the whole body as an array of items, which is how 3.2
 * reads `schema` on a sequential media type) where the route gave none.
 */
export function documentDeclaration (declaration: StreamDeclaration, filled: ReadonlySet<string>, events: DocumentedEvents): void {
  for (const [mediaType, entry] of Object.entries(declaration.content)) {
    let item: unknown = entry.itemSchema
    if (mediaType === MEDIA_TYPES.sse && declaration.sse !== undefined) item = entry.itemSchema = sseItemSchema(declaration, events)
    if (filled.has(mediaType)) entry.schema = item === undefined ? { type: 'string' } : { type: 'array', items: item }
  }
}

function sseItemSchema (declaration: StreamDeclaration, events: DocumentedEvents): unknown {
  const sse = declaration.sse
  if (sse?.kind === 'data') {
    return { type: 'object', required: ['data'], properties: { event: { type: 'string' }, id: ID, retry: RETRY, data: dataSchema(sse.schema) } }
  }
  const branches = Array.from((sse as { events: ReadonlyMap<string, unknown> }).events, ([name, schema]) => eventSchema(name, dataSchema(schema)))
  if (events.endEvent !== false) branches.push(eventSchema(events.endEvent, { type: 'string', maxLength: 0, description: 'The stream is complete.' }))
  branches.push(eventSchema(events.errorEvent, dataSchema({
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'string' }, message: { type: 'string' } },
    description: 'The stream failed; nothing follows.'
  })))
  return { oneOf: branches }
}

function eventSchema (name: string, data: unknown): unknown {
  return { type: 'object', required: ['event', 'data'], properties: { event: { const: name }, id: ID, retry: RETRY, data } }
}

// A string item is sent as it is; anything else is JSON in the data field.
function dataSchema (schema: unknown): unknown {
  if ((schema as { type?: unknown }).type === 'string') return schema
  return { type: 'string', contentMediaType: 'application/json', contentSchema: schema }
}

/**
 * For `@fastify/swagger`'s `transformObject` option: leaves an OpenAPI 3.2 document as it is,
 * and makes a 3.1 or 3.0 one valid for its version. `itemSchema` becomes
 * `x-oai-itemSchema` (the extension the OpenAPI registry defines for versions before 3.2);
 * in 3.0, whose Schema Object knows neither, `const` becomes `enum` and `contentSchema` is
 * moved to `x-contentSchema`. Takes what `transformObject` is given, or the document itself.
 *
 * @example app.register(swagger, { openapi: { openapi: '3.1.0', info }, transformObject: transformStreamDocument })
 */
// Typed loosely on purpose: @fastify/swagger is not a dependency, and its transformObject
// hands over a union of its document types that this function reads only by key.
export function transformStreamDocument (input: object): Record<string, any> {
  const given = input as { openapiObject?: object, swaggerObject?: object }
  const document = (given.openapiObject ?? given.swaggerObject ?? input) as Record<string, any>
  const version = typeof document.openapi === 'string' ? document.openapi : ''
  if (!/^3\.[01]\./.test(version)) return document
  for (const operation of operationsOf(document.paths)) {
    for (const content of contentsOf(operation)) {
      for (const media of Object.values(content)) {
        if (typeof media !== 'object' || media === null || !('itemSchema' in media)) continue
        const entry = media as Record<string, unknown>
        entry['x-oai-itemSchema'] = entry.itemSchema
        delete entry.itemSchema
        if (version.startsWith('3.0.')) entry.schema = toSchema30(entry.schema)
      }
    }
  }
  return document
}

function * operationsOf (paths: unknown): Iterable<Record<string, unknown>> {
  for (const item of Object.values(asRecord(paths))) {
    for (const operation of Object.values(asRecord(item))) yield asRecord(operation)
  }
}

function * contentsOf (operation: Record<string, unknown>): Iterable<Record<string, unknown>> {
  const body = asRecord(operation.requestBody).content
  if (body !== undefined) yield asRecord(body)
  for (const response of Object.values(asRecord(operation.responses))) {
    const content = asRecord(response).content
    if (content !== undefined) yield asRecord(content)
  }
}

// OpenAPI 3.0's Schema Object is a subset of JSON Schema: no const, no content keywords.
function toSchema30 (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toSchema30)
  if (typeof schema !== 'object' || schema === null) return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'const') out.enum = [value]
    else if (key === 'contentMediaType') out['x-contentMediaType'] = value
    else if (key === 'contentSchema') out['x-contentSchema'] = value
    else out[key] = toSchema30(value)
  }
  return out
}

function asRecord (value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? value as Record<string, unknown> : {}
}
