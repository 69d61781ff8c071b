/**
 * `GET /api/live?feedIntervalMs=&feed=on|off`: the dashboard's one stream. It carries the
 * monitor (`metrics`, the last two minutes first), the user feed (`user`) and the chat
 * (`chat`, the recent messages first; `chat-reset` when a resume cannot be honoured) as SSE
 * event types. Over HTTP/1.1 a browser gives one origin 6 connections across all its tabs,
 * so a page holds one stream, not three, and shares it with its other tabs.
 *
 * Every event's id is the cursor of all three parts, `<metrics time>.<user id>.<chat id>`,
 * so a reconnect resumes each of them where it stopped.
 */
import type { FastifyPluginAsync } from 'fastify'
import { sse, sseEvents, type SseEvent } from 'fastify-stream'
import type { DemoPluginOptions } from '../feature-options.js'
import { PRESENCE_EVENT, chatEvents } from '../chat-history.js'
import { VISITOR_QUERY } from '../chat-presence.js'
import { fakeUser } from '../fake-users.js'
import { mapSource, mergeSources } from '../merge-sources.js'
import type { MonitorSample } from '../metrics.js'
import { integerQuery, type IntegerBounds } from '../integer-query.js'
import { ChatMessageSchema, ChatPresenceSchema, FakeUserSchema, MonitorSampleSchema, ResetSchema } from '../item-schemas.js'
import { DEFAULT_SEED, lastEventIdSchema } from '../query-schemas.js'
import { pacedUsers } from './users-feed.js'

/** Bounds of `feedIntervalMs`: 50 users a second at most, as the dashboard's fastest rate. */
export const LIVE_FEED_INTERVAL: IntegerBounds = { minimum: 20, maximum: 60_000, default: 1000 }

/**
 * The event types of the stream: `metrics` is one sample, `metrics-history` an array of
 * them (what the client missed, or the last two minutes on a first visit).
 */
export const LIVE_EVENTS = { metrics: 'metrics', metricsHistory: 'metrics-history', user: 'user', chat: 'chat', chatReset: 'chat-reset', chatPresence: 'chat-presence' } as const

const LIVE_QUERY = integerQuery({ feedIntervalMs: LIVE_FEED_INTERVAL })

// One schema per event type: each event's data is written by its own.
const LIVE_ITEMS = sseEvents({
  [LIVE_EVENTS.metrics]: MonitorSampleSchema,
  [LIVE_EVENTS.metricsHistory]: { type: 'array', items: MonitorSampleSchema },
  [LIVE_EVENTS.user]: FakeUserSchema,
  [LIVE_EVENTS.chat]: ChatMessageSchema,
  [LIVE_EVENTS.chatReset]: ResetSchema,
  [LIVE_EVENTS.chatPresence]: ChatPresenceSchema
})

// The cursor's three parts; the chat id is the hub's (no dots in memory or Redis ids).
const CURSOR = /^(\d{1,15})\.(\d{1,15})\.([^.]{0,64})$/

interface LiveQuery {
  feedIntervalMs: number
  feed: 'on' | 'off'
  /** With `name`: who this dashboard is, for the chat's list of who is online. */
  visitor?: string
  name?: string
}

/** Where a client is: the newest metrics sample's time, user id and chat id it has. */
interface LiveCursor {
  metrics: number
  user: number
  /** `undefined` on a first visit, or when the client has no chat message yet. */
  chat: string | undefined
}

/** One item of a part, before the merged stream gives it its cursor id. */
type LiveItem =
  | { part: 'metrics' | 'user', id: number, event: string, data: unknown }
  | { part: 'chat', id: string, event: string, data: unknown }
  // Who is online: no position of its own, so the cursor stays where it is.
  | { part: 'presence', event: string, data: unknown }

/** The multiplexed stream's route. */
export const liveRoutes: FastifyPluginAsync<DemoPluginOptions> = async function liveRoutes (app, { shared }) {
  app.get<{ Querystring: LiveQuery }>('/api/live', {
    preValidation: LIVE_QUERY.preValidation,
    // gzip when the browser accepts it (EventSource does): repeated keys compress well even
    // flushed event by event, and the page holds one such stream per browser, not per tab.
    config: { stream: { compress: true } },
    schema: {
      querystring: {
        type: 'object',
        properties: {
          ...LIVE_QUERY.properties,
          feed: { type: 'string', enum: ['on', 'off'], default: 'on' },
          ...VISITOR_QUERY,
          lastEventId: lastEventIdSchema
        }
      },
      response: { 200: { content: { 'text/event-stream': { itemSchema: LIVE_ITEMS } } } }
    }
  }, (request, reply) => {
    const { feedIntervalMs, feed, visitor, name } = request.query
    const presence = shared.presence && visitor !== undefined ? { id: visitor, info: { name: name ?? 'Guest' } } : undefined
    return reply.stream(({ signal, lastEventId }) => {
      const cursor = parseCursor(lastEventId)
      const parts: Array<AsyncIterable<LiveItem>> = [
        mapSource(shared.metrics.follow(cursor.metrics, signal), metricsItem),
        mapSource(chatEvents(app.hub, shared.chat, cursor.chat, signal, presence), chatItem)
      ]
      if (feed === 'on') {
        parts.push(pacedUsers(cursor.user + 1, Infinity, feedIntervalMs, signal, id => ({ part: 'user', id, event: LIVE_EVENTS.user, data: fakeUser(DEFAULT_SEED, id) })))
      }
      // The cursor moves as items are sent, not as they are made: an item made early
      // waits for the socket while others go out.
      return mergeSources(parts, item => {
        if (item.part === 'chat') cursor.chat = item.id
        else if (item.part !== 'presence') cursor[item.part] = item.id
        return sse({ id: formatCursor(cursor), event: item.event, data: item.data })
      })
    })
  })
}

/** Reads a cursor this route wrote; anything else is a first visit. */
function parseCursor (lastEventId: string | undefined): LiveCursor {
  const match = lastEventId === undefined ? null : CURSOR.exec(lastEventId)
  if (match === null) return { metrics: 0, user: 0, chat: undefined }
  const chat = match[3] as string
  return { metrics: Number(match[1]), user: Number(match[2]), chat: chat === '' ? undefined : chat }
}

function formatCursor ({ metrics, user, chat }: LiveCursor): string {
  return `${metrics}.${user}.${chat ?? ''}`
}

function metricsItem (samples: MonitorSample[]): LiveItem {
  const newest = samples[samples.length - 1] as MonitorSample
  if (samples.length === 1) return { part: 'metrics', id: newest.time, event: LIVE_EVENTS.metrics, data: newest }
  return { part: 'metrics', id: newest.time, event: LIVE_EVENTS.metricsHistory, data: samples }
}

// A hub reset gets its own type here: `reset` alone would not say which part it is about.
function chatItem (event: SseEvent): LiveItem {
  if (event.event === PRESENCE_EVENT) return { part: 'presence', event: LIVE_EVENTS.chatPresence, data: event.data }
  const reset = event.event === 'reset'
  return { part: 'chat', id: String(event.id ?? ''), event: reset ? LIVE_EVENTS.chatReset : LIVE_EVENTS.chat, data: event.data }
}
