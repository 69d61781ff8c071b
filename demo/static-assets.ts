/**
 * The dashboard: `demo/public/` at `/`, and uPlot from node_modules at `/vendor/uplot/`, both
 * through `@fastify/static`; the built `fastify-stream/client` at `/vendor/fastify-stream/client/`
 * with eventsource-parser at `/vendor/eventsource-parser/`, which the page's import map names.
 * Nothing comes from a CDN, so the page works offline.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { clientDir, eventsourceParserDir, publicDir, uplotDir } from './paths.js'

// An import map can only be inline, and CSP treats it as an inline script: Chromium ignores it
// unless script-src allows it, here by its hash, taken from index.html as served.
const IMPORT_MAP = /<script type="importmap">([\s\S]*?)<\/script>/

// The page loads only its own files and talks only to its own origin. uPlot sizes its
// elements through element.style (CSSOM), which style-src does not restrict.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self'${importMapSource()}`,
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Serves the dashboard, its vendored chart library, and the stream client with its parser. */
export const staticAssets: FastifyPluginAsync = async function staticAssets (app) {
  await app.register(fastifyStatic, { root: publicDir, prefix: '/', setHeaders: securityHeaders })
  await app.register(fastifyStatic, {
    root: uplotDir,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: path => path === '/uPlot.esm.js' || path === '/uPlot.min.css'
  })
  await app.register(fastifyStatic, {
    root: clientDir,
    prefix: '/vendor/fastify-stream/client/',
    decorateReply: false,
    allowedPath: path => path.endsWith('.js')
  })
  await app.register(fastifyStatic, {
    root: eventsourceParserDir,
    prefix: '/vendor/eventsource-parser/',
    decorateReply: false,
    allowedPath: path => path === '/index.js'
  })
}

/** ` 'sha256-…'` for the import map in index.html, or `''` when it has none. */
function importMapSource (): string {
  const map = IMPORT_MAP.exec(readFileSync(join(publicDir, 'index.html'), 'utf8'))?.[1]
  return map === undefined ? '' : ` 'sha256-${createHash('sha256').update(map).digest('base64')}'`
}

function securityHeaders (reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
  reply.header('x-content-type-options', 'nosniff')
  reply.header('referrer-policy', 'no-referrer')
}
