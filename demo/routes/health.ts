/**
 * `GET /health`: liveness for load balancers and scripts, with the open stream count so a
 * probe can tell an idle instance from a busy one.
 */
import type { FastifyPluginAsync } from 'fastify'

/** The health route. */
export const healthRoutes: FastifyPluginAsync = async function healthRoutes (app) {
  app.get('/health', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string' },
            uptimeSeconds: { type: 'integer' },
            openStreams: { type: 'integer' }
          }
        }
      }
    }
  }, async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()), openStreams: app.streams.open }))
}
