// A subscriber that falls behind under the hub's 'disconnect' policy is a signal about that
// client, not a server error: one warning with its request (id, route, client key) and no
// stack, counted in the hub's disconnects and never in fastify.streams.errors, whether the
// client reads again or never does. A client that never reads again is ended at once instead
// of when (if ever) it reads again.
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { listenApp } from '../helpers/app.js'
import { logLines, type LogLines } from '../helpers/log-lines.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream, type StreamClient } from '../helpers/stream-client.js'

const SSE = { accept: 'text/event-stream' }
const BIG = 'x'.repeat(64 * 1024)
const SLOW = 'a hub subscriber fell behind'

async function feedApp (log: LogLines): Promise<{ app: FastifyInstance, url: string }> {
  const { app, url } = await listenApp(app => {
    app.get('/feed/:room', (request, reply) => reply.stream(app.hub.subscribe('feed', { lastEventId: request.lastEventId })))
  }, { hub: { maxQueue: 4 }, heartbeatMs: 0 }, { logger: { level: 'info', stream: log } })
  return { app, url: url + '/feed/lobby' }
}

/** A client that stops reading, and publishes of 64 KiB until the hub disconnects it. */
async function overflow (app: FastifyInstance, client: StreamClient): Promise<void> {
  await client.waitFor(text => text.length > 0)
  client.pause()
  for (let i = 0; i < 2000 && app.hub.stats().disconnects === 0; i++) await app.hub.publish('feed', { i, big: BIG })
}

for (const readsAgain of [true, false]) {
  t.test(`a slow consumer that ${readsAgain ? 'reads again' : 'never reads again'}: a warning, a disconnect, no error`, async t => {
    const log = logLines()
    const { app, url } = await feedApp(log)
    t.teardown(() => app.close())
    const sockets: Socket[] = []
    app.server.on('connection', (socket: Socket) => sockets.push(socket))
    // Keep-alive, as browsers ask: the server must end the connection itself.
    const client = await openStream(url, { ...SSE, connection: 'keep-alive' })
    await overflow(app, client)
    const warning = await log.waitFor(SLOW)
    t.equal(warning.level, 40, 'logged at warn')
    t.match(warning, { route: 'GET /feed/:room', client: '127.0.0.1' }, 'with the route and the client key')
    t.ok(typeof warning.reqId === 'string', 'under the subscriber\'s request id')
    t.notOk('err' in warning || 'stack' in warning, 'and no stack: no code failed')
    t.equal(app.hub.stats().disconnects, 1, 'the hub counts the disconnect')
    if (readsAgain) {
      client.resume()
      await client.ended
      const events = parseSse(client.text)
      t.equal(JSON.parse(events.at(-1)!.data).code, 'FST_STREAM_SLOW_CONSUMER', 'the client still gets its in-band error')
    } else {
      // Ended at once, not when the client reads again: what it has not read is the
      // kernel's to hold (bounded by its socket buffers), nothing waits in this process, and
      // the idle keep-alive connection is closed by the server's keepAliveTimeout.
      t.equal(sockets[0]!.writableLength, 0, 'nothing waits in Node\'s buffers')
      client.reset()
    }
    t.equal(app.streams.errors, 0, 'not a stream error')
    t.equal(app.streams.aborted, 0, 'nor a stream its client abandoned')
    t.equal(app.streams.open, 0, 'the stream is over')
    t.equal(log.records.filter(record => typeof record.msg === 'string' && record.msg.includes(SLOW)).length, 1, 'logged once')
    t.equal(log.records.filter(record => record.level === 50).length, 0, 'nothing at error level')
  })
}
