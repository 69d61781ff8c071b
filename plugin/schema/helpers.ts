/**
 * Two small builders for a stream route's schema. Both return plain objects a route could
 * spell out by hand (docs/schemas.md shows both ways); their types keep the schemas given,
 * so a type provider still infers the items from them.
 */
import type { StreamFormat } from '../../lib/framing/encoder.js'
import { MEDIA_TYPES } from './declaration.js'

/** The media type each format is declared under. */
export interface StreamMediaTypes {
  sse: 'text/event-stream'
  ndjson: 'application/x-ndjson'
  csv: 'text/csv'
}

/** What {@link streamContent} returns: one `itemSchema` entry per format. */
export interface StreamContent<S, F extends StreamFormat> {
  content: { [K in F as StreamMediaTypes[K]]: { itemSchema: S } }
}

/** One branch of {@link sseEvents}' `oneOf`: an event named `K` whose data is `S`. */
export interface SseEventSchema<K extends string, S> {
  type: 'object'
  properties: { event: { const: K }, data: S }
  required: ['event', 'data']
}

/**
 * The response entry (`schema.response[200]`) of a stream route whose every item matches
 * `itemSchema`, offered in `formats` (default: all three, SSE first).
 *
 * @example schema: { response: { 200: streamContent(User, ['sse', 'ndjson']) } }
 */
export function streamContent<const S, const F extends StreamFormat = StreamFormat> (itemSchema: S, formats: readonly F[] = ['sse', 'ndjson', 'csv'] as F[]): StreamContent<S, F> {
  const content: Record<string, { itemSchema: S }> = {}
  for (const format of formats) content[MEDIA_TYPES[format]] = { itemSchema }
  return { content } as StreamContent<S, F>
}

/**
 * The SSE `itemSchema` of a stream that carries several event types, one data schema per
 * event name: a `oneOf` of event objects with `event` as a `const`, the OpenAPI 3.2 shape.
 *
 * @example 'text/event-stream': { itemSchema: sseEvents({ cpu: Cpu, memory: Memory }) }
 */
export function sseEvents<const M extends Record<string, unknown>> (events: M): { oneOf: [SseEventSchemas<M>, ...Array<SseEventSchemas<M>>] } {
  return {
    oneOf: Object.entries(events).map(([name, data]) => ({
      type: 'object',
      properties: { event: { const: name }, data },
      required: ['event', 'data']
    }) as SseEventSchemas<M>) as [SseEventSchemas<M>, ...Array<SseEventSchemas<M>>]
  }
}

// A non-empty array type: what json-schema-to-ts reads a oneOf as (it skips plain arrays).
type SseEventSchemas<M> = { [K in keyof M & string]: SseEventSchema<K, M[K]> }[keyof M & string]
