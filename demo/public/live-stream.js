// One EventSource with a state a person can read: connecting, open, reconnecting, paused or
// ended, plus the last event id and the event rate.
//
// The browser reconnects by itself after a dropped connection, sending Last-Event-ID. It
// gives up for good on an HTTP error (e.g. a 503 while the server shuts down), so then this
// opens a new EventSource, passing the id as ?lastEventId= (a new EventSource cannot set
// the header, and the server reads the query as a fallback).

/* global EventSource, location */

const RATE_WINDOW_MS = 5000
const FIRST_RETRY_MS = 1000
const MAX_RETRY_MS = 15000

/**
 * @typedef {'connecting' | 'open' | 'reconnecting' | 'paused' | 'ended'} StreamState
 * @typedef {{ state: StreamState, lastEventId: string, rate: number, reconnects: number, notice: string }} StreamStatus
 */

// What the page shows for the server's in-band errors.
const FAULT_NOTICES = {
  FST_STREAM_SHUTDOWN: 'server restarting',
  FST_STREAM_SLOW_CONSUMER: 'catching up'
}

/**
 * Opens `url` and calls `onEvent(data, id)` for every `eventName` event (JSON data).
 * `extraEvents` handles other event names; each handler gets the message and the stream's
 * controls (e.g. `moveTo(id)` when the server moves the cursor).
 *
 * @param {{ url: string, eventName: string, onEvent: (data: unknown, id: string) => void,
 *   onStatus: (status: StreamStatus) => void,
 *   extraEvents?: Record<string, (message: MessageEvent, controls: { moveTo: (id: string) => void }) => void> }} options
 */
export function openLiveStream ({ url, eventName, onEvent, onStatus, extraEvents = {} }) {
  let baseUrl = url
  let target
  let source
  let retryTimer
  let retryMs = FIRST_RETRY_MS
  let everOpened = false
  const arrivals = []
  const status = { state: 'connecting', lastEventId: '', rate: 0, reconnects: 0, notice: '' }

  const report = () => {
    const now = performance.now()
    while (arrivals.length > 0 && now - arrivals[0] > RATE_WINDOW_MS) arrivals.shift()
    status.rate = arrivals.length / (RATE_WINDOW_MS / 1000)
    onStatus({ ...status })
  }
  const setState = (state, notice = status.notice) => {
    status.state = state
    status.notice = notice
    report()
  }

  const controls = {
    /** Continue after `id`, the position the server gave (a hub `reset` event does that). */
    moveTo (id) {
      status.lastEventId = id
      report()
      // An empty position clears the browser's Last-Event-ID, and on its next reconnect the
      // browser would fall back to the stale ?lastEventId= in this URL: reopen without it.
      if (id === '' && target.searchParams.has('lastEventId')) {
        source.close()
        connect()
      }
    }
  }

  const connect = () => {
    target = new URL(baseUrl, location.href)
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
    es.addEventListener(eventName, message => {
      status.lastEventId = message.lastEventId
      arrivals.push(performance.now())
      onEvent(JSON.parse(message.data), message.lastEventId)
    })
    // The server's in-band error; on shutdown the connection then ends and we reconnect.
    es.addEventListener('stream-error', message => {
      const fault = JSON.parse(message.data)
      status.notice = FAULT_NOTICES[fault.code] ?? fault.code
    })
    for (const [name, handle] of Object.entries(extraEvents)) {
      es.addEventListener(name, message => handle(message, controls))
    }
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
  const ticker = setInterval(report, 1000)
  report()

  return {
    /** Closes the connection; `resume()` continues after the last event seen. */
    pause () {
      stop()
      setState('paused', '')
    },
    resume () {
      stop()
      // A deliberate reconnect (resume, rate change) is not a dropped connection.
      everOpened = false
      setState('connecting', '')
      connect()
    },
    /** Switches to `nextUrl`, continuing after the last event seen. */
    reopen (nextUrl) {
      baseUrl = nextUrl
      if (status.state !== 'paused') this.resume()
    },
    close () {
      stop()
      clearInterval(ticker)
    }
  }
}
