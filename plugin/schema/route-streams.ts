/**
 * What one route says about its streams before any request: its item schemas
 * (`schema.response[200].content`, declaration.ts) and its options (`config.stream`). An
 * `onRoute` hook records them, completing the schema so Fastify accepts it; an `onReady` hook
 * checks them, compiles the serializers and writes the OpenAPI form. Every mistake fails
 * ready() with FST_STREAM_INVALID_OPTION naming the route.
 */
import type { FastifyInstance, FastifyRequest, FastifySchema, RouteOptions } from 'fastify'
import { errors } from '../../lib/errors.js'
import type { StreamFormat } from '../../lib/framing/encoder.js'
import { compileItemCheck, type ItemCheck, type ItemValidator } from './item-checks.js'
import { compileItemEncoding, type ItemEncoding } from './serializers.js'
import { documentDeclaration } from './openapi.js'
import { mergeCallOptions, type ReplyStreamOptions, type ResolvedOptions } from '../options.js'
import { DeclarationProblem, readStreamDeclaration, streamContentOf, type StreamDeclaration } from './declaration.js'

const kStreamRoute = Symbol('fastify-stream.route')

/** One route's streams, as the plugin knows them from ready() on. */
export interface StreamRoute {
  /** `GET /users`, for errors and logs. */
  readonly name: string
  /** The item schemas, when the route declares any. */
  readonly declaration: StreamDeclaration | undefined
  /** The plugin's options with `config.stream` and the declared formats over them. */
  options: ResolvedOptions
  /** Encoder options compiled from the item schemas. */
  encoding: ItemEncoding
  /** Item checks by format, compiled on first use (`validateItems`). */
  readonly checks: Map<StreamFormat, ItemCheck | undefined>
  /** The route as Fastify built it, for its compilers. */
  readonly routeOptions: RouteOptions
  /** The instance the route belongs to (its compilers, when the route sets none). */
  readonly instance: FastifyInstance
  /** `config.stream`, as given. */
  readonly configured: ReplyStreamOptions | undefined
  /** Media types whose `schema` the plugin added (Fastify requires one). */
  readonly filled: Set<string>
  /** A problem found at onRoute, thrown at ready(). */
  readonly problem: string | undefined
}

/**
 * Adds the hooks to `fastify`. Routes registered after the plugin (in any child context)
 * are seen; `defaults` are the plugin's resolved options.
 */
export function watchStreamRoutes (fastify: FastifyInstance, defaults: ResolvedOptions): void {
  const routes: StreamRoute[] = []
  // Fastify copies a GET route's options for its HEAD twin before onRoute runs, so the twin
  // may lack the config object the GET got here; its schema and URL are the GET's own.
  const twins = new WeakMap<object, Map<string, StreamRoute>>()
  fastify.addHook('onRoute', function recordStreamRoute (this: FastifyInstance, routeOptions) {
    const schema = routeOptions.schema
    const twin = schema === undefined || routeOptions.method !== 'HEAD' ? undefined : twins.get(schema)?.get(routeOptions.url)
    if (twin !== undefined) {
      routeOptions.config = { ...routeOptions.config, [kStreamRoute]: twin } as typeof routeOptions.config
      return
    }
    const route = recordRoute(this, routeOptions, defaults)
    if (route === undefined) return
    routes.push(route)
    if (schema === undefined) return
    let byUrl = twins.get(schema)
    if (byUrl === undefined) twins.set(schema, byUrl = new Map())
    byUrl.set(routeOptions.url, route)
  })
  fastify.addHook('onReady', async function prepareStreamRoutes () {
    for (const route of routes) prepareRoute(route)
  })
}

/** The stream settings of the route whose config is `config`, or undefined when it declares none. */
export function streamRouteOf (config: object): StreamRoute | undefined {
  return (config as Record<symbol, StreamRoute | undefined>)[kStreamRoute]
}

function recordRoute (instance: FastifyInstance, routeOptions: RouteOptions, defaults: ResolvedOptions): StreamRoute | undefined {
  const config = (routeOptions.config ?? {}) as Record<string | symbol, unknown>
  // Fastify calls onRoute again for the HEAD twin of a GET with a copy of its options; the
  // config is the same object, so the route is already recorded.
  if (config[kStreamRoute] !== undefined) return undefined
  let declaration: StreamDeclaration | undefined
  let problem: string | undefined
  try {
    declaration = readStreamDeclaration(routeOptions.schema)
  } catch (err) {
    /* c8 ignore next */
    if (!(err instanceof DeclarationProblem)) throw err
    problem = err.message
  }
  const configured = config.stream as ReplyStreamOptions | undefined
  if (declaration === undefined && configured === undefined && problem === undefined) return undefined
  const filled = new Set<string>()
  for (const [mediaType, entry] of Object.entries(streamContentOf(routeOptions.schema)?.content ?? {})) {
    // Fastify refuses a content entry with no schema (FST_ERR_SCH_CONTENT_MISSING_SCHEMA);
    // any JSON is right for a body Fastify never serializes. ready() writes the real one.
    if (typeof entry === 'object' && entry !== null && entry.schema === undefined) {
      entry.schema = {}
      filled.add(mediaType)
    }
  }
  const route: StreamRoute = {
    name: `${String(routeOptions.method)} ${routeOptions.url}`,
    declaration,
    options: defaults,
    encoding: {},
    checks: new Map(),
    routeOptions,
    instance,
    configured,
    filled,
    problem
  }
  config[kStreamRoute] = route
  routeOptions.config = config
  return route
}

