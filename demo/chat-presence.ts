/**
 * Who is in the chat. A dashboard that says who it is (a visitor id the browser keeps, and
 * the name it chats under) joins the chat topic's presence with its stream; every dashboard
 * gets the list of who is online when it connects and again whenever someone arrives or
 * leaves (the hub's coalesced `join` and `leave`), so a page needs no bookkeeping of its own.
 */
import { errors, type Hub } from 'fastify-stream'
import type { PresencePage } from 'fastify-stream/hub'
import { CHAT_TOPIC } from './chat-message.js'

/** The query of a dashboard that says who it is. */
export interface ChatVisitor {
  /** A random id the browser keeps: one visitor, however many tabs. */
  visitor: string
  /** The name it chats under; "Guest" until it has one. */
  name: string
}

/** Bounds of the visitor query (the page makes a UUID; a name is a chat name). */
export const VISITOR_QUERY = {
  visitor: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' },
  name: { type: 'string', minLength: 1, maxLength: 32, pattern: '\\S' }
} as const

/** Users shown: a chat page lists the first hundred and counts the rest. */
export const PRESENCE_SHOWN = 100

/** True when the hub's adapter keeps presence (memory and Redis do; an adapter of one's own may not). */
export async function keepsPresence (hub: Hub): Promise<boolean> {
  try {
    await hub.presence(CHAT_TOPIC, { limit: 1 })
    return true
  } catch (err) {
    if (err instanceof errors.FST_STREAM_INVALID_OPTION) return false
    throw err
  }
}

/** Who is in the chat now, as a dashboard shows it. */
export function chatPresence (hub: Hub): Promise<PresencePage> {
  return hub.presence(CHAT_TOPIC, { limit: PRESENCE_SHOWN })
}
