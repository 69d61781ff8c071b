/**
 * Test clients for the demo over real sockets: a demo app listening on loopback, and an SSE
 * reader that decodes with eventsource-parser (an independent decoder) and lets a test wait
 * for events, the end of the body, or the close of the connection.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../demo/app.js'
import type { DemoConfig } from '../../demo/config.js'

/** A listening demo app. */
export interface ListeningDemo {
  app: FastifyInstance
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string
  port: number
}

/** Builds the demo with logging off (unless overridden) and listens on `port` (default: any). */
export async function listenDemo (config: Partial<DemoConfig> = {}, port = 0): Promise<ListeningDemo> {
  const app = await buildApp({ logLevel: 'silent', ...config })
  await app.listen({ port, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { app, url: `http://127.0.0.1:${address.port}`, port: address.port }
}

/** An open streaming response, decoded as SSE frames and also kept as raw text. */
export interface StreamReader {
  status: number
  headers: IncomingHttpHeaders
  /** Everything received so far. */
  readonly text: string
  /** SSE events received so far (empty for other formats). */
  readonly events: EventSourceMessage[]
  /** Resolves once `count` events have arrived (rejects if the body ends first). */
  waitForEvents (count: number): Promise<EventSourceMessage[]>
  /** Resolves once the received text satisfies `test` (rejects if the body ends first). */
  waitForText (test: (text: string) => boolean): Promise<string>
  /** Resolves with how the response finished: 'end' (complete) or 'aborted' (cut off). */
  finished: Promise<'end' | 'aborted'>
  /** Drops the connection, as a client that leaves. */
  destroy (): void
}

/** How {@link openStream} connects. */
export interface OpenStreamOptions {
  /**
   * The client's source address, for tests of per-client limits: any of 127.0.0.0/8 reaches
   * a server on 127.0.0.1 on Linux, and the server sees each as another client.
   */
  localAddress?: string
}

/** Opens `url` with `headers` and resolves once the response head has arrived. */
export function openStream (url: string, headers: Record<string, string> = {}, options: OpenStreamOptions = {}): Promise<StreamReader> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, ...options })
    req.once('error', reject)
    req.once('response', (res: IncomingMessage) => {
      req.off('error', reject)
      // A reset after the head is how a cut-off body shows; `finished` reports it.
      req.on('error', () => {})
      resolve(createReader(res, () => req.destroy()))
    })
    req.end()
  })
}

function createReader (res: IncomingMessage, destroy: () => void): StreamReader {
  let text = ''
  const events: EventSourceMessage[] = []
  const waiters = new Set<{ check: () => boolean, fail: (err: Error) => void }>()
  const parser = createParser({ onEvent: event => { events.push(event) } })
  let done = false

  res.setEncoding('utf8')
  res.on('data', (chunk: string) => {
    text += chunk
    parser.feed(chunk)
    for (const waiter of waiters) if (waiter.check()) waiters.delete(waiter)
  })
  const finished = new Promise<'end' | 'aborted'>(resolve => {
    res.once('end', () => resolve('end'))
    res.once('aborted', () => resolve('aborted'))
    res.once('close', () => resolve(res.complete ? 'end' : 'aborted'))
  })
  finished.then(() => {
    done = true
    for (const waiter of waiters) waiter.fail(new Error(`the stream finished first; received:\n${text.slice(-2000)}`))
    waiters.clear()
  }, () => {})

  const waitFor = <T>(ready: () => T | undefined): Promise<T> => new Promise((resolve, reject) => {
    const check = (): boolean => {
      const value = ready()
      if (value === undefined) return false
      resolve(value)
      return true
    }
    if (check()) return
    if (done) return reject(new Error(`the stream finished first; received:\n${text.slice(-2000)}`))
    waiters.add({ check, fail: reject })
  })

  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    get text () { return text },
    get events () { return events },
    waitForEvents: count => waitFor(() => events.length >= count ? events.slice(0, count) : undefined),
    waitForText: test => waitFor(() => test(text) ? text : undefined),
    finished,
    destroy
  }
}

/** A promise with its resolve function exposed (Promise.withResolvers is Node 22+). */
export function deferred<T = void> (): { promise: Promise<T>, resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(_resolve => { resolve = _resolve })
  return { promise, resolve }
}
