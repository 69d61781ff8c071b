/**
 * What the demo keeps for all its clients at once: one metrics sampler with the last two
 * minutes of its samples, and the chat's recent messages. A page that opens gets both first,
 * so its charts and its chat are never empty while there is something to show.
 */
import type { FastifyInstance } from 'fastify'
import { ChatHistory } from './chat-history.js'
import { keepsPresence } from './chat-presence.js'
import { MetricsSampler } from './metrics.js'
import { MetricsHistory } from './metrics-history.js'

/** The app-wide state the routes share. */
export interface SharedState {
  /** Readings for every monitoring stream (see metrics.ts). */
  readonly sampler: MetricsSampler
  /** A sample a second over the last two minutes, for `/api/live`. */
  readonly metrics: MetricsHistory
  /** The chat's recent messages, for `/api/live` and `/api/chat/stream`. */
  readonly chat: ChatHistory
  /** Whether the hub keeps presence (known once the app is ready): who is in the chat. */
  presence: boolean
}

/**
 * Creates the state for `app`, after fastify-stream is registered (it reads `app.streams`
 * and `app.hub`). Sampling and the chat subscription start when the app is ready and stop
 * when it closes.
 */
export function createSharedState (app: FastifyInstance): SharedState {
  const sampler = new MetricsSampler(app.streams)
  const state: SharedState = { sampler, metrics: new MetricsHistory(sampler), chat: new ChatHistory(app.hub, app.log), presence: false }
  // Ready once the recent chat is loaded, so the first page to open does not miss it.
  app.addHook('onReady', async () => {
    state.metrics.start()
    state.presence = await keepsPresence(app.hub)
    await state.chat.start()
  })
  app.addHook('onClose', async () => {
    state.metrics.stop()
    await state.chat.stop()
  })
  return state
}
