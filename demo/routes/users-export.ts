/**
 * `GET /api/users/export?count=&seed=`: the "large CSV" of Django's StreamingHttpResponse
 * docs. Rows are made as the socket takes them, so ten million rows need no more memory
 * than ten. CSV by default, NDJSON when `Accept` asks for it.
 */
import type { FastifyPluginAsync } from 'fastify'
import { negotiateFormat, type StreamFormat } from 'fastify-stream/core'
import { USER_COLUMNS, fakeUsers } from '../fake-users.js'
import { countSchema, seedSchema } from './query-schemas.js'

/** Rows when the query has no `count`. */
export const DEFAULT_EXPORT_COUNT = 1000

const FORMATS: readonly StreamFormat[] = ['csv', 'ndjson']

interface ExportQuery {
  count: number
  seed: number
}

/** The export route. */
export const usersExportRoutes: FastifyPluginAsync = async function usersExportRoutes (app) {
  app.get<{ Querystring: ExportQuery }>('/api/users/export', {
    schema: {
      querystring: {
        type: 'object',
        properties: { count: { ...countSchema, default: DEFAULT_EXPORT_COUNT }, seed: seedSchema }
      }
    }
  }, (request, reply) => {
    const { count, seed } = request.query
    // The plugin's defaultFormat is app-wide (NDJSON here) and there is no per-route one, so
    // this route negotiates itself with CSV as its default: a browser's "*/*" gets the file.
    const format = negotiateFormat(request.headers.accept, FORMATS, 'csv', true) ?? undefined
    if (format === 'csv') reply.header('content-disposition', 'attachment; filename="users.csv"')
    // Added to, not replaced: CORS has already put Origin there.
    const vary = reply.getHeader('vary')
    reply.header('vary', vary === undefined ? 'Accept' : `${String(vary)}, Accept`)
    // With no acceptable format, `formats` alone makes the plugin answer 406.
    return reply.stream(fakeUsers(seed, 1, count), { format, formats: FORMATS, columns: USER_COLUMNS })
  })
}
