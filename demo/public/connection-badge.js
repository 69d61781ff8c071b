// Renders a stream's status into its header badge. Text goes in with textContent only.

import { formatNumber } from './format.js'

const LABELS = {
  connecting: 'connecting',
  open: 'open',
  reconnecting: 'reconnecting',
  paused: 'paused',
  ended: 'ended'
}

/** Returns a function that shows a status from live-stream.js in the badge `element`. */
export function connectionBadge (element) {
  const state = element.querySelector('.conn-state')
  const id = element.querySelector('.conn-id')
  const rate = element.querySelector('.conn-rate')
  const reconnects = element.querySelector('.conn-reconnects')
  return status => {
    element.dataset.state = status.state
    element.dataset.reconnects = String(status.reconnects)
    state.textContent = status.notice === '' ? LABELS[status.state] : `${LABELS[status.state]} · ${status.notice}`
    id.textContent = status.lastEventId === '' ? 'id –' : `id ${status.lastEventId}`
    rate.textContent = `${formatNumber(status.rate)}/s`
    reconnects.hidden = status.reconnects === 0
    reconnects.textContent = `↻ ${status.reconnects}`
    element.title = status.reconnects === 0
      ? 'Connected once, never dropped'
      : `Reconnected ${status.reconnects} time${status.reconnects === 1 ? '' : 's'}, resuming after the last id`
  }
}
