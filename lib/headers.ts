/**
 * The response head every stream needs, so proxies, caches and browsers treat the body as a
 * live stream rather than a document to buffer.
 */
import type { Encoder } from './encoder.js'

/**
 * Headers for a stream in `encoder`'s format.
 *
 * @param httpVersionMajor 1 or 2; HTTP/2 gets no `Connection` header (RFC 9113 §8.2.2
 *   makes connection-specific fields malformed there).
 */
export function streamHeaders (encoder: Encoder, httpVersionMajor: number): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': encoder.contentType,
    // no-transform keeps compressing proxies from buffering the body (RFC 9111 §5.2.2.6).
    'cache-control': 'no-cache, no-transform',
    // nginx buffers proxied responses unless told not to.
    'x-accel-buffering': 'no'
  }
  if (httpVersionMajor === 1) headers.connection = 'keep-alive'
  return headers
}
