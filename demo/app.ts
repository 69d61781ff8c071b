/**
 * The demo service as a factory: `buildApp(config)` returns a ready Fastify instance that
 * tests drive with `inject()` or real sockets, and that `server.ts` listens with.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCors from '@fastify/cors'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import fastifyStream from 'fastify-stream'
import { registerApiDocs } from './api-docs.js'
import { DEFAULT_CONFIG, type DemoConfig } from './config.js'
import { corsOptions } from './cors.js'
import { hubOptions } from './hub.js'
import { packageRoot } from './paths.js'
import { chatRoutes } from './routes/chat.js'
import { healthRoutes } from './routes/health.js'
import { liveRoutes } from './routes/live.js'
import { monitorRoutes } from './routes/monitor.js'
import { prometheusRoutes } from './routes/prometheus.js'
import { usersExportRoutes } from './routes/users-export.js'
import { usersFeedRoutes } from './routes/users-feed.js'
import type { DemoPluginOptions } from './feature-options.js'
import { createSharedState } from './shared-state.js'
import { staticAssets } from './static-assets.js'

/**
 * The demo's features, registered in this order after the stream plugin and CORS. A new
 * feature is one more entry.
 */
const FEATURES: Array<FastifyPluginAsync<DemoPluginOptions>> = [
  healthRoutes,
  prometheusRoutes,
  monitorRoutes,
  usersFeedRoutes,
  usersExportRoutes,
  chatRoutes,
  liveRoutes,
  staticAssets
]

// The package's version, for the API reference.
const DEMO_VERSION = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version

/**
 * Builds the demo app. Missing config values take {@link DEFAULT_CONFIG}; the environment is
 * not read here (that is `loadConfig()`), so tests are not affected by the shell.
 */
export async function buildApp (overrides: Partial<DemoConfig> = {}): Promise<FastifyInstance> {
  const config: DemoConfig = { ...DEFAULT_CONFIG, ...overrides }
  // Fastify's default forceCloseConnections ('idle') is what shutdown needs: the stream
  // plugin ends every stream in preClose, then server.close() drops the idle sockets.
  const app = Fastify({ logger: { level: config.logLevel } })
  await app.register(fastifyStream, {
    heartbeatMs: config.heartbeatMs,
    retryMs: config.retryMs,
    maxStreams: config.maxStreams,
    maxStreamsPerClient: config.maxStreamsPerClient,
    hub: await hubOptions(config)
  })
  await app.register(fastifyCors, corsOptions(config.corsOrigins))
  await registerApiDocs(app, DEMO_VERSION)
  const shared = createSharedState(app)
  for (const feature of FEATURES) await app.register(feature, { config, shared })
  return app
}
