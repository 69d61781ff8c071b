/**
 * What the client tests share: a plugin app on a real socket that can be restarted on the
 * same port and that logs every request, a sequence route that resumes from Last-Event-ID,
 * and a collector that lets a test wait for events instead of sleeping.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import fastifyStream, { sse, type FastifyStreamOptions } from '../../plugin/index.js'
import { deferred, type Deferred } from '../helpers/deferred.js'

/** One request as the server saw it. */
export interface SeenRequest {
  method: string
  url: string
  lastEventId: string | undefined
  authorization: string | undefined
  body: unknown
  /** `performance.now()` when the request came in. */
  at: number
  /** `performance.now()` when its response finished, once it has. */
  finishedAt: number | undefined
}

/** A listening app and the requests it saw. */
export interface ClientTestServer {
  app: FastifyInstance
  port: number
  url: string
  requests: SeenRequest[]
  /** Resolves once `count` requests have come in. */
  requestCount: (count: number) => Promise<void>
}

/** The event map of the sequence routes, shared by server and client as users would. */
export interface SequenceEvents {
  tick: { n: number, auth: string | null }
}

/**
 * Starts an app with the plugin, `routes`, and a `/seq` route: `tick` events numbered after
 * the client's cursor, one every `intervalMs` (default 10), forever.
 */
export async function startServer (routes: (app: FastifyInstance) => void = () => {}, options: { port?: number, plugin?: FastifyStreamOptions } = {}): Promise<ClientTestServer> {
  // Node 20's fetch (undici) opens a spare connection after a response body is aborted. It
  // carries no request, so Node does not count it idle, and close() would wait for Fastify's
  // 72 s keepAliveTimeout. Closing every connection (after preClose has ended the streams
  // with their shutdown record) keeps each test short; the request log shows that nothing
  // was sent on such a connection.
  const app = Fastify({ forceCloseConnections: true })
  await app.register(fastifyStream, options.plugin ?? {})
  const requests: SeenRequest[] = []
  const seen = new WeakMap<FastifyRequest, SeenRequest>()
  const waiters: Array<{ count: number, done: Deferred<void> }> = []
  app.addHook('onRequest', async request => {
    const entry: SeenRequest = {
      method: request.method,
      url: request.url,
      lastEventId: request.lastEventId,
      authorization: request.headers.authorization,
      body: undefined,
      at: performance.now(),
      finishedAt: undefined
    }
    requests.push(entry)
    seen.set(request, entry)
    for (const waiter of waiters) if (requests.length >= waiter.count) waiter.done.resolve()
  })
  app.addHook('preHandler', async request => {
    const entry = seen.get(request)
    if (entry !== undefined) entry.body = request.body
  })
  app.addHook('onResponse', async request => {
    const entry = seen.get(request)
    if (entry !== undefined) entry.finishedAt = performance.now()
  })
  app.get<{ Querystring: { intervalMs?: string } }>('/seq', (request, reply) => reply.stream(async function * ({ lastEventId, signal }) {
    const intervalMs = Number(request.query.intervalMs ?? 10)
    for (let n = Number(lastEventId ?? 0) + 1; ; n++) {
      yield sse<SequenceEvents>({ id: n, event: 'tick', data: { n, auth: request.headers.authorization ?? null } })
      await new Promise(resolve => setTimeout(resolve, intervalMs))
      signal.throwIfAborted()
    }
  }))
  routes(app)
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    app,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    requests,
    requestCount (count) {
      if (requests.length >= count) return Promise.resolve()
      const waiter = { count, done: deferred() }
      waiters.push(waiter)
      return waiter.done.promise
    }
  }
}

/** Events collected from an async iterable in the background. */
export interface Collected<T> {
  items: T[]
  /** Resolves once `predicate(items)` holds; rejects if the iteration ends first. */
  until: (predicate: (items: T[]) => boolean) => Promise<T[]>
  /** Settles when the iteration ends: resolves, or rejects with its error. */
  ended: Promise<void>
}

interface Waiter<T> {
  predicate: (items: T[]) => boolean
  resolve: (items: T[]) => void
  reject: (err: Error) => void
}

/** Iterates `source` in the background, keeping every item. */
export function collect<T> (source: AsyncIterable<T>): Collected<T> {
  const items: T[] = []
  let waiters: Array<Waiter<T>> = []
  let over = false
  const check = (): void => {
    waiters = waiters.filter(waiter => {
      if (waiter.predicate(items)) waiter.resolve(items)
      else if (over) waiter.reject(new Error(`the iteration ended after ${items.length} items without the awaited condition`))
      else return true
      return false
    })
  }
  const ended = (async () => {
    try {
      for await (const item of source) {
        items.push(item)
        check()
      }
    } finally {
      over = true
      check()
    }
  })()
  ended.catch(() => {})
  return {
    items,
    until (predicate) {
      return new Promise<T[]>((resolve, reject) => {
        waiters.push({ predicate, resolve, reject })
        check()
      })
    },
    ended
  }
}

/** Rejects with what `promise` rejected with; fails if it resolves. */
export async function rejection (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}
