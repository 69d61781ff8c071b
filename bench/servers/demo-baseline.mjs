/**
 * The demo's routes by hand on `node:http`: the same users and metrics (the demo's own
 * generators), framed and written by hand, one res.write per event, honouring drain.
 */
import http from 'node:http'
import { serveCalls } from '../lib/rpc.mjs'
import { csvRow } from './csv-row.mjs'
import { END, HEADS, drained } from './frames.mjs'
import { probeHandlers } from './probe.mjs'

// The demo's defaults: SSE reconnection delay sent at open, and the monitor's interval.
const RETRY = 'retry: 1000\n\n'
const MONITOR_MS = 1000
const SEED = 42

let demo
try {
  demo = {
    ...await import('../../dist/demo/fake-users.js'),
    ...await import('../../dist/demo/metrics.js')
  }
} catch (err) {
  serveCalls(probeHandlers(), { port: 0, unavailable: `the demo is not built: ${err.message}` })
}

if (demo !== undefined) {
  // The metrics sampler reads the plugin's counters; the baseline keeps the same fields.
  const counters = { open: 0, opened: 0, events: 0, bytes: 0, errors: 0, aborted: 0, heartbeats: 0, rejected: 0, drops: 0, disconnects: 0, resumes: 0 }
  const sampler = new demo.MetricsSampler(counters)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    const query = url.searchParams
    const sse = (req.headers.accept ?? '').includes('text/event-stream')
    if (url.pathname === '/api/users/feed') return feed(res, sse, Number(query.get('count') ?? 20))
    if (url.pathname === '/api/users/export') return exportCsv(res, Number(query.get('count') ?? 1000))
    if (url.pathname === '/api/monitor') return monitor(res, sampler, counters, Number(query.get('intervalMs') ?? MONITOR_MS))
    res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1', () => serveCalls(probeHandlers(), { port: server.address().port }))
}

async function feed (res, sse, count) {
  res.writeHead(200, { ...HEADS[sse ? 'sse' : 'ndjson'], vary: 'Accept' })
  if (sse) res.write(RETRY)
  for (let id = 1; id <= count; id++) {
    const json = JSON.stringify(demo.fakeUser(SEED, id))
    const text = sse ? 'id: ' + id + '\nevent: user\ndata: ' + json + '\n\n' : json + '\n'
    if (!res.write(text)) await drained(res)
    if (res.destroyed) return
  }
  res.end(sse ? END.sse : '')
}

async function exportCsv (res, count) {
  res.writeHead(200, { ...HEADS.csv, 'content-disposition': 'attachment; filename="users.csv"', vary: 'Accept' })
  const columns = demo.USER_COLUMNS
  res.write(csvRow(columns))
  for (const user of demo.fakeUsers(SEED, 1, count)) {
    if (!res.write(csvRow(columns.map(column => user[column])))) await drained(res)
    if (res.destroyed) return
  }
  res.end()
}

function monitor (res, sampler, counters, intervalMs) {
  res.writeHead(200, { ...HEADS.sse, vary: 'Accept' })
  res.write(RETRY)
  counters.open++
  counters.opened++
  const release = sampler.acquire()
  let previous = sampler.read()
  let seq = 1
  const timer = setInterval(() => {
    const current = sampler.read()
    const text = 'id: ' + seq + '\nevent: metrics\ndata: ' + JSON.stringify(demo.toSample(seq, previous, current)) + '\n\n'
    previous = current
    seq++
    counters.events++
    counters.bytes += text.length
    res.write(text)
  }, intervalMs)
  res.once('close', () => {
    clearInterval(timer)
    release()
    counters.open--
  })
}
