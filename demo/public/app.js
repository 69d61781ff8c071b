// The dashboard: metrics and fake users from the shared live stream (dashboard-live.js),
// four charts, a table and the CSV export link. Everything the server sends is inserted
// with textContent.

import { panelBadge } from './connection-badge.js'
import { live } from './dashboard-live.js'
import { formatBytes, formatDuration, formatInteger, formatNumber } from './format.js'
import { createLiveChart } from './live-chart.js'
import { createUsersTable } from './users-table.js'

const MB = 1024 * 1024
// The server samples its metrics once a second.
const MONITOR_INTERVAL_MS = 1000
// Average CSV row of the export, measured, for the size hint next to the button.
const BYTES_PER_ROW = 125

const $ = id => document.getElementById(id)

const ROLE_TEXT = {
  leader: 'This tab holds the stream; other tabs of this browser receive it from here.',
  follower: 'This tab receives the stream from another tab of this browser.',
  solo: 'This tab holds its own stream (this browser cannot share one here).'
}

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

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
let newestSample
live.on('metrics', samples => {
  for (const chart of charts) chart.push(samples)
  newestSample = samples[samples.length - 1]
  showTiles(newestSample)
})
panelBadge($('conn-monitor'), live, {
  type: 'metrics',
  expectedMs: () => MONITOR_INTERVAL_MS,
  meta: () => newestSample === undefined ? '–' : clock.format(newestSample.time)
})

const table = createUsersTable({ body: $('users-body'), empty: $('users-empty'), received: $('feed-received'), sequence: $('feed-sequence') })
let newestUser
live.on('user', user => {
  table.add(user)
  newestUser = user.id
})
panelBadge($('conn-feed'), live, {
  type: 'user',
  expectedMs: settings => settings.paused ? null : settings.feedIntervalMs,
  meta: () => newestUser === undefined ? 'id –' : `id ${newestUser}`
})

// The feed's rate and pause belong to the shared stream: the controls show its settings,
// and a change goes to the tab that holds the stream.
const rate = $('feed-rate')
const toggle = $('feed-toggle')
live.onStatus(({ settings, role }) => {
  rate.value = String(settings.feedIntervalMs)
  toggle.setAttribute('aria-pressed', String(settings.paused))
  toggle.textContent = settings.paused ? 'Resume' : 'Pause'
  $('live-role').textContent = ROLE_TEXT[role]
  document.body.dataset.liveRole = role
})
toggle.addEventListener('click', () => live.configure({ paused: toggle.getAttribute('aria-pressed') !== 'true' }))
rate.addEventListener('change', () => live.configure({ feedIntervalMs: Number(rate.value) }))

const exportCount = $('export-count')
const exportLink = $('export-link')
function showExport () {
  const count = Number(exportCount.value)
  exportLink.href = `/api/users/export?count=${count}`
  $('export-size').textContent = `≈ ${formatBytes(count * BYTES_PER_ROW)} · ${formatInteger(count)} rows, streamed`
}
exportCount.addEventListener('change', showExport)
showExport()
