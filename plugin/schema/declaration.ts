/**
 * Reads what a route declares about its stream in `schema.response[200].content`, the way
 * OpenAPI 3.2 describes sequential media types: each media type fastify-stream writes may
 * carry an `itemSchema`, the schema of one item. The media types declared are the formats
 * the route offers. This file only reads; compiling is serializers.ts's work.
 */
import type { StreamFormat } from '../../lib/framing/encoder.js'
import { isEventName } from '../../lib/framing/sse-event.js'

/** The media type each format is declared under, as the response's Content-Type says it. */
export const MEDIA_TYPES: Readonly<Record<StreamFormat, string>> = {
  sse: 'text/event-stream',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv'
}

// Sequential media types fastify-stream does not write under that name: declaring an item
// schema there is a mistake worth naming, not something to ignore.
const OTHER_SEQUENTIAL = ['application/jsonl', 'application/json-seq', 'application/x-jsonlines']

/** An SSE stream's items: one schema for every event's data, or one per event name. */
export type SseItems = { kind: 'data', schema: unknown } | { kind: 'events', events: ReadonlyMap<string, unknown> }

/** What one route declares about its stream. */
export interface StreamDeclaration {
  /** The formats offered, in the order the media types are declared. */
  formats: StreamFormat[]
  /** The SSE items, when `text/event-stream` has an `itemSchema`. */
  sse?: SseItems
  /** The schema of one NDJSON line, when declared. */
  ndjson?: unknown
  /** The schema of one CSV row, when declared. */
  csv?: unknown
  /** The response's `content` object (the plugin completes it for Fastify and OpenAPI). */
  content: Record<string, Record<string, unknown>>
  /** The status code key the content was found under (`200` or `2xx`). */
  status: string
}

/** A declaration that cannot be streamed; the message finishes "schema.response…". */
export class DeclarationProblem extends Error {}

/**
 * The stream a route's schema declares, or `undefined` when none of its media types has an
 * `itemSchema` (the route is then none of this file's business).
 * @throws DeclarationProblem for an item schema fastify-stream cannot honour.
 */
export function readStreamDeclaration (schema: unknown): StreamDeclaration | undefined {
  const found = streamContentOf(schema)
  if (found === undefined) return undefined
  const { content: entries, status } = found
  const declaration: StreamDeclaration = { formats: [], content: entries, status }
  for (const [mediaType, entry] of Object.entries(entries)) {
    const format = formatOf(mediaType)
    if (format === undefined) {
      if (OTHER_SEQUENTIAL.includes(mediaType) && isObject(entry) && 'itemSchema' in entry) {
        throw new DeclarationProblem(`content['${mediaType}'] is not a media type fastify-stream writes; it writes NDJSON as ${MEDIA_TYPES.ndjson}, so declare that one`)
      }
      continue
    }
    declaration.formats.push(format)
    if (!isObject(entry) || !('itemSchema' in entry)) continue
    const item = entry.itemSchema
    if (!isObject(item) && typeof item !== 'boolean') throw new DeclarationProblem(`content['${mediaType}'].itemSchema must be a JSON Schema (an object)`)
    if (format === 'sse') declaration.sse = readSseItems(item)
    else if (format === 'csv' && !isObject((item as { properties?: unknown }).properties)) {
      throw new DeclarationProblem(`content['${mediaType}'].itemSchema must list the row's columns in properties (a $ref or a oneOf is not followed for columns)`)
    } else declaration[format] = item
  }
  return declaration
}

/**
 * The success response's `content` when one of its media types has an `itemSchema`, with the
 * status code key it is under; undefined otherwise.
 */
export function streamContentOf (schema: unknown): { content: Record<string, Record<string, unknown>>, status: string } | undefined {
  const response = (schema as { response?: Record<string, unknown> } | undefined)?.response
  if (!isObject(response)) return undefined
  const status = response['200'] !== undefined ? '200' : '2xx'
  const content = (response[status] as { content?: unknown } | undefined)?.content
  if (!isObject(content) || !Object.values(content).some(entry => isObject(entry) && 'itemSchema' in entry)) return undefined
  return { content: content as Record<string, Record<string, unknown>>, status }
}

/** The format written under `mediaType` (parameters and case ignored), or undefined. */
function formatOf (mediaType: string): StreamFormat | undefined {
  const bare = mediaType.split(';')[0]?.trim().toLowerCase()
  for (const format of Object.keys(MEDIA_TYPES) as StreamFormat[]) {
    if (MEDIA_TYPES[format] === bare) return format
  }
  return undefined
}

/**
 * An SSE item schema is read as one event per branch when it is a `oneOf` (or `anyOf`) whose
 * every branch is an object with `properties.event` a constant and `properties.data`: the
 * OpenAPI 3.2 shape of an event stream. Anything else describes every event's data.
 */
function readSseItems (schema: unknown): SseItems {
  const branches = (schema as { oneOf?: unknown, anyOf?: unknown }).oneOf ?? (schema as { anyOf?: unknown }).anyOf
  if (!Array.isArray(branches) || !branches.some(isEventBranch)) return { kind: 'data', schema }
  const events = new Map<string, unknown>()
  for (const branch of branches) {
    if (!isEventBranch(branch)) {
      throw new DeclarationProblem("content['text/event-stream'].itemSchema mixes event branches with others: give every oneOf branch properties.event (a const event name) and properties.data")
    }
    const name = eventName(branch)
    if (!isEventName(name)) throw new DeclarationProblem(`content['text/event-stream'].itemSchema names the event ${JSON.stringify(name)}; an event name is a non-empty string without CR or LF`)
    if (events.has(name)) throw new DeclarationProblem(`content['text/event-stream'].itemSchema declares the event "${name}" twice`)
    events.set(name, branch.properties.data)
  }
  return { kind: 'events', events }
}

interface EventBranch { properties: { event: { const?: unknown, enum?: unknown[] }, data: unknown } }

function isEventBranch (branch: unknown): branch is EventBranch {
  const properties = (branch as { properties?: Record<string, unknown> } | undefined)?.properties
  if (!isObject(properties) || !('data' in properties) || !isObject(properties.event)) return false
  const event = properties.event as { const?: unknown, enum?: unknown[] }
  return 'const' in event || (Array.isArray(event.enum) && event.enum.length === 1)
}

function eventName (branch: EventBranch): unknown {
  const event = branch.properties.event
  return 'const' in event ? event.const : event.enum?.[0]
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
