/**
 * Builds a Fastify app with the plugin for tests, optionally listening on a real socket.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyStream from '../../plugin/index.js'
import type { FastifyStreamOptions } from '../../plugin/index.js'

/** An app plus the base URL it listens on. */
export interface TestApp {
  app: FastifyInstance
  url: string
}

/** Creates an app with the plugin registered and routes added by `routes`, then listens. */
export async function listenApp (
  routes: (app: FastifyInstance) => void,
  options: FastifyStreamOptions = {},
  serverOptions: { http2?: boolean, handlerTimeout?: number, logger?: unknown } = {}
): Promise<TestApp> {
  // Fastify's overloads pick the server type from `http2`; tests only need the common API.
  const app = Fastify(serverOptions as Record<string, never>) as unknown as FastifyInstance
  await app.register(fastifyStream, options)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { app, url: `http://127.0.0.1:${address.port}` }
}
