/**
 * Helpers for hub tests: read a fixed number of events from a subscription, reach the
 * adapter a hub made, and a logger that records lines and lets a test wait for one.
 */
import type { SseEvent } from '../../lib/index.js'
import type { HubAdapter, HubAdapterFactory, HubLogger } from '../../lib/hub/adapter.js'
import type { HubEvent, HubSubscription } from '../../lib/hub/hub.js'

/** Reads exactly `count` events; fails if the subscription ends first. */
export async function take (subscription: HubSubscription, count: number): Promise<SseEvent[]> {
  const events: SseEvent[] = []
  while (events.length < count) {
    const result = await subscription.next()
    if (result.done === true) throw new Error(`the subscription ended after ${events.length} of ${count} events`)
    events.push(result.value)
  }
  return events
}

/** The `data` of each event. */
export function dataOf (events: SseEvent[]): unknown[] {
  return events.map(event => event.data)
}

/** An adapter factory that keeps what it made, for tests that drive the adapter directly. */
export interface KeptAdapter {
  /** Give this to `createHub()`. */
  readonly factory: HubAdapterFactory
  /** The adapter the hub made; throws before a hub made it. */
  readonly adapter: HubAdapter
}

/** Wraps `factory` into a {@link KeptAdapter}. */
export function keepAdapter (factory: HubAdapterFactory): KeptAdapter {
  let made: HubAdapter | undefined
  return {
    factory: context => (made = factory(context)),
    get adapter () {
      if (made === undefined) throw new Error('no hub has made the adapter yet')
      return made
    }
  }
}

/** One recorded log line. */
export interface LogLine {
  level: 'info' | 'warn' | 'error'
  obj: object
  msg: string
}

/** A {@link HubLogger} that records every line and can wait for a matching one. */
export interface RecordingLogger extends HubLogger {
  lines: LogLine[]
  /** Resolves with the first line (already logged or future) whose message includes `text`, after `from` lines. */
  waitFor (text: string, from?: number): Promise<LogLine>
}

/** Creates a {@link RecordingLogger}. */
export function recordingLogger (): RecordingLogger {
  const lines: LogLine[] = []
  const waiters: Array<{ text: string, from: number, resolve: (line: LogLine) => void }> = []
  const record = (level: LogLine['level']) => (obj: object, msg: string): void => {
    const line = { level, obj, msg }
    lines.push(line)
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i]!
      if (lines.length > waiter.from && msg.includes(waiter.text)) {
        waiters.splice(i, 1)
        waiter.resolve(line)
      }
    }
  }
  return {
    lines,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    waitFor (text, from = 0) {
      const found = lines.slice(from).find(line => line.msg.includes(text))
      if (found !== undefined) return Promise.resolve(found)
      return new Promise(resolve => waiters.push({ text, from, resolve }))
    }
  }
}

/** What {@link collect} gathers: the events so far, and a wait for the first `count`. */
export interface Collected {
  events: HubEvent[]
  next (count: number): Promise<HubEvent[]>
}

/** Collects what `subscription` yields, in the background, until it ends. */
export function collect (subscription: HubSubscription): Collected {
  const events: HubEvent[] = []
  const waiters: Array<{ count: number, resolve: () => void }> = []
  const reading = (async () => {
    for await (const event of subscription) {
      events.push(event)
      for (const waiter of waiters.splice(0)) {
        if (events.length >= waiter.count) waiter.resolve()
        else waiters.push(waiter)
      }
    }
  })()
  reading.catch(() => {})
  return {
    events,
    next: count => events.length >= count ? Promise.resolve(events) : new Promise(resolve => waiters.push({ count, resolve: () => resolve(events) }))
  }
}

/** Events as short lines (`join {"id":"ada","info":null}`, `message "x" #id`), for comparing. */
export function brief (events: HubEvent[]): string[] {
  return events.map(event => `${event.event ?? 'message'} ${JSON.stringify(event.data)}${event.id === undefined ? '' : ' #' + String(event.id)}`)
}
