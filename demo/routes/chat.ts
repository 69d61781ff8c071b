/**
 * The chat: `POST /api/chat` publishes `{ name, text }` to the hub, and
 * `GET /api/chat/stream` streams the conversation (SSE or NDJSON): the recent messages
 * first, then live, with resume, so a client that reconnects, to this instance or another
 * one on the same Redis, misses nothing.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsync } from 'fastify'
import { streamContent } from 'fastify-stream'
import type { DemoPluginOptions } from '../feature-options.js'
import { chatEvents } from '../chat-history.js'
import { CHAT_EVENT, CHAT_TOPIC, type ChatMessage } from '../chat-message.js'
import { ChatMessageSchema } from '../item-schemas.js'
import { lastEventIdSchema } from '../query-schemas.js'

/** Length bounds of a message's fields, in characters. */
export const CHAT_LIMITS = { name: 32, text: 500 } as const
/** Posts allowed per client IP per window: a person chats well below it, a script does not. */
export const CHAT_RATE = { max: 10, timeWindow: 10_000 } as const

interface ChatPost {
  name: string
  text: string
}

// At least one non-space character: a blank name or message is never what a person meant.
const VISIBLE = '\\S'

/** The chat routes; registered without fastify-plugin, so the rate limit stays in here. */
export const chatRoutes: FastifyPluginAsync<DemoPluginOptions> = async function chatRoutes (app, { shared }) {
  // global: false limits only the routes that ask for it: the stream must stay free to
  // reconnect as often as the browser needs.
  await app.register(rateLimit, { global: false })

  app.post<{ Body: ChatPost }>('/api/chat', {
    config: { rateLimit: CHAT_RATE },
    schema: {
      body: {
        type: 'object',
        required: ['name', 'text'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: CHAT_LIMITS.name, pattern: VISIBLE },
          text: { type: 'string', minLength: 1, maxLength: CHAT_LIMITS.text, pattern: VISIBLE }
        }
      }
    }
  }, async (request, reply) => {
    const message: ChatMessage = { name: request.body.name.trim(), text: request.body.text.trim(), at: new Date().toISOString() }
    // Rejects with FST_STREAM_HUB_UNAVAILABLE (503) while Redis is down: the client retries.
    const id = await app.hub.publish(CHAT_TOPIC, message, { event: CHAT_EVENT })
    return reply.code(201).send({ id })
  })

  app.get('/api/chat/stream', {
    schema: {
      querystring: { type: 'object', properties: { lastEventId: lastEventIdSchema } },
      response: { 200: streamContent(ChatMessageSchema, ['sse', 'ndjson']) }
    }
  }, (_request, reply) => reply.stream(({ signal, lastEventId }) => chatEvents(app.hub, shared.chat, lastEventId, signal)))
}
