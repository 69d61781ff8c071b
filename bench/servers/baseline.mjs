/**
 * The baseline: a hand-written `node:http` server with the same routes as ours.mjs. It
 * formats the same bytes itself, calls `res.write` once per event and honours `drain`.
 */
import http from 'node:http'
import { serveCalls } from '../lib/rpc.mjs'
import { HEADS, HEARTBEAT, PREAMBLE, frame, writeAll } from './frames.mjs'
import { probeHandlers } from './probe.mjs'
import { publishSeries } from './publish-series.mjs'
import { publicUser, userRows } from './user-rows.mjs'
import { bulkyEvents, endlessEvents, endlessSyncEvents, idleEvents, pacedEvents, smallEvents } from './sources.mjs'

// The plugin's default heartbeat; a hand-written SSE server needs one too, per connection.
const HEARTBEAT_MS = 15000

// Routes whose source needs an abort signal, as the plugin's factories get one. `/fair` is
// the naive loop users write over a sync generator: writeAll's res.write per event, awaiting
// drain only when write() returns false, so nothing else runs while the socket keeps up.
const PRODUCERS = {
  '/endless': endlessEvents,
  '/fair': (context, query) => endlessSyncEvents(context, query.get('size')),
  '/cleanup/flowing': pacedEvents,
  '/cleanup/stalled': bulkyEvents,
  '/cleanup/idle': context => idleEvents(context)
}

const subscribers = new Set()

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1')
  const path = url.pathname
  if (path === '/events') return writeAll(res, smallEvents(Number(url.searchParams.get('n'))), url.searchParams.get('format'))
  if (path === '/users/picked') return writeAll(res, mapRows(userRows(Number(url.searchParams.get('n')))), url.searchParams.get('format'))
  if (path === '/bare20') return writeAll(res, smallEvents(20), 'sse')
  if (path === '/ping') return res.end('pong')
  if (path === '/idle') return holdIdle(res)
  if (path === '/idle-source') return holdIdleSource(res)
  const producer = PRODUCERS[path]
  if (producer !== undefined) {
    const controller = new AbortController()
    return writeAll(res, producer({ signal: controller.signal }, url.searchParams), url.searchParams.get('format') ?? 'sse', controller)
  }
  if (path === '/hub') return subscribe(res)
  res.writeHead(404).end()
})

server.listen(0, '127.0.0.1', () => {
  serveCalls(probeHandlers({
    publish: options => publishSeries(broadcast, options),
    streams: () => ({ open: subscribers.size })
  }), { port: server.address().port, features: { hub: true } })
})

async function * mapRows (rows) {
  for await (const row of rows) yield publicUser(row)
}

function holdIdle (res) {
  res.writeHead(200, HEADS.sse)
  res.write(PREAMBLE.sse)
  const timer = setInterval(() => res.write(HEARTBEAT), HEARTBEAT_MS).unref()
  res.once('close', () => clearInterval(timer))
}

// The hand-written loop over the same idle source as the plugin's route: what the plugin's
// write path costs per stream, with the source's own cost on both sides.
function holdIdleSource (res) {
  const controller = new AbortController()
  const timer = setInterval(() => res.write(HEARTBEAT), HEARTBEAT_MS).unref()
  res.once('close', () => clearInterval(timer))
  writeAll(res, idleEvents({ signal: controller.signal }, false), 'sse', controller)
}

function subscribe (res) {
  res.writeHead(200, HEADS.sse)
  res.write(PREAMBLE.sse)
  subscribers.add(res)
  res.once('close', () => subscribers.delete(res))
}

// Formatted once per event, then one res.write per subscriber: what a hand-rolled
// broadcast does. The id line mirrors the hub's frames.
function broadcast (data) {
  const text = 'id: ' + data.seq + '\n' + frame('sse', data)
  for (const res of subscribers) res.write(text)
}
