// What a client sends to a hub route is untrusted: a bad topic is the client's mistake (400),
// and a cursor the hub cannot use gets the explicit reset, never a silent start at live.
import t from 'tap'
import * as core from '../../lib/index.js'
import * as hub from '../../lib/hub/index.js'
import * as plugin from '../../plugin/index.js'
import { INVALID_LAST_EVENT_ID } from '../../plugin/index.js'
import { isValidTopic } from '../../lib/hub/topic-name.js'
import { listenApp } from '../helpers/app.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

const SSE = { accept: 'text/event-stream' }

t.test('isValidTopic (fastify-stream/hub) agrees with the hub', async t => {
  t.equal(hub.isValidTopic, isValidTopic)
  t.equal(core.INVALID_LAST_EVENT_ID, plugin.INVALID_LAST_EVENT_ID)
  for (const topic of ['chat', 'room:1', 'a.b-c_d', 'x'.repeat(128)]) t.ok(isValidTopic(topic), topic)
  for (const topic of ['', 'a b', 'a/b', 'x'.repeat(129), '{slot}', 'é', 5, null, undefined]) t.notOk(isValidTopic(topic), String(topic))
})

t.test('a topic from the request that the hub refuses is answered with 400, not 500', async t => {
  const { app, url } = await listenApp(app => {
    app.get<{ Params: { room: string } }>('/rooms/:room', (request, reply) =>
      reply.stream(({ signal, lastEventId }) => app.hub.subscribe(request.params.room, { signal, lastEventId })))
    app.post<{ Querystring: { topic: string } }>('/publish', async request => ({ id: await app.hub.publish(request.query.topic, request.body) }))
  })
  t.teardown(() => app.close())
  const subscribed = await openStream(`${url}/rooms/${encodeURIComponent('no spaces')}`, SSE)
  await subscribed.ended
  t.equal(subscribed.status, 400)
  t.equal(JSON.parse(subscribed.text).code, 'FST_STREAM_INVALID_TOPIC')
  t.match(JSON.parse(subscribed.text).message, /\[A-Za-z0-9_\.:-\]/, 'the message says what a topic may be')
  const published = await app.inject({ method: 'POST', url: '/publish?topic=a%7Bb%7D', payload: { x: 1 } })
  t.equal(published.statusCode, 400)
  const longTopic = await app.inject({ method: 'POST', url: `/publish?topic=${'x'.repeat(500)}`, payload: {} })
  t.equal(longTopic.statusCode, 400)
  t.notMatch(longTopic.json().message, /x{41}/, 'a long value is described, never echoed whole')
})

t.test('an over-long or malformed Last-Event-ID on a hub stream gets the invalid reset', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/chat', (_request, reply) => reply.stream(({ signal, lastEventId }) => app.hub.subscribe('chat', { signal, lastEventId }), { format: 'sse' }))
  }, { heartbeatMs: 0 })
  t.teardown(() => app.close())
  const first = await app.hub.publish('chat', 'before')
  const cursors: Array<[string, Record<string, string>, string]> = [
    ['over the 256-character cap', { 'last-event-id': 'x'.repeat(300) }, ''],
    ['not UTF-8', { 'last-event-id': Buffer.from([0xff, 0xfe]).toString('latin1') }, ''],
    ['a NUL in the query value', {}, '?lastEventId=a%00b'],
    ['a repeated query parameter', {}, '?lastEventId=1&lastEventId=2'],
    ['garbage the hub never issued', { 'last-event-id': 'garbage' }, '']
  ]
  for (const [name, headers, query] of cursors) {
    const client = await openStream(`${url}/chat${query}`, { ...SSE, ...headers })
    await client.waitFor(text => parseSse(text).length >= 1)
    const [reset] = parseSse(client.text)
    t.equal(reset?.event, 'reset', `${name}: a reset comes first`)
    t.same(JSON.parse(reset?.data ?? '{}'), { reason: 'invalid', earliest: first }, `${name}: reason invalid`)
    t.equal(reset?.id, first, `${name}: its id is where live delivery continues`)
    client.close()
  }
  t.equal(app.hub.stats().resets, cursors.length)
})

t.test('a plain source sees an unusable cursor as INVALID_LAST_EVENT_ID, never as absent', async t => {
  const seen: Array<string | undefined> = []
  const { app, url } = await listenApp(app => {
    app.get('/ticks', (_request, reply) => reply.stream(({ lastEventId }) => {
      seen.push(lastEventId)
      return ['x']
    }))
  })
  t.teardown(() => app.close())
  for (const headers of [{ 'last-event-id': 'y'.repeat(257) }, {}, { 'last-event-id': '7' }] as Array<Record<string, string>>) {
    const client = await openStream(url + '/ticks', headers)
    await client.ended
  }
  t.same(seen, [INVALID_LAST_EVENT_ID, undefined, '7'])
  t.ok(INVALID_LAST_EVENT_ID.includes('\0'), 'it holds a NUL, which no SSE id can')
})
