// A panel's badge: the shared stream's state, and whether this panel's events still come.
// A stream can say open while nothing arrives (a stalled server, a proxy that buffers, a
// tab starved of its connection); then the panel says stale instead of open. Text goes in
// with textContent only.

import { formatNumber } from './format.js'

// A panel is stale after this much silence at the least, or two of its intervals and a
// second for slow feeds: a tick may be late by a little, not by two.
const STALE_MIN_MS = 3000
const CHECK_MS = 500

const LABELS = {
  connecting: 'connecting',
  open: 'open',
  stale: 'stale',
  reconnecting: 'reconnecting',
  paused: 'paused',
  ended: 'ended'
}

/**
 * Keeps the badge `element` up to date for the events of `type` on `live` (shared-live.js).
 *
 * @param {HTMLElement} element the badge (.conn), with .conn-state, .conn-id, .conn-rate, .conn-reconnects
 * @param {ReturnType<import('./shared-live.js').connectSharedLive>} live
 * @param {{ type: string, staleType?: string, expectedMs: (settings: object) => number | null,
 *   meta: () => string, showRate?: boolean }} options `expectedMs` is the panel's interval
 *   (`null`: paused); `staleType` the events whose silence makes it stale (default `type`);
 *   `meta` the text beside the rate; `showRate: false` for events that come when people
 *   act, whose rate says nothing about the stream.
 */
export function panelBadge (element, live, { type, staleType = type, expectedMs, meta, showRate = true }) {
  const state = element.querySelector('.conn-state')
  const id = element.querySelector('.conn-id')
  const rate = element.querySelector('.conn-rate')
  const reconnects = element.querySelector('.conn-reconnects')

  const render = () => {
    const status = live.status()
    const { shown, notice, quietSeconds } = assess(status, expectedMs(status.settings), live.activity(staleType).last)
    const activity = live.activity(type)
    element.dataset.state = shown
    element.dataset.reconnects = String(status.reconnects)
    element.dataset.count = String(activity.count)
    state.textContent = notice === '' ? LABELS[shown] : `${LABELS[shown]} · ${notice}`
    id.textContent = meta()
    // Stale: how long it has been silent, where the rate (by then 0/s) would be.
    rate.hidden = !showRate && quietSeconds === undefined
    rate.textContent = quietSeconds === undefined ? `${formatNumber(activity.rate)}/s` : `silent ${quietSeconds} s`
    reconnects.hidden = status.reconnects === 0
    reconnects.textContent = `↻ ${status.reconnects}`
    element.title = quietSeconds !== undefined
      ? `Connected, but nothing has arrived for ${quietSeconds} s`
      : status.reconnects === 0
        ? 'Connected once, never dropped'
        : `Reconnected ${status.reconnects} time${status.reconnects === 1 ? '' : 's'}, resuming after the last id`
  }
  live.onStatus(render)
  setInterval(render, CHECK_MS)
  return render
}

// What the panel truthfully is: the stream's state, unless the stream is open and this
// panel has heard nothing for longer than its interval allows.
function assess (status, expected, last) {
  if (status.state !== 'open') return { shown: status.state, notice: status.notice }
  if (expected === null) return { shown: 'paused', notice: '' }
  const quietMs = performance.now() - Math.max(last ?? 0, status.openedAt)
  if (quietMs <= Math.max(STALE_MIN_MS, 2 * expected + 1000)) return { shown: 'open', notice: '' }
  return { shown: 'stale', notice: '', quietSeconds: Math.floor(quietMs / 1000) }
}
