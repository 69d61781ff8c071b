/**
 * Type declarations the plugin adds to Fastify: `reply.stream()`, `request.lastEventId` and
 * `fastify.streams`.
 */
import type { FastifyReply, FastifyRequest, FastifyTypeProvider } from 'fastify'
import type { SseEvent } from '../lib/framing/sse-event.js'
import type { Hub } from '../lib/hub/hub.js'
import type { PresenceEvent } from '../lib/hub/presence/presence.js'
import type { ResetEvent } from '../lib/hub/reset-event.js'
import type { StreamCounters } from '../lib/write-path/counters.js'
import type { SourceContext, StreamSource } from '../lib/write-path/source.js'
import type { ReplyStreamOptions } from './options.js'

/** What a source factory receives from `reply.stream()`. */
export interface ReplySourceContext extends SourceContext {
  /** The request being answered. */
  request: FastifyRequest
  /** The reply being streamed. */
  reply: FastifyReply
}

// What the type provider makes of schema `S` for serialization, as Fastify itself resolves it.
type Serialized<P extends FastifyTypeProvider, S> = (P & { schema: S })['serializer']

/**
 * What may be streamed as an item of type `T`: the item, an `sse()` event with it as data,
 * and a hub's own events (`reset`, presence's `join` and `leave`). When `T` is a union of `{ event, data }` objects (an SSE schema per
 * event), each event's data is checked against its own event's type.
 */
export type StreamItemFor<T> = unknown extends T
  ? unknown
  : [T] extends [{ event: string, data: unknown }] ? EventOf<T> | HubOwnEvent : T | SseEvent<T> | HubOwnEvent

// What a hub yields besides the topic's events; a route's item schema does not describe them.
type HubOwnEvent = ResetEvent | PresenceEvent

// Distributes over the union of declared events: one `sse()` event type per event name.
type EventOf<T> = T extends { event: infer E extends string, data: infer D } ? SseEvent<D, E> & { readonly event: E } : never

/** The items the route schema `S` declares (`response[200|2xx].content[*].itemSchema`), typed by `P`. */
export type DeclaredStreamItem<S, P extends FastifyTypeProvider> = S extends { response: infer R }
  ? OrUnknown<ItemsOfContent<R extends { 200: { content: infer C } } ? C : R extends { '2xx': { content: infer C } } ? C : never, P>>
  : unknown

type ItemsOfContent<C, P extends FastifyTypeProvider> = {
  [K in keyof C]: C[K] extends { itemSchema: infer I } ? StreamItemFor<Serialized<P, I>> : never
}[keyof C]

type OrUnknown<T> = [T] extends [never] ? unknown : T

declare module 'fastify' {
  // The type parameters' names are Fastify's own (types/reply.d.ts): declarations merge by
  // name, so all eight are listed though stream() reads two.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface FastifyReply<RouteGeneric, RawServer, RawRequest, RawReply, ContextConfig, SchemaCompiler, TypeProvider, ReplyType> {
    /**
     * Streams `source` to the client as SSE, NDJSON or CSV (negotiated from `Accept`, or
     * `options.format`). Returns the reply, so `return reply.stream(...)` works in any handler.
     * With a type provider, the items must match the route's declared `itemSchema`s.
     */
    stream<T extends DeclaredStreamItem<SchemaCompiler, TypeProvider> = DeclaredStreamItem<SchemaCompiler, TypeProvider>>(source: StreamSource<T, ReplySourceContext>, options?: ReplyStreamOptions): FastifyReply
  }
  interface FastifyContextConfig {
    /** `reply.stream()` options for every stream of this route; per-call options win. */
    stream?: ReplyStreamOptions
  }
  interface FastifyRequest {
    /**
     * The client's resume cursor: the `Last-Event-ID` header (decoded as UTF-8), else the
     * `lastEventId` query parameter. `undefined` when absent, too long or malformed.
     */
    readonly lastEventId: string | undefined
  }
  interface FastifyInstance {
    /** Live counters of this instance's streams. */
    readonly streams: StreamCounters
    /** The broadcast hub: `publish(topic, data)`, `subscribe(topic, { signal, lastEventId })` (a `reply.stream()` source). */
    readonly hub: Hub
  }
}
