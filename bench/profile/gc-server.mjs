/**
 * A bare 20-event route (the plugin's, or the hand-written node:http baseline's) that
 * records every GC pause and reports them when asked over IPC. Used by gc-pauses.mjs.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { smallEvents } from '../servers/sources.mjs'

const kind = process.argv[2]
const pauses = []
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) pauses.push(entry.duration)
}).observe({ entryTypes: ['gc'] })

const port = await listen(kind)
process.send({ port })
process.on('message', () => {
  pauses.sort((a, b) => a - b)
  const total = pauses.reduce((sum, pause) => sum + pause, 0)
  process.send({ count: pauses.length, totalMs: total, p99Ms: pauses[Math.floor(pauses.length * 0.99)] ?? 0, maxMs: pauses.at(-1) ?? 0 })
  process.exit(0)
})

async function listen (kind) {
  if (kind === 'ours') {
    const { default: Fastify } = await import('fastify')
    const { default: fastifyStream } = await import('fastify-stream')
    const app = Fastify()
    await app.register(fastifyStream)
    app.get('/bare20', (request, reply) => reply.stream(smallEvents(20), { format: 'sse' }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return app.server.address().port
  }
  const http = await import('node:http')
  const { writeAll } = await import('../servers/frames.mjs')
  const server = http.createServer((req, res) => writeAll(res, smallEvents(20), 'sse'))
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return server.address().port
}
