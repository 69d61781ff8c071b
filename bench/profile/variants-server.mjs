/**
 * Idle SSE streams built six ways in one process, to attribute the plugin's memory per
 * stream: Fastify with the plugin (returning the reply or not), Fastify by hand (hijack), the core's streamResponse() on
 * node:http, and node:http by hand, with and without the plugin routes' idle source. Used by idle-heap.mjs, never by the benchmark itself.
 */
import http from 'node:http'
import Fastify from 'fastify'
import fastifyStream from 'fastify-stream'
import { streamResponse } from 'fastify-stream/core'
import { serveCalls } from '../lib/rpc.mjs'
import { HEADS, HEARTBEAT, PREAMBLE, writeAll } from '../servers/frames.mjs'
import { probeHandlers } from '../servers/probe.mjs'
import { idleEvents, smallEvents } from '../servers/sources.mjs'

const HEARTBEAT_MS = 15000

const app = Fastify({ logger: false })
await app.register(fastifyStream, { maxStreams: 20000, maxStreamsPerClient: 20000 })
app.get('/plugin', (request, reply) => reply.stream(context => idleEvents(context, false), { format: 'sse' }))
// Not returning the reply: Fastify then never calls reply.then(), which attaches
// stream.finished() listeners to the response for the stream's whole life.
app.get('/plugin-no-return', (request, reply) => {
  reply.stream(context => idleEvents(context, false), { format: 'sse' })
})
app.get('/hub', (request, reply) => reply.stream(app.hub.subscribe('idle', { lastEventId: request.lastEventId }), { format: 'sse' }))
app.get('/hub-no-return', (request, reply) => {
  reply.stream(app.hub.subscribe('idle', { lastEventId: request.lastEventId }), { format: 'sse' })
})
app.get('/plugin-no-options', (request, reply) => {
  reply.stream(context => idleEvents(context, false))
})
// Scenario 2's bare route written by hand inside Fastify: separates Fastify's per-request
// cost from the plugin's when profiling with cpu.mjs.
app.get('/bare20-hijack', (request, reply) => {
  reply.hijack()
  writeAll(reply.raw, smallEvents(20), 'sse')
})
app.get('/bare20', (request, reply) => reply.stream(smallEvents(20), { format: 'sse' }))
app.get('/hijack', (request, reply) => {
  reply.hijack()
  holdByHand(reply.raw)
})
await app.listen({ port: 0, host: '127.0.0.1' })

const core = http.createServer((req, res) => {
  if (req.url === '/core') return streamResponse(req, res, context => idleEvents(context, false), { format: 'sse' })
  if (req.url === '/raw-source') return holdSourceByHand(res)
  holdByHand(res)
})
await new Promise(resolve => core.listen(0, '127.0.0.1', resolve))

serveCalls(probeHandlers(), { port: app.server.address().port, corePort: core.address().port })

// The same idle source as the plugin routes, pulled by the baseline's hand-written loop:
// separates what the source costs from what the pump costs.
function holdSourceByHand (res) {
  const controller = new AbortController()
  const timer = setInterval(() => res.write(HEARTBEAT), HEARTBEAT_MS).unref()
  res.once('close', () => clearInterval(timer))
  writeAll(res, idleEvents({ signal: controller.signal }, false), 'sse', controller)
}

function holdByHand (res) {
  res.writeHead(200, HEADS.sse)
  res.write(PREAMBLE.sse)
  const timer = setInterval(() => res.write(HEARTBEAT), HEARTBEAT_MS).unref()
  res.once('close', () => clearInterval(timer))
}
