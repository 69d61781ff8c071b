/**
 * Writes a stream's head on the raw response, keeping everything Fastify already knows.
 */
import type { FastifyReply } from 'fastify'
import type { Encoder } from '../lib/framing/encoder.js'
import type { ContentCoding } from '../lib/http/accept-encoding.js'
import type { Compression } from '../lib/http/compress-option.js'
import { streamHeaders } from '../lib/http/headers.js'

/** A stream's content coding: compression was on, and `encoding` is what was chosen (or none). */
export interface StreamCoding {
  encoding: ContentCoding | undefined
  compression: Compression
}

function addVary (headers: Record<string, unknown>, name: string): void {
  const vary = headers.vary
  headers.vary = vary === undefined ? name : `${String(vary)}, ${name}`
}

/**
 * Writes the head, keeping every header set with `reply.header()` or by hooks (CORS, request
 * ids) and `reply.code()`, then hijacks the reply so Fastify does not send one too.
 *
 * @param negotiated true when the format came from `Accept`, so caches must vary on it.
 */
export function writeHead (reply: FastifyReply, encoder: Encoder, negotiated: boolean, coding?: StreamCoding): void {
  const headers: Record<string, unknown> = reply.getHeaders()
  const defaults = streamHeaders(encoder)
  for (const name in defaults) headers[name] ??= defaults[name]
  // The body's format depends on Accept, so shared caches must key on it (RFC 9110 §12.5.5);
  // with compression on, its coding depends on Accept-Encoding, whichever was chosen.
  if (negotiated) addVary(headers, 'Accept')
  if (coding !== undefined) {
    addVary(headers, 'Accept-Encoding')
    if (coding.encoding !== undefined) headers['content-encoding'] = coding.encoding
  }
  reply.raw.writeHead(reply.statusCode, headers as Record<string, string>)
  reply.hijack()
}
