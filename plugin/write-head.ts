/**
 * Writes a stream's head on the raw response, keeping everything Fastify already knows.
 */
import type { FastifyReply } from 'fastify'
import type { Encoder } from '../lib/framing/encoder.js'
import { streamHeaders } from '../lib/http/headers.js'

/**
 * Writes the head, keeping every header set with `reply.header()` or by hooks (CORS, request
 * ids) and `reply.code()`, then hijacks the reply so Fastify does not send one too.
 *
 * @param negotiated true when the format came from `Accept`, so caches must vary on it.
 */
export function writeHead (reply: FastifyReply, encoder: Encoder, negotiated: boolean): void {
  const headers: Record<string, unknown> = reply.getHeaders()
  const defaults = streamHeaders(encoder)
  for (const name in defaults) headers[name] ??= defaults[name]
  if (negotiated) {
    // The body's format depends on Accept, so shared caches must key on it (RFC 9110 §12.5.5).
    const vary = headers.vary
    headers.vary = vary === undefined ? 'Accept' : `${String(vary)}, Accept`
  }
  reply.raw.writeHead(reply.statusCode, headers as Record<string, string>)
  reply.hijack()
}
