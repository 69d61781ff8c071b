/**
 * What the chat carries, shared by its routes, its history and the multiplexed stream.
 */

/** The hub topic of the chat. */
export const CHAT_TOPIC = 'chat'
/** The SSE event name of a chat message (a `reset` event may come first on resume). */
export const CHAT_EVENT = 'chat'

/** One chat message as the stream carries it. */
export interface ChatMessage {
  name: string
  text: string
  /** When the server accepted it (ISO 8601). */
  at: string
}
