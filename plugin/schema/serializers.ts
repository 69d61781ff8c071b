/**
 * Turns a route's declared item schemas into what its encoders take: serializers compiled
 * by the route's serializer compiler (fast-json-stringify unless the app or route sets
 * another), once per route at ready(). A schema serializer writes only the fields the schema
 * declares, which is how a `passwordHash` stays off the wire.
 */
import type { EncoderOptions } from '../../lib/framing/create-encoder.js'
import type { StreamFormat } from '../../lib/framing/encoder.js'
import { createSerialize, type Serializer } from '../../lib/framing/serialize.js'
import { MEDIA_TYPES, type StreamDeclaration } from './declaration.js'

/** Compiles one schema for one media type; throws what the compiler throws. */
export type CompileSerializer = (schema: unknown, mediaType: string) => (value: unknown) => string

/** The encoder options each declared format adds to the route's options. */
export type ItemEncoding = Partial<Record<StreamFormat, EncoderOptions>>

/**
 * The encoder options for every format `declaration` gives an item schema.
 * @throws whatever `compile` throws for a schema it cannot compile.
 */
export function compileItemEncoding (declaration: StreamDeclaration, compile: CompileSerializer): ItemEncoding {
  const encoding: ItemEncoding = {}
  const sse = declaration.sse
  if (sse?.kind === 'data') encoding.sse = { serializer: serializerOf(compile, sse.schema, MEDIA_TYPES.sse) }
  if (sse?.kind === 'events') {
    const eventSerializers = new Map<string, Serializer>()
    for (const [name, schema] of sse.events) eventSerializers.set(name, serializerOf(compile, schema, MEDIA_TYPES.sse))
    encoding.sse = { eventSerializers }
  }
  if (declaration.ndjson !== undefined) encoding.ndjson = { serializer: serializerOf(compile, declaration.ndjson, MEDIA_TYPES.ndjson) }
  if (declaration.csv !== undefined) encoding.csv = csvEncoding(declaration.csv, compile)
  return encoding
}

/**
 * CSV writes the columns the row schema declares, in order, so an undeclared field has no
 * column; a nested object or array is written by its own property's schema.
 */
function csvEncoding (schema: unknown, compile: CompileSerializer): EncoderOptions {
  // declaration.ts has checked that the row schema lists its properties.
  const properties = (schema as { properties: Record<string, unknown> }).properties
  const columnSerializers = new Map<string, Serializer>()
  for (const [column, property] of Object.entries(properties)) {
    if (isStructured(property)) columnSerializers.set(column, serializerOf(compile, property, MEDIA_TYPES.csv))
  }
  return { columns: Object.keys(properties), columnSerializers }
}

function isStructured (schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false
  const { type, properties, items } = schema as { type?: unknown, properties?: unknown, items?: unknown }
  const types = Array.isArray(type) ? type : [type]
  return properties !== undefined || items !== undefined || types.includes('object') || types.includes('array')
}

// createSerialize checks what any compiler returns: a string with no raw line break.
function serializerOf (compile: CompileSerializer, schema: unknown, mediaType: string): Serializer {
  return createSerialize(compile(schema, mediaType))
}
