/**
 * The chat's recent messages, kept by one hub subscription for the whole app, so a page that
 * opens shows the conversation at once. Each client's stream then goes on from the newest of
 * them through the hub, which replays whatever came in between: no gap, no duplicate.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { INVALID_LAST_EVENT_ID, errors, sse, type Hub, type ResetData, type SseEvent } from 'fastify-stream'
import { CHAT_EVENT, CHAT_TOPIC, type ChatMessage } from './chat-message.js'
import { chatPresence } from './chat-presence.js'

/** The event that carries who is online (chat-presence.ts), on streams that join presence. */
export const PRESENCE_EVENT = 'presence'

/** Messages a page gets when it opens. */
export const RECENT_CHAT = 50

// After a failed subscription (Redis down while replaying), the next try comes this late.
const RETRY_MS = 1000

/** The longest the app's start waits for the recent messages, in ms. */
export const LOAD_TIMEOUT_MS = 5000

/** One message with its hub id. */
export interface ChatEntry {
  id: string
  message: ChatMessage
}

/** Follows the chat topic from app start to close and keeps its last messages. */
export class ChatHistory {
  private readonly hub: Hub
  private readonly log: FastifyBaseLogger
  private readonly size: number
  private readonly entries: ChatEntry[] = []
  private readonly controller = new AbortController()
  private markLoaded!: () => void
  private readonly loaded = new Promise<void>(resolve => { this.markLoaded = resolve })
  private running: Promise<void> | undefined = undefined
  // The newest id when the history was asked for: loaded once it has been replayed.
  private target: string | undefined = undefined

  /** @param size how many messages to keep (default {@link RECENT_CHAT}). */
  constructor (hub: Hub, log: FastifyBaseLogger, size = RECENT_CHAT) {
    this.hub = hub
    this.log = log
    this.size = size
  }

  /**
   * Starts following the topic. Resolves once what its history holds is loaded, or after
   * {@link LOAD_TIMEOUT_MS} (a Redis that does not answer; the loading goes on). Idempotent.
   */
  async start (): Promise<void> {
    this.running ??= this.run(this.controller.signal)
    const timeout = new AbortController()
    await Promise.race([this.loaded, sleep(LOAD_TIMEOUT_MS, undefined, { signal: timeout.signal, ref: false }).catch(noop)])
    timeout.abort()
  }

  /** Stops following; resolves once the subscription has ended. Idempotent. */
  async stop (): Promise<void> {
    this.controller.abort()
    this.markLoaded()
    await this.running
  }

  /** The kept messages, oldest first (a copy). */
  recent (): ChatEntry[] {
    return this.entries.slice()
  }

  private async run (signal: AbortSignal): Promise<void> {
    // The hub has no "last N" read. A cursor it cannot use is answered with a reset that
    // names the oldest retained id, and a resume from that id replays the rest of the
    // history: all of it but that one message, which only matters while the history holds
    // fewer than `size` messages (a fresh process on a Redis that already has some).
    let cursor = INVALID_LAST_EVENT_ID
    while (!signal.aborted) {
      try {
        cursor = await this.follow(cursor, signal)
      } catch (err) {
        // Waiting for a retry must not hold up the app's start.
        this.markLoaded()
        if (err instanceof errors.FST_STREAM_HUB_CLOSED || signal.aborted) return
        this.log.warn({ err }, 'demo chat history: the hub subscription failed; retrying')
        await sleep(RETRY_MS, undefined, { signal, ref: false }).catch(noop)
      }
    }
  }

  /** Follows from `cursor` until the subscription ends; returns the cursor to go on from. */
  private async follow (cursor: string, signal: AbortSignal): Promise<string> {
    let last = cursor
    for await (const event of this.hub.subscribe(CHAT_TOPIC, { lastEventId: cursor, signal })) {
      const id = String(event.id ?? '')
      if (event.event === CHAT_EVENT) this.push({ id, message: event.data as ChatMessage })
      else if (event.event === 'reset' && cursor === INVALID_LAST_EVENT_ID) {
        // The reset's id is the newest retained one; with more than that one message
        // retained, replay from the oldest up to it.
        const { earliest } = event.data as ResetData
        if (earliest !== null && earliest !== id) {
          this.target = id
          return earliest
        }
        this.markLoaded()
      }
      if (id === this.target) this.markLoaded()
      last = id
    }
    return last
  }

  private push (entry: ChatEntry): void {
    this.entries.push(entry)
    if (this.entries.length > this.size) this.entries.shift()
  }
}

/**
 * One client's chat: with a cursor, what the hub replays after it, then live; without one,
 * or after the hub answers a cursor with a reset, the recent messages first and then live
 * from the newest of them. With `presence`, the client joins the chat's presence as that
 * member and gets who is online (a `presence` event) at once and after every change.
 */
export async function * chatEvents (hub: Hub, history: ChatHistory, cursor: string | undefined, signal: AbortSignal, presence?: { id: string, info: unknown }): AsyncGenerator<SseEvent, void, undefined> {
  let from = cursor
  while (!signal.aborted) {
    let lastEventId = from
    if (from === undefined) {
      for (const entry of history.recent()) {
        yield sseChat(entry)
        lastEventId = entry.id
      }
    }
    let reset = false
    const subscription = hub.subscribe(CHAT_TOPIC, { lastEventId, signal, ...(presence === undefined ? {} : { presence, presenceEvents: true }) })
    // Joined now: the list includes this client.
    if (presence !== undefined) yield sse({ event: PRESENCE_EVENT, data: await chatPresence(hub) })
    for await (const event of subscription) {
      if (event.event === 'join' || event.event === 'leave') {
        yield sse({ event: PRESENCE_EVENT, data: await chatPresence(hub) })
        continue
      }
      yield event
      // The history no longer reaches back to the cursor: say so (the reset goes out), then
      // start over as a first visit, which shows the recent messages again.
      if (event.event === 'reset') {
        reset = true
        break
      }
    }
    if (!reset) return
    from = undefined
  }
}

function sseChat (entry: ChatEntry): SseEvent {
  return sse({ id: entry.id, event: CHAT_EVENT, data: entry.message })
}

function noop (): void {}
