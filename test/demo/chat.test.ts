// The demo's chat: POST /api/chat validated and rate-limited per IP, GET /api/chat/stream
// streaming the hub with resume; on Redis, two instances share the chat and a client that
// comes back after a restart, to either instance, sees every message without a gap.
import t, { type Test } from 'tap'
import { CHAT_LIMITS, CHAT_RATE } from '../../demo/routes/chat.js'
import { listenDemo, openStream, type ListeningDemo } from '../helpers/demo-clients.js'
import { startRedisServer } from '../helpers/redis-server.js'

const SSE = { accept: 'text/event-stream' }

async function post (url: string, body: unknown): Promise<{ status: number, body: Record<string, unknown> }> {
  const response = await fetch(url + '/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json() as Record<string, unknown> }
}

async function demo (t: Test, config: Parameters<typeof listenDemo>[0] = {}): Promise<ListeningDemo> {
  const started = await listenDemo(config)
  t.teardown(() => started.app.close())
  return started
}

t.test('a posted message reaches SSE and NDJSON subscribers', async t => {
  const { url } = await demo(t)
  const sse = await openStream(url + '/api/chat/stream', SSE)
  t.equal(sse.headers['content-type'], 'text/event-stream; charset=utf-8')
  const ndjson = await openStream(url + '/api/chat/stream', { accept: 'application/x-ndjson' })
  await sse.waitForText(text => text.length > 0)
  const sent = await post(url, { name: ' Ada ', text: '<b>hello</b> & "bye"' })
  t.equal(sent.status, 201)
  t.match(sent.body.id, /^[0-9a-f]{12}-\d+$/)
  const [event] = await sse.waitForEvents(1)
  t.equal(event!.event, 'chat')
  t.equal(event!.id, sent.body.id)
  const message = JSON.parse(event!.data)
  t.match(message, { name: 'Ada', text: '<b>hello</b> & "bye"' }, 'trimmed, and sent as data: escaping is the page\'s job')
  t.ok(!Number.isNaN(Date.parse(message.at)))
  await ndjson.waitForText(text => text.endsWith('\n'))
  t.same(JSON.parse(ndjson.text), message)
  sse.destroy()
  ndjson.destroy()
})

t.test('POST /api/chat validates name and text with length limits', async t => {
  const { app } = await demo(t)
  const bad = [
    {},
    { name: 'a' },
    { text: 'a' },
    { name: '', text: 'a' },
    { name: 'a', text: '' },
    { name: '   ', text: 'a' },
    { name: 'a', text: ' \n ' },
    { name: 'x'.repeat(CHAT_LIMITS.name + 1), text: 'a' },
    { name: 'a', text: 'x'.repeat(CHAT_LIMITS.text + 1) },
    { name: { a: 1 }, text: 'a' },
    { name: 'a', text: null }
  ]
  // Each from its own address: invalid posts count against the rate limit too.
  let address = 0
  const inject = (payload: unknown) => app.inject({ method: 'POST', url: '/api/chat', payload: payload as object, remoteAddress: `10.0.0.${++address}` })
  for (const body of bad) {
    const answer = await inject(body)
    t.equal(answer.statusCode, 400, JSON.stringify(body).slice(0, 60))
    t.match(answer.json().message, /^body/)
  }
  const edge = await inject({ name: 'x'.repeat(CHAT_LIMITS.name), text: 'x'.repeat(CHAT_LIMITS.text) })
  t.equal(edge.statusCode, 201, 'the limits themselves are fine')
})

t.test('posting is rate-limited per client IP; the stream is not', async t => {
  const { url } = await demo(t)
  for (let i = 0; i < CHAT_RATE.max; i++) t.equal((await post(url, { name: 'bot', text: `#${i}` })).status, 201)
  const limited = await post(url, { name: 'bot', text: 'one too many' })
  t.equal(limited.status, 429)
  t.match(limited.body.message, /Rate limit exceeded/)
  for (let i = 0; i < CHAT_RATE.max + 2; i++) {
    const stream = await openStream(url + '/api/chat/stream', SSE)
    t.equal(stream.status, 200)
    stream.destroy()
  }
})

t.test('a reconnect with Last-Event-ID (or ?lastEventId=) gets what it missed', async t => {
  const { url } = await demo(t)
  const ids = []
  for (let i = 1; i <= 4; i++) ids.push((await post(url, { name: 'a', text: String(i) })).body.id as string)
  const byHeader = await openStream(url + '/api/chat/stream', { ...SSE, 'last-event-id': ids[1]! })
  const byQuery = await openStream(url + '/api/chat/stream?lastEventId=' + encodeURIComponent(ids[1]!), SSE)
  for (const stream of [byHeader, byQuery]) {
    const events = await stream.waitForEvents(2)
    t.same(events.map(event => JSON.parse(event.data).text), ['3', '4'])
    stream.destroy()
  }
  const tooLong = await fetch(url + '/api/chat/stream?lastEventId=' + 'x'.repeat(300), { headers: SSE })
  t.equal(tooLong.status, 400, 'the query cursor is bounded by the schema')
  await tooLong.body?.cancel()
})

t.test('with REDIS_URL two instances share the chat, and a restart loses nothing', async t => {
  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const a = await listenDemo({ redisUrl: redis.url })
  const b = await demo(t, { redisUrl: redis.url })
  t.equal(a.app.hub.stats().backend.adapter, 'redis')

  const start = (await post(a.url, { name: 'a', text: 'start' })).body.id as string
  // Connected to A; a cursor makes the start exact whatever the reader's timing.
  const onA = await openStream(a.url + '/api/chat/stream', { ...SSE, 'last-event-id': start })
  const onB = await openStream(b.url + '/api/chat/stream', { ...SSE, 'last-event-id': start })
  for (let i = 1; i <= 3; i++) await post(i % 2 === 0 ? b.url : a.url, { name: 'n', text: String(i) })
  const seenOnA = await onA.waitForEvents(3)
  t.same((await onB.waitForEvents(3)).map(event => event.id), seenOnA.map(event => event.id), 'same order on both')

  // A restarts: its stream ends, messages keep coming through B meanwhile.
  await a.app.close()
  await onA.finished
  for (let i = 4; i <= 6; i++) await post(b.url, { name: 'n', text: String(i) })
  const again = await listenDemo({ redisUrl: redis.url }, a.port)
  t.teardown(() => again.app.close())
  const resumed = await openStream(again.url + '/api/chat/stream', { ...SSE, 'last-event-id': seenOnA[2]!.id! })
  await post(again.url, { name: 'n', text: '7' })
  const rest = await resumed.waitForEvents(4)
  t.same(rest.map(event => JSON.parse(event.data).text), ['4', '5', '6', '7'], 'no gap, no duplicate after the restart')
  t.same((await onB.waitForEvents(7)).slice(3).map(event => event.id), rest.map(event => event.id))
  resumed.destroy()
  onB.destroy()
})