function prepareRoute (route: StreamRoute): void {
  if (route.problem !== undefined) throw routeError(route, 'schema.response', route.problem)
  let options = route.options
  if (route.configured !== undefined) {
    try {
      options = mergeCallOptions(options, route.configured)
    } catch (err) {
      throw routeError(route, 'config.stream', (err as Error).message.replace('fastify-stream: ', ''))
    }
  }
  const declaration = route.declaration
  if (declaration === undefined) {
    if (route.configured?.validateItems === true) throw routeError(route, 'config.stream', 'sets validateItems, but the route declares no items in schema.response[200].content (see docs/schemas.md)')
    route.options = options
    return
  }
  route.options = withDeclaredFormats(route, options, declaration)
  // Fastify has built the instance's compiler by now: it compiled this route's response schema.
  const compiler = route.routeOptions.serializerCompiler ?? route.instance.serializerCompiler
  /* c8 ignore next */
  if (compiler === undefined) throw routeError(route, `schema.response.${declaration.status}`, 'found no serializer compiler; register fastify-stream before the route')
  const { url } = route.routeOptions
  const method = String(route.routeOptions.method)
  try {
    route.encoding = compileItemEncoding(declaration, (schema, contentType) =>
      compiler({ schema: schema as FastifySchema, method, url, httpStatus: declaration.status, contentType }) as (value: unknown) => string)
  } catch (err) {
    throw routeError(route, `schema.response.${declaration.status}`, `has an itemSchema the route's serializer compiler refuses (${(err as Error).message}); make it valid JSON Schema`, err)
  }
  documentDeclaration(declaration, route.filled, { endEvent: route.options.endEvent ?? 'end', errorEvent: route.options.errorEvent ?? 'stream-error' })
}

/**
 * The route's formats are the media types it declares; `format`, `formats` and
 * `defaultFormat` in `config.stream` may narrow them, never add to them.
 */
function withDeclaredFormats (route: StreamRoute, options: ResolvedOptions, declaration: StreamDeclaration): ResolvedOptions {
  const declared = declaration.formats
  const configured = route.configured ?? {}
  const undeclared = firstUndeclared(declaration, [configured.format, ...(configured.formats ?? []), configured.defaultFormat])
  if (undeclared !== undefined) throw routeError(route, 'config.stream', undeclaredFormat(declaration, undeclared))
  const formats = configured.formats ?? declared
  const defaultFormat = formats.includes(options.defaultFormat) ? options.defaultFormat : formats[0] as StreamFormat
  return { ...options, formats, defaultFormat }
}

/**
 * Checks per-call `format` and `formats` against what `route` declares.
 * @throws FST_STREAM_INVALID_OPTION naming the route and the format.
 */
export function checkCallFormats (route: StreamRoute, options: ResolvedOptions): void {
  const declaration = route.declaration
  if (declaration === undefined) return
  // A declaring route's options always list formats (withDeclaredFormats), and so do the
  // call's, which are layered over them.
  const offered = options.formats as readonly StreamFormat[]
  const undeclared = firstUndeclared(declaration, [options.format, ...offered])
  if (undeclared !== undefined) throw routeError(route, options.format !== undefined ? 'format' : 'formats', undeclaredFormat(declaration, undeclared))
}

function firstUndeclared (declaration: StreamDeclaration, formats: Array<StreamFormat | undefined>): StreamFormat | undefined {
  return formats.find(format => format !== undefined && !declaration.formats.includes(format))
}

function undeclaredFormat (declaration: StreamDeclaration, format: StreamFormat): string {
  return `offers ${format}, which schema.response.${declaration.status}.content does not declare (it declares ${declaration.formats.join(', ')}); declare its media type there or stop offering it`
}

/**
 * The check of `format`'s items on `route`, compiled on first use with the route's
 * validator compiler (reached through the request, which sets it up when the app has none yet).
 */
export function itemCheckOf (route: StreamRoute, declaration: StreamDeclaration, format: StreamFormat, request: FastifyRequest): ItemCheck | undefined {
  if (route.checks.has(format)) return route.checks.get(format)
  const check = compileItemCheck(declaration, format, schema => request.compileValidationSchema(schema as Record<string, unknown>) as unknown as ItemValidator)
  route.checks.set(format, check)
  return check
}

// "option "schema.response" of route GET /users: <problem>"
function routeError (route: StreamRoute, option: string, problem: string, cause?: unknown): Error {
  const args: unknown[] = [option, `of route ${route.name}: ${problem}`]
  if (cause !== undefined) args.push({ cause })
  return new errors.FST_STREAM_INVALID_OPTION(...args)
}
