/**
 * The plugin under test: Fastify 5 + fastify-stream, imported by package name as a user
 * would, with one route per scenario. Started by the orchestrator; reports its port over IPC.
 */
import { constants } from 'node:zlib'
import Fastify from 'fastify'
import fastifyStream, { streamContent } from 'fastify-stream'
import { serveCalls } from '../lib/rpc.mjs'
import { probeHandlers } from './probe.mjs'
import { publishSeries } from './publish-series.mjs'
import { USER_SCHEMA, publicUser, userRows } from './user-rows.mjs'
import { bulkyEvents, endlessEvents, endlessSyncEvents, idleEvents, pacedEvents, smallEvents, tickingEvents } from './sources.mjs'

const HUB_TOPIC = 'bench'

const app = Fastify({ logger: false })
// The default caps (10,000 streams, 1,000 per client) would refuse the idle scenario's
// streams: every bench client connects from 127.0.0.1.
await app.register(fastifyStream, { maxStreams: 20000, maxStreamsPerClient: 20000 })
const hub = await resolveHub()

app.get('/events', (request, reply) => {
  const { format, n } = request.query
  return reply.stream(smallEvents(Number(n)), { format })
})
// Scenario 13: the same rows through the schema's compiled serializer (with and without
// item validation), through JSON.stringify as a route without a schema writes them (every
// field), and through JSON.stringify of the declared fields picked by hand.
const typed = { schema: { response: { 200: streamContent(USER_SCHEMA, ['sse', 'ndjson']) } } }
app.get('/users/schema', typed, (request, reply) => reply.stream(userRows(Number(request.query.n)), { format: request.query.format }))
app.get('/users/validated', typed, (request, reply) => reply.stream(userRows(Number(request.query.n)), { format: request.query.format, validateItems: true }))
app.get('/users/json', (request, reply) => reply.stream(userRows(Number(request.query.n)), { format: request.query.format }))
app.get('/users/picked', (request, reply) => reply.stream(userRows(Number(request.query.n)), { format: request.query.format, serializer: row => JSON.stringify(publicUser(row)) }))
// Scenario 14: one compress value per encoding and level, made once (a value per request
// would be resolved per request).
const COMPRESS = {
  none: false,
  gzip: { encodings: ['gzip'] },
  br: { encodings: ['br'] },
  ...Object.fromEntries([1, 6, 9].map(level => [`gzip${level}`, { encodings: ['gzip'], zlibOptions: { level } }])),
  ...Object.fromEntries([1, 5, 9].map(quality => [`br${quality}`, { encodings: ['br'], brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: quality } } }]))
}
// An idle stream that has sent more than a gzip dictionary (8 KiB) first: it keeps a full one.
let seed = 1
const WARM = Array.from({ length: 9000 }, () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26))).join('')
app.get('/idle-warm', (request, reply) => reply.stream(async function * ({ signal }) {
  yield { text: WARM }
  await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
}, { format: 'sse', compress: COMPRESS[request.query.coding] }))
app.get('/compress/rows', (request, reply) => reply.stream(userRows(Number(request.query.n)), { format: request.query.format, compress: COMPRESS[request.query.coding] }))
app.get('/bare20', (request, reply) => reply.stream(smallEvents(20), { format: 'sse' }))
app.get('/idle', (request, reply) => reply.stream(context => idleEvents(context, false), { format: 'sse' }))
app.get('/endless', (request, reply) => reply.stream(endlessEvents, { format: request.query.format ?? 'sse' }))
app.get('/fair', (request, reply) => reply.stream(context => endlessSyncEvents(context, request.query.size), { format: 'sse' }))
app.get('/ping', async () => 'pong')
app.get('/tick', (request, reply) => reply.stream(context => tickingEvents(context, Number(request.query.everyMs)), { format: 'sse' }))
app.get('/cleanup/flowing', (request, reply) => reply.stream(pacedEvents, { format: 'sse' }))
app.get('/cleanup/stalled', (request, reply) => reply.stream(bulkyEvents, { format: 'sse' }))
app.get('/cleanup/idle', (request, reply) => reply.stream(idleEvents, { format: 'sse' }))
if (hub !== undefined) {
  app.get('/hub', (request, reply) => reply.stream(({ signal }) => hub.subscribe(HUB_TOPIC, { signal }), { format: 'sse' }))
  // Scenario 3's hub subscriptions: a topic nobody publishes to, so every stream stays idle.
  // The subscription is the source itself, as docs/hub.md suggests where idle memory matters: no factory, so no
  // AbortController; the pump ends it with return().
  app.get('/idle-hub', (request, reply) => reply.stream(hub.subscribe('idle', { lastEventId: request.lastEventId }), { format: 'sse' }))
  app.get('/hub-compressed', (request, reply) => reply.stream(({ signal }) => hub.subscribe(HUB_TOPIC, { signal }), { format: 'sse', compress: COMPRESS[request.query.coding] }))
  app.get('/idle-hub-compressed', (request, reply) => reply.stream(hub.subscribe('idle', { lastEventId: request.lastEventId }), { format: 'sse', compress: COMPRESS[request.query.coding] }))
  // Scenario 15: the same idle subscription with presence, each stream a user of its own.
  let visitors = 0
  app.get('/idle-hub-presence', (request, reply) => reply.stream(hub.subscribe('idle', { lastEventId: request.lastEventId, presence: { id: `visitor-${++visitors}`, info: { name: `Visitor ${visitors}` } } }), { format: 'sse' }))
  app.get('/presence-count', () => hub.presence('idle', { limit: 100 }).then(page => ({ clients: page.clients, users: page.users, listed: page.list.length })))
  app.get('/idle-hub-typed', typed, (request, reply) => reply.stream(hub.subscribe('idle', { lastEventId: request.lastEventId }), { format: 'sse' }))
}

await app.listen({ port: 0, host: '127.0.0.1' })
serveCalls(probeHandlers({
  publish: options => {
    if (hub === undefined) throw new Error('no hub in this build')
    return publishSeries(data => hub.publish(HUB_TOPIC, data), options)
  },
  streams: () => ({ ...app.streams })
}), { port: app.server.address().port, features: { hub: hub !== undefined } })

// Use `fastify.hub` if the plugin decorates it, else
// `createHub()` from the core, else report that there is none instead of failing.
async function resolveHub () {
  if (app.hasDecorator('hub') && app.hub != null) return app.hub
  const core = await import('fastify-stream/hub')
  if (typeof core.createHub !== 'function') return undefined
  const created = await core.createHub({})
  app.addHook('onClose', async () => created.close?.())
  return created
}
