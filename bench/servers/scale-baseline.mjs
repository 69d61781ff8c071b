/**
 * Scenario 10's baseline: the hand-rolled hub of baseline.mjs (the frame formatted once, one
 * res.write per subscriber) with the per-connection heartbeat an SSE server needs, and a
 * graceful SIGTERM written by hand: stop accepting, end every response with the end event,
 * close the connections once their responses have finished, exit.
 */
import http from 'node:http'
import { END, HEADS, HEARTBEAT, PREAMBLE, frame } from './frames.mjs'
import { serveScaleCalls } from './scale-calls.mjs'

// The plugin's default heartbeat.
const HEARTBEAT_MS = 15000

const subscribers = new Set()

const server = http.createServer((req, res) => {
  if (req.url !== '/hub') return res.writeHead(404).end()
  res.writeHead(200, HEADS.sse)
  res.write(PREAMBLE.sse)
  const heartbeat = setInterval(() => res.write(HEARTBEAT), HEARTBEAT_MS).unref()
  subscribers.add(res)
  res.once('close', () => {
    clearInterval(heartbeat)
    subscribers.delete(res)
  })
})
process.once('SIGTERM', shutdown)

server.listen(0, '127.0.0.1', () => {
  serveScaleCalls({ port: server.address().port, publish: broadcast, open: () => subscribers.size })
})

// The id line mirrors the hub's frames.
function broadcast (data) {
  const text = 'id: ' + data.seq + '\n' + frame('sse', data)
  for (const res of subscribers) res.write(text)
}

// server.close() alone closes the connections idle at that moment; one whose response ends
// just after stays open until keepAliveTimeout (5 s, measured), so those are closed once
// every response has finished.
function shutdown () {
  server.close(() => process.exit(0))
  let pending = subscribers.size
  const finished = () => {
    if (--pending === 0) server.closeIdleConnections()
  }
  for (const res of subscribers) res.end(END.sse, finished)
}
