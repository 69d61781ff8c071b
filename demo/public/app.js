// The dashboard: two live streams (metrics and fake users), four charts, a table and the
// CSV export link. Everything the server sends is inserted with textContent.

import { connectionBadge } from './connection-badge.js'
import { formatBytes, formatDuration, formatInteger, formatNumber } from './format.js'
import { createLiveChart } from './live-chart.js'
import { openLiveStream } from './live-stream.js'
import { createUsersTable } from './users-table.js'

const MB = 1024 * 1024
// Average CSV row of the export, measured, for the size hint next to the button.
const BYTES_PER_ROW = 125

const $ = id => document.getElementById(id)

const charts = [
  createLiveChart({
    element: $('chart-cpu'),
    legend: $('legend-cpu'),
    range: { y: [0, 100] },
    axes: { y: value => `${value}%` },
    series: [
      { label: 'process', color: '#38bdf8', value: s => s.cpu.process, format: v => `${formatNumber(v)}%` },
      { label: 'system', color: '#a78bfa', value: s => s.cpu.system, format: v => `${formatNumber(v)}%` }
    ]
  }),
  createLiveChart({
    element: $('chart-memory'),
    legend: $('legend-memory'),
    axes: { y: value => `${value} MB` },
    series: [
      { label: 'RSS', color: '#f472b6', value: s => s.memory.rss / MB, format: v => `${formatNumber(v)} MB` },
      { label: 'heap used', color: '#34d399', value: s => s.memory.heapUsed / MB, format: v => `${formatNumber(v)} MB` },
      { label: 'heap total', color: '#94a3b8', dash: [4, 4], value: s => s.memory.heapTotal / MB, format: v => `${formatNumber(v)} MB` }
    ]
  }),
  createLiveChart({
    element: $('chart-delay'),
    legend: $('legend-delay'),
    axes: { y: value => `${value} ms`, y2: value => `${value}%` },
    series: [
      { label: 'p50', color: '#fbbf24', value: s => s.eventLoop.delayP50Ms, format: v => `${formatNumber(v)} ms` },
      { label: 'p99', color: '#fb7185', value: s => s.eventLoop.delayP99Ms, format: v => `${formatNumber(v)} ms` },
      { label: 'utilization', color: '#94a3b8', dash: [4, 4], scale: 'y2', value: s => s.eventLoop.utilization * 100, format: v => `${formatNumber(v)}%` }
    ]
  }),
  createLiveChart({
    element: $('chart-streams'),
    legend: $('legend-streams'),
    axes: { yCounts: true, y2: value => `${value}/s` },
    series: [
      { label: 'open', color: '#22d3ee', value: s => s.streams.open, format: v => formatInteger(v) },
      { label: 'events/s', color: '#a3e635', scale: 'y2', value: s => s.streams.eventsPerSecond, format: v => formatNumber(v) }
    ]
  })
]

function showTiles (s) {
  $('tile-cpu').textContent = `${formatNumber(s.cpu.process)}%`
  $('tile-cpu-note').textContent = `system ${formatNumber(s.cpu.system)}%`
  $('tile-rss').textContent = formatBytes(s.memory.rss)
  $('tile-heap-note').textContent = `heap ${formatBytes(s.memory.heapUsed)} of ${formatBytes(s.memory.heapTotal)}`
  $('tile-delay').textContent = `${formatNumber(s.eventLoop.delayP99Ms)} ms`
  $('tile-elu-note').textContent = `p50 ${formatNumber(s.eventLoop.delayP50Ms)} ms · busy ${formatNumber(s.eventLoop.utilization * 100)}%`
  $('tile-open').textContent = formatInteger(s.streams.open)
  $('tile-opened-note').textContent = `${formatInteger(s.streams.opened)} opened · ${formatInteger(s.streams.resumes)} resumed`
  $('tile-events').textContent = `${formatNumber(s.streams.eventsPerSecond)}/s`
  $('tile-bytes-note').textContent = `${formatBytes(s.streams.bytesPerSecond)}/s · ${formatInteger(s.streams.events)} ${s.streams.events === 1 ? 'event' : 'events'} sent`
  $('tile-uptime').textContent = formatDuration(s.uptimeSeconds)
  $('tile-load-note').textContent = `load ${s.loadAverage.map(formatNumber).join(' · ')}`
}

openLiveStream({
  url: '/api/monitor?intervalMs=1000',
  eventName: 'metrics',
  onEvent: sample => {
    for (const chart of charts) chart.push(sample.time, sample)
    showTiles(sample)
  },
  onStatus: connectionBadge($('conn-monitor'))
})

const table = createUsersTable({ body: $('users-body'), empty: $('users-empty'), received: $('feed-received'), sequence: $('feed-sequence') })
const rate = $('feed-rate')
const toggle = $('feed-toggle')
const feedUrl = () => `/api/users/feed?intervalMs=${rate.value}`
const feed = openLiveStream({
  url: feedUrl(),
  eventName: 'user',
  onEvent: user => table.add(user),
  onStatus: connectionBadge($('conn-feed'))
})

toggle.addEventListener('click', () => {
  const pausing = toggle.getAttribute('aria-pressed') !== 'true'
  toggle.setAttribute('aria-pressed', String(pausing))
  toggle.textContent = pausing ? 'Resume' : 'Pause'
  if (pausing) feed.pause()
  else feed.resume()
})
rate.addEventListener('change', () => feed.reopen(feedUrl()))

const exportCount = $('export-count')
const exportLink = $('export-link')
function showExport () {
  const count = Number(exportCount.value)
  exportLink.href = `/api/users/export?count=${count}`
  $('export-size').textContent = `≈ ${formatBytes(count * BYTES_PER_ROW)} · ${formatInteger(count)} rows, streamed`
}
exportCount.addEventListener('change', showExport)
showExport()
