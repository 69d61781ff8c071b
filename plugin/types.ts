/**
 * Type declarations the plugin adds to Fastify: `reply.stream()`, `request.lastEventId` and
 * `fastify.streams`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Hub } from '../lib/hub/hub.js'
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

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Streams `source` to the client as SSE, NDJSON or CSV (negotiated from `Accept`, or
     * `options.format`). Returns the reply, so `return reply.stream(...)` works in any handler.
     */
    stream<T = unknown>(source: StreamSource<T, ReplySourceContext>, options?: ReplyStreamOptions): FastifyReply
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
