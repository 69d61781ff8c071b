/**
 * The chat's recent messages: a page that opens (or a curl without a cursor) gets the last
 * RECENT_CHAT messages at once, then live ones, with no gap, in memory and from what Redis
 * kept for a process that starts after the messages were sent.
 */
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { RECENT_CHAT } from '../../demo/chat-history.js'
import { listenDemo, openStream, type StreamReader } from '../helpers/demo-clients.js'
import { startRedisServer } from '../helpers/redis-server.js'

const SSE = { accept: 'text/event-stream' }

async function publish (app: FastifyInstance, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await app.hub.publish('chat', { name: 'bot', text: String(i), at: new Date().toISOString() }, { event: 'chat' })
}

function texts (reader: StreamReader): string[] {
  return reader.events.filter(event => event.event === 'chat').map(event => JSON.parse(event.data).text)
}

test('without a cursor the chat stream starts with the last messages, then goes on live', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  await publish(app, 1, RECENT_CHAT + 10)
  const reader = await openStream(`${url}/api/chat/stream`, SSE)
  t.teardown(() => reader.destroy())
  await reader.waitForEvents(RECENT_CHAT)
  await publish(app, RECENT_CHAT + 11, RECENT_CHAT + 11)
  await reader.waitForEvents(RECENT_CHAT + 1)
  const expected = Array.from({ length: RECENT_CHAT + 1 }, (_, i) => String(i + 11))
  t.same(texts(reader), expected, `the last ${RECENT_CHAT}, then the live one`)
})

test('with REDIS_URL, a process started after the messages shows them from Redis', async t => {
  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const first = await listenDemo({ redisUrl: redis.url })
  await publish(first.app, 1, RECENT_CHAT + 10)
  await first.app.close()

  // Ready only once it has loaded the recent messages, so the first reader gets them.
  const later = await listenDemo({ redisUrl: redis.url })
  t.teardown(() => later.app.close())
  const reader = await openStream(`${later.url}/api/chat/stream`, SSE)
  t.teardown(() => reader.destroy())
  await reader.waitForEvents(RECENT_CHAT)
  await publish(later.app, RECENT_CHAT + 11, RECENT_CHAT + 11)
  await reader.waitForEvents(RECENT_CHAT + 1)
  t.same(texts(reader), Array.from({ length: RECENT_CHAT + 1 }, (_, i) => String(i + 11)))
})
