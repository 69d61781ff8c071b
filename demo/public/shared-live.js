// One live stream for the whole browser. Over HTTP/1.1 a browser gives an origin 6
// connections across all its tabs, and an EventSource holds one for as long as it is open:
// with a stream per tab, the seventh tab of the dashboard would not even load.
//
// So the tabs elect a leader with a Web Lock, which the browser grants to one tab at a time
// and hands to the next when that tab closes, reloads or crashes. The leader opens the
// EventSource and relays every event to the other tabs over a BroadcastChannel. A tab that
// joins asks for a snapshot of what the tabs keep (the charts' window, the newest users, the
// recent chat); a tab that becomes leader resumes the stream after the last id the tabs saw.
// Without Web Locks (they need a secure context: https, or localhost) or BroadcastChannel,
// each tab opens its own stream.

/* global BroadcastChannel, navigator */

import { createLiveStore } from './live-store.js'
import { openLiveStream } from './live-stream.js'

// A tab that asked for a snapshot and got none asks again this often: the leader may have
// been closing when it asked.
const HELLO_RETRY_MS = 2000
// Arrivals older than this no longer count towards a rate.
const RATE_WINDOW_MS = 5000

/**
 * @typedef {'leader' | 'follower' | 'solo'} TabRole
 * @typedef {{ state: string, reconnects: number, notice: string, role: TabRole,
 *   settings: object, openedAt: number }} LiveStatus
 *   the stream's state as the leader sees it, this tab's role, the shared settings, and when
 *   this tab saw the stream open (performance.now()).
 */

/**
 * Connects this tab to the browser's one stream of `urlFor(settings)`.
 *
 * @param {{ name: string, urlFor: (settings: object) => string, events: string[], settings: object }} options
 *   `name` names the lock and the channel; `events` are the event types to follow.
 */
export function connectSharedLive ({ name, urlFor, events, settings: initialSettings }) {
  const tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  const store = createLiveStore()
  const handlers = new Map()
  const statusHandlers = new Set()
  const arrivals = new Map()
  const counts = new Map()
  const lasts = new Map()
  const sharing = typeof BroadcastChannel === 'function' && navigator.locks !== undefined
  const channel = sharing ? new BroadcastChannel(name) : undefined
  let settings = { ...initialSettings }
  let role = sharing ? 'follower' : 'solo'
  let status = { state: 'connecting', reconnects: 0, notice: '' }
  let openedAt = performance.now()
  const watchingSince = openedAt
  let cursor = ''
  let synced = false
  let stream

  const post = message => channel?.postMessage(message)
  const current = () => ({ ...status, role, settings: { ...settings }, openedAt })
  const notify = () => { for (const handler of statusHandlers) handler(current()) }

  const record = event => {
    const now = performance.now()
    for (const type of [typeOf(event), 'any']) {
      counts.set(type, (counts.get(type) ?? 0) + 1)
      lasts.set(type, now)
      const list = arrivals.get(type) ?? []
      list.push(now)
      arrivals.set(type, prune(list, now))
    }
  }
  // `live`: it arrived just now, rather than from a snapshot of what another tab kept.
  const receive = (event, data, key, live) => {
    if (live) record(event)
    const entry = store.admit(event, data, key)
    if (entry !== undefined) for (const handler of handlers.get(entry.event) ?? []) handler(entry.data, entry.id)
  }
  const setStatus = next => {
    if (next.state === 'open' && status.state !== 'open') openedAt = performance.now()
    status = { state: next.state, reconnects: next.reconnects, notice: next.notice }
    notify()
  }
  const apply = patch => {
    settings = { ...settings, ...patch }
    stream?.reopen(urlFor(settings))
    post({ kind: 'settings', settings })
    notify()
  }

  const lead = () => {
    role = sharing ? 'leader' : 'solo'
    synced = true
    stream = openLiveStream({
      url: urlFor(settings),
      lastEventId: cursor,
      events,
      onEvent: (event, data, id) => {
        cursor = id
        const key = event === 'chat' ? chatKey(id) : ''
        receive(event, data, key, true)
        post({ kind: 'event', event, data, key, cursor })
      },
      onStatus: next => {
        setStatus(next)
        post({ kind: 'status', status })
      }
    })
    post({ kind: 'leader' })
    notify()
  }

  const adopt = snapshot => {
    for (const { event, data, key } of snapshot.entries) receive(event, data, key, false)
    cursor = snapshot.cursor
    settings = snapshot.settings
    synced = true
    setStatus(snapshot.status)
  }

  const hello = () => post({ kind: 'hello', from: tabId })

  channel?.addEventListener('message', ({ data: message }) => {
    const following = role === 'follower'
    if (message.kind === 'hello' && role === 'leader') {
      post({ kind: 'snapshot', to: message.from, entries: store.snapshot(), cursor, status, settings })
    } else if (message.kind === 'snapshot' && message.to === tabId && !synced) {
      adopt(message)
    } else if (message.kind === 'event' && following && synced) {
      cursor = message.cursor
      receive(message.event, message.data, message.key, true)
    } else if (message.kind === 'status' && following && synced) {
      setStatus(message.status)
    } else if (message.kind === 'settings' && following) {
      settings = message.settings
      notify()
    } else if (message.kind === 'configure' && role === 'leader') {
      apply(message.settings)
    } else if (message.kind === 'leader' && !synced) {
      hello()
    }
  })

  if (sharing) {
    hello()
    const retry = setInterval(() => synced ? clearInterval(retry) : hello(), HELLO_RETRY_MS)
    // Held until this tab goes: the promise never settles.
    navigator.locks.request(name, () => {
      lead()
      return new Promise(() => {})
    })
  } else {
    lead()
  }

  return {
    /**
     * Calls `handler(data, id)` for every new `event` (`metrics` gets an array of samples),
     * first with what this tab already keeps of it, so a late subscriber misses nothing.
     */
    on (event, handler) {
      if (!handlers.has(event)) handlers.set(event, new Set())
      handlers.get(event).add(handler)
      for (const entry of store.kept(event)) handler(entry.data, entry.id)
    },
    /** Calls `handler(status)` now and on every change of the {@link LiveStatus}. */
    onStatus (handler) {
      statusHandlers.add(handler)
      handler(current())
    },
    /** The current {@link LiveStatus}. */
    status: current,
    /** Changes the shared settings: every tab's stream and controls follow. */
    configure (patch) {
      if (role === 'follower') post({ kind: 'configure', settings: { ...settings, ...patch } })
      else apply(patch)
    },
    /**
     * When events of `type` (`metrics`, `user`, `chat`, or `any`) last arrived
     * (performance.now(), `undefined` if never), how many a second over the last 5 s (or
     * since this tab opened), and how many this tab has received live in all.
     */
    activity (type) {
      const now = performance.now()
      const list = prune(arrivals.get(type) ?? [], now)
      // Over the time this tab has been watching, while that is shorter than the window.
      const windowMs = Math.min(RATE_WINDOW_MS, Math.max(1000, now - watchingSince))
      return { last: lasts.get(type), rate: list.length / (windowMs / 1000), count: counts.get(type) ?? 0 }
    }
  }
}

function typeOf (event) {
  return event === 'metrics-history' ? 'metrics' : event
}

function prune (list, now) {
  while (list.length > 0 && now - list[0] > RATE_WINDOW_MS) list.shift()
  return list
}

// The stream's id is `<metrics time>.<user id>.<chat id>`: the chat part names the message.
function chatKey (cursor) {
  return cursor.slice(cursor.indexOf('.', cursor.indexOf('.') + 1) + 1)
}
