/**
 * `GET /api/users/export?count=&seed=`: the "large CSV" of Django's StreamingHttpResponse
 * docs. Rows are made as the socket takes them, so ten million rows need no more memory
 * than ten. CSV by default, NDJSON when `Accept` asks for it.
 */
import type { FastifyPluginAsync } from 'fastify'
import { streamContent } from 'fastify-stream'
import { fakeUsers } from '../fake-users.js'
import { FakeUserSchema } from '../item-schemas.js'
import { integerQuery } from '../integer-query.js'
import { COUNT_BOUNDS, SEED_BOUNDS } from '../query-schemas.js'

/** Rows when the query has no `count`. */
export const DEFAULT_EXPORT_COUNT = 1000

const EXPORT_QUERY = integerQuery({ count: { ...COUNT_BOUNDS, default: DEFAULT_EXPORT_COUNT }, seed: SEED_BOUNDS })

interface ExportQuery {
  count: number
  seed: number
}

/** The export route. */
export const usersExportRoutes: FastifyPluginAsync = async function usersExportRoutes (app) {
  app.get<{ Querystring: ExportQuery }>('/api/users/export', {
    preValidation: EXPORT_QUERY.preValidation,
    // gzip when the client accepts it: a million rows are 111 MB as text, about 2.9x less.
    config: { stream: { compress: true } },
    schema: {
      querystring: { type: 'object', properties: EXPORT_QUERY.properties },
      // The declared media types are the formats offered; the columns are the schema's.
      response: { 200: streamContent(FakeUserSchema, ['csv', 'ndjson']) }
    }
  }, (request, reply) => {
    const { count, seed } = request.query
    // CSV unless Accept asks for NDJSON, so a browser's "*/*" download gets the file.
    return reply.stream(({ format }) => {
      // The factory runs before the head is written, so a header that depends on the
      // negotiated format can still be set here.
      if (format === 'csv') reply.header('content-disposition', 'attachment; filename="users.csv"')
      return fakeUsers(seed, 1, count)
    }, { defaultFormat: 'csv' })
  })
}
