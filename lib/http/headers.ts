/**
 * The response head every stream needs, so proxies, caches and browsers treat the body as a
 * live stream rather than a document to buffer.
 */
import type { Encoder } from '../framing/encoder.js'

/**
 * Headers for a stream in `encoder`'s format.
 *
 * There is deliberately no `Connection` header: Node's HTTP/1.1 server writes `keep-alive` or
 * `close` from what the request asked (RFC 9112 §9.6: a request's `Connection: close` means the
 * server closes after this response), and HTTP/2 forbids the field (RFC 9113 §8.2.2).
 */
export function streamHeaders (encoder: Encoder): Record<string, string> {
  return {
    'content-type': encoder.contentType,
    // no-transform asks proxies not to compress or change the body (RFC 9111 §5.2.2.6); nginx
    // and Caddy 2.6.2 do not read it, so docs/deploying.md configures them.
    'cache-control': 'no-cache, no-transform',
    // nginx buffers proxied responses unless told not to.
    'x-accel-buffering': 'no'
  }
}
