/**
 * A streaming HTTP/1.1 client for tests: it collects the body as it arrives and lets a test
 * wait for content, pause reading (to build backpressure), or drop the connection.
 */
import http, { type IncomingHttpHeaders } from 'node:http'

/** One open streaming response. */
export interface StreamClient {
  status: number
  headers: IncomingHttpHeaders
  /** The body received so far, decoded as UTF-8. */
  readonly text: string
  /** Raw body bytes received so far. */
  readonly bytes: number
  /** Resolves once `predicate(text)` holds; rejects if the response ends first. */
  waitFor: (predicate: (text: string) => boolean) => Promise<string>
  /** Resolves when the response is over: `complete` is false for an aborted body. */
  ended: Promise<{ complete: boolean }>
  /** Stops reading from the socket, so the server's writes back up. */
  pause: () => void
  resume: () => void
  /** Closes the connection cleanly (FIN). */
  close: () => void
  /** Resets the connection (RST). */
  reset: () => void
}

/** Opens `url` and resolves once the response head has arrived. */
export function openStream (url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent: false }, response => {
      let text = ''
      let bytes = 0
      let finished = false
      const waiters: Array<{ predicate: (text: string) => boolean, resolve: (text: string) => void, reject: (err: Error) => void }> = []
      const check = (): void => {
        for (let i = waiters.length - 1; i >= 0; i--) {
          const waiter = waiters[i]!
          if (waiter.predicate(text)) {
            waiters.splice(i, 1)
            waiter.resolve(text)
          } else if (finished) {
            waiters.splice(i, 1)
            waiter.reject(new Error(`stream ended before the expected content; got ${JSON.stringify(text.slice(-300))}`))
          }
        }
      }
      const ended = new Promise<{ complete: boolean }>(resolve => {
        response.on('end', () => { finished = true; check(); resolve({ complete: true }) })
        response.on('close', () => { finished = true; check(); resolve({ complete: response.complete }) })
      })
      response.on('error', () => {})
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        text += chunk.toString('utf8')
        check()
      })
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        get text () { return text },
        get bytes () { return bytes },
        waitFor (predicate) {
          return new Promise((resolve, reject) => {
            waiters.push({ predicate, resolve, reject })
            check()
          })
        },
        ended,
        pause: () => { response.pause(); response.socket.pause() },
        resume: () => { response.socket.resume(); response.resume() },
        close: () => { request.destroy() },
        reset: () => { request.socket?.resetAndDestroy() }
      })
    })
    request.on('error', reject)
    request.end()
  })
}

/** Counts occurrences of `needle` in `text`. */
export function countOf (text: string, needle: string): number {
  return text.split(needle).length - 1
}
