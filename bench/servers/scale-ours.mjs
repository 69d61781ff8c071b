/**
 * Scenario 10's plugin server: the hub subscription route of ours.mjs alone, and the SIGTERM
 * handling of a deployed service: `fastify.close()`, which ends every open stream with the
 * shutdown frame, then exit.
 */
import Fastify from 'fastify'
import fastifyStream from 'fastify-stream'
import { serveScaleCalls } from './scale-calls.mjs'

const TOPIC = 'scale'
// Above the 20,000 descriptors one process may hold here, so the kernel sets the limit and
// not the plugin; per client too, since each client address holds over 1,000 streams.
const MAX_STREAMS = 20000

const app = Fastify({ logger: false })
await app.register(fastifyStream, { maxStreams: MAX_STREAMS, maxStreamsPerClient: MAX_STREAMS })
const hub = app.hasDecorator('hub') ? app.hub : undefined

// The subscription is the source itself, as the README recommends for many idle streams.
app.get('/hub', (request, reply) => reply.stream(hub.subscribe(TOPIC, { lastEventId: request.lastEventId }), { format: 'sse' }))
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0), () => process.exit(1))
})

await app.listen({ port: 0, host: '127.0.0.1' })
serveScaleCalls({
  port: app.server.address().port,
  publish: data => hub.publish(TOPIC, data),
  open: () => app.streams.open,
  hub: hub != null
})
