/**
 * `GET /health`: liveness for load balancers and scripts, with the open stream count so a
 * probe can tell an idle instance from a busy one, and the hub it runs on (memory, or Redis
 * with its address and whether it is reachable now).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { DemoPluginOptions } from '../feature-options.js'
import { describeHub } from '../hub.js'

/** The health route. */
export const healthRoutes: FastifyPluginAsync<DemoPluginOptions> = async function healthRoutes (app, { config }) {
  const hub = describeHub(config)
  app.get('/health', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string' },
            uptimeSeconds: { type: 'integer' },
            openStreams: { type: 'integer' },
            hub: {
              type: 'object',
              properties: {
                adapter: { type: 'string' },
                address: { type: 'string' },
                state: { type: 'string' }
              }
            }
          }
        }
      }
    }
  }, async () => ({
    status: 'ok',
    uptimeSeconds: Math.round(process.uptime()),
    openStreams: app.streams.open,
    // `state` is live: 'down' while Redis is unreachable (publishing fails, streams stay open).
    hub: { ...hub, state: app.hub.stats().backend.state }
  }))
}
