/**
 * The API reference: `/documentation/json` (and `/yaml`) is the OpenAPI 3.2 document that
 * @fastify/swagger builds from the route schemas, stream routes with their `itemSchema`s;
 * `/documentation` is Swagger UI on it, served from node_modules (it works offline) under a
 * CSP as strict as the dashboard's. Register it before the routes it documents.
 */
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/** Where the reference is served. */
export const DOCUMENTATION_PREFIX = '/documentation'

// Swagger UI's page loads only its own scripts and styles (no inline script); its images are
// the bundled logo and data: URIs in its stylesheet. Its bundle adds one fixed <style>
// element, allowed by its hash and nothing else inline: should a new swagger-ui add another,
// test/demo/api-reference.test.ts fails with Chromium's report, which names the new hash.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Registers the OpenAPI document and its UI on `app` (not encapsulated: it sees every route). */
export async function registerApiDocs (app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.2.0',
      info: {
        title: 'fastify-stream demo',
        version,
        description: 'Live monitoring, a fake-user feed, a large CSV export and a chat, streamed as Server-Sent Events, NDJSON and CSV. Each stream lists the schema of one item per media type (itemSchema, OpenAPI 3.2).'
      }
    }
  })
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCUMENTATION_PREFIX,
    staticCSP: CONTENT_SECURITY_POLICY,
    uiConfig: { docExpansion: 'list', deepLinking: false, defaultModelsExpandDepth: 0, defaultModelExpandDepth: 4 }
  })
}
