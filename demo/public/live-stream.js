// One EventSource with a state a person can read: connecting, open, reconnecting or ended,
// plus the last event id and how often it reconnected.
//
// The browser reconnects by itself after a dropped connection, sending Last-Event-ID. It
// gives up for good on an HTTP error (e.g. a 503 while the server shuts down), so then this
// opens a new EventSource, passing the id as ?lastEventId= (a new EventSource cannot set
// the header, and the server reads the query as a fallback).

/* global EventSource, location */

const FIRST_RETRY_MS = 1000
const MAX_RETRY_MS = 15000

/**
 * @typedef {'connecting' | 'open' | 'reconnecting' | 'ended'} StreamState
 * @typedef {{ state: StreamState, lastEventId: string, reconnects: number, notice: string }} StreamStatus
 */

// What the page shows for the server's in-band errors.
const FAULT_NOTICES = {
  FST_STREAM_SHUTDOWN: 'server restarting',
  FST_STREAM_SLOW_CONSUMER: 'catching up'
}

/**
 * Opens `url`, resuming after `lastEventId` when given, and calls `onEvent(name, data, id)`
 * for every event whose type is in `events` (JSON data).
 *
 * @param {{ url: string, lastEventId?: string, events: string[],
 *   onEvent: (name: string, data: unknown, id: string) => void,
 *   onStatus: (status: StreamStatus) => void }} options
 */
export function openLiveStream ({ url, lastEventId = '', events, onEvent, onStatus }) {
  let baseUrl = url
  let source
  let retryTimer
  let retryMs = FIRST_RETRY_MS
  let everOpened = false
  const status = { state: 'connecting', lastEventId, reconnects: 0, notice: '' }

  const setState = (state, notice = status.notice) => {
    status.state = state
    status.notice = notice
    onStatus({ ...status })
  }

  const connect = () => {
    const target = new URL(baseUrl, location.href)
    if (status.lastEventId !== '') target.searchParams.set('lastEventId', status.lastEventId)
    const es = new EventSource(target)
    source = es
    es.addEventListener('open', () => {
      if (everOpened) status.reconnects++
      everOpened = true
      retryMs = FIRST_RETRY_MS
      setState('open', '')
    })
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CONNECTING) return setState('reconnecting')
      // CLOSED: the browser will not retry (an HTTP error status); retry with a backoff.
      es.close()
      setState('reconnecting', status.notice || 'server unavailable')
      retryTimer = setTimeout(connect, retryMs)
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
    })
    for (const name of events) {
      es.addEventListener(name, message => {
        status.lastEventId = message.lastEventId
        onEvent(name, JSON.parse(message.data), message.lastEventId)
      })
    }
    // The server's in-band error; on shutdown the connection then ends and we reconnect.
    es.addEventListener('stream-error', message => {
      const fault = JSON.parse(message.data)
      status.notice = FAULT_NOTICES[fault.code] ?? fault.code
    })
    // A finite stream says it is done; reconnecting would only start it again.
    es.addEventListener('end', () => {
      es.close()
      setState('ended')
    })
  }

  const stop = () => {
    clearTimeout(retryTimer)
    source?.close()
  }

  connect()
  onStatus({ ...status })

  return {
    /** Switches to `nextUrl`, continuing after the last event seen. */
    reopen (nextUrl) {
      baseUrl = nextUrl
      stop()
      // A deliberate reconnect (a setting changed) is not a dropped connection.
      everOpened = false
      setState('connecting', '')
      connect()
    },
    close: stop
  }
}
