/**
 * The dashboard: `demo/public/` at `/`, and uPlot from node_modules at `/vendor/uplot/`, both
 * through `@fastify/static`. Nothing comes from a CDN, so the page works offline.
 */
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { publicDir, uplotDir } from './paths.js'

// The page loads only its own files and talks only to its own origin. uPlot sizes its
// elements through element.style (CSSOM), which style-src does not restrict.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Serves the dashboard and its vendored chart library. */
export const staticAssets: FastifyPluginAsync = async function staticAssets (app) {
  await app.register(fastifyStatic, { root: publicDir, prefix: '/', setHeaders: securityHeaders })
  await app.register(fastifyStatic, {
    root: uplotDir,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: path => path === '/uPlot.esm.js' || path === '/uPlot.min.css'
  })
}

function securityHeaders (reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
  reply.header('x-content-type-options', 'nosniff')
  reply.header('referrer-policy', 'no-referrer')
}
