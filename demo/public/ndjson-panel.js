// The NDJSON panel: pulls fake users from GET /api/users/feed as NDJSON with fetch() and
// readNdjson() from fastify-stream/client. EventSource cannot do this (it reads only SSE):
// here the page asks for application/x-ndjson and reads at its own pace, and the server makes
// the next user only when the socket has room. Stop aborts the request. Everything the server
// sends goes in with textContent.

/* global fetch, AbortController */

import { readNdjson } from '/vendor/fastify-stream/client/index.js'
import { formatInteger, formatNumber } from './format.js'

const FEED_URL = '/api/users/feed'
// The newest users shown; the rest are only counted.
const SHOWN = 5
// The panel's markup holds no server data, so it can be a static template.
const TEMPLATE = `
<article class="card">
  <header class="card-head">
    <div>
      <h2>NDJSON over fetch</h2>
      <p class="card-sub"><code>readNdjson()</code> from <code>fastify-stream/client</code> reads <code>${FEED_URL}</code> as <code>application/x-ndjson</code>, as fast as this page takes it.</p>
    </div>
    <div class="toolbar">
      <label class="select"><span>Users</span>
        <select id="ndjson-count">
          <option value="1000">1,000</option>
          <option value="10000" selected>10,000</option>
          <option value="100000">100,000</option>
        </select>
      </label>
      <button type="button" class="button primary" id="ndjson-start">Fetch</button>
      <button type="button" class="button" id="ndjson-stop" disabled>Stop</button>
    </div>
  </header>
  <p class="card-text" id="ndjson-status" data-state="idle" data-received="0" role="status">Nothing fetched yet.</p>
  <ul class="facts" id="ndjson-latest"></ul>
</article>`

const panel = document.getElementById('ndjson-panel')
panel.innerHTML = TEMPLATE
const $ = id => document.getElementById(id)
const parts = { count: $('ndjson-count'), start: $('ndjson-start'), stop: $('ndjson-stop'), status: $('ndjson-status'), latest: $('ndjson-latest') }
let running

parts.start.addEventListener('click', () => { fetchUsers(Number(parts.count.value)) })
parts.stop.addEventListener('click', () => running?.abort())

async function fetchUsers (count) {
  running = new AbortController()
  const { signal } = running
  const started = performance.now()
  let received = 0
  const latest = []
  setRunning(true)
  show('reading', 0, 'Connecting…')
  try {
    const response = fetch(`${FEED_URL}?intervalMs=0&count=${count}`, { headers: { accept: 'application/x-ndjson' }, signal })
    for await (const user of readNdjson(response, { signal })) {
      received++
      latest.push(user)
      if (latest.length > SHOWN) latest.shift()
      // Repainting on every item would cost more than reading it.
      if (received % 500 === 0) {
        show('reading', received, progress(received, count, started))
        showLatest(latest)
      }
    }
    show('done', received, `${progress(received, count, started)}. Done.`)
  } catch (err) {
    if (signal.aborted) show('stopped', received, `${progress(received, count, started)}. Stopped.`)
    else show('error', received, `Failed after ${formatInteger(received)} users: ${err.code ?? err.name} ${err.message}`)
  } finally {
    setRunning(false)
    showLatest(latest)
  }
}

function progress (received, count, started) {
  const seconds = (performance.now() - started) / 1000
  return `${formatInteger(received)} of ${formatInteger(count)} users in ${formatNumber(seconds)} s (${formatInteger(Math.round(received / Math.max(seconds, 0.001)))}/s)`
}

function show (state, received, text) {
  parts.status.dataset.state = state
  parts.status.dataset.received = String(received)
  parts.status.textContent = text
}

/** The newest users read, newest first. */
function showLatest (users) {
  parts.latest.replaceChildren(...[...users].reverse().map(user => {
    const item = document.createElement('li')
    item.dataset.id = String(user.id)
    item.textContent = `#${user.id} ${user.fullName} <${user.email}>, ${user.country}`
    return item
  }))
}

function setRunning (on) {
  parts.start.disabled = on
  parts.stop.disabled = !on
  parts.count.disabled = on
}
