/**
 * GET /api/live, the dashboard's one stream: metrics (the recent window first, as one
 * `metrics-history` event), the user feed and the chat (the recent messages first) as event
 * types of one SSE response. Every id is the cursor of all three parts, so a reconnect
 * resumes each where it stopped: no sample, user or message twice, none missed.
 */
import { test, type Test } from 'tap'
import type { EventSourceMessage } from 'eventsource-parser'
import { listenDemo, openStream, type ListeningDemo, type StreamReader } from '../helpers/demo-clients.js'
import { reached } from '../helpers/bounded-wait.js'

const SSE = { accept: 'text/event-stream' }
const CURSOR = /^(\d+)\.(\d+)\.([^.]*)$/

async function demo (t: Test): Promise<ListeningDemo> {
  const started = await listenDemo()
  t.teardown(() => started.app.close())
  return started
}

async function post (url: string, text: string): Promise<string> {
  const response = await fetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', text }) })
  return (await response.json() as { id: string }).id
}

async function live (t: Test, url: string, headers: Record<string, string> = {}): Promise<StreamReader> {
  const reader = await openStream(url, { ...SSE, ...headers })
  t.teardown(() => reader.destroy())
  return reader
}

/** Resolves once `reader` has an event that `match` accepts; returns everything so far. */
async function until (reader: StreamReader, match: (event: EventSourceMessage) => boolean): Promise<EventSourceMessage[]> {
  await reader.waitForText(() => reader.events.some(match))
  return reader.events
}

function parts (event: EventSourceMessage): { metrics: number, user: number, chat: string } {
  const [, metrics, user, chat] = CURSOR.exec(event.id ?? '') ?? []
  return { metrics: Number(metrics), user: Number(user), chat: chat ?? '' }
}

test('a first visit gets the recent metrics as one event, the recent chat, and the feed, under one cursor', async t => {
  const { url, app } = await demo(t)
  const ids = [await post(url, 'one'), await post(url, 'two')]
  // Two samples taken: the history has something to send.
  const warmup = await live(t, `${url}/api/live?feed=off`)
  await warmup.waitForText(() => warmup.events.filter(event => event.event === 'metrics').length >= 2)
  warmup.destroy()

  const reader = await live(t, `${url}/api/live`)
  t.equal(reader.headers['content-type'], 'text/event-stream; charset=utf-8')
  const events = await until(reader, event => event.event === 'metrics')
  const history = events.find(event => event.event === 'metrics-history')
  t.ok(history !== undefined, 'the window comes first, as one event')
  const samples = JSON.parse(history!.data) as Array<{ seq: number, time: number }>
  t.ok(samples.length >= 2, `with every sample so far (${samples.length})`)
  t.ok(samples.every((sample, i) => i === 0 || sample.time > samples[i - 1]!.time), 'oldest first')
  t.equal(parts(history!).metrics, samples[samples.length - 1]!.time, 'the cursor names the newest sample')
  const chat = events.filter(event => event.event === 'chat')
  t.same(chat.map(event => JSON.parse(event.data).text), ['one', 'two'], 'the chat so far, in order')
  t.same(chat.map(event => parts(event).chat), ids, 'each under its hub id')
  const user = events.find(event => event.event === 'user')
  t.equal(JSON.parse(user!.data).id, 1, 'the feed starts at user 1')
  t.equal(parts(user!).user, 1)
  t.ok(events.every(event => CURSOR.test(event.id ?? '')), 'every id is a full cursor')
  t.equal(app.streams.open, 1, 'one stream carries all three')
})

test('a reconnect resumes every part after its cursor: nothing twice, nothing missed', async t => {
  const { url } = await demo(t)
  await post(url, 'before')
  const first = await live(t, `${url}/api/live?feedIntervalMs=100`)
  await until(first, event => event.event === 'metrics')
  await first.waitForText(() => first.events.filter(event => event.event === 'user').length >= 3)
  first.destroy()
  const last = first.events[first.events.length - 1]!
  const cursor = parts(last)
  const missed = await post(url, 'while away')

  const resumed = await live(t, `${url}/api/live?feedIntervalMs=100`, { 'last-event-id': last.id! })
  const events = await until(resumed, event => event.event === 'metrics' || event.event === 'metrics-history')
  await until(resumed, event => event.event === 'chat')
  const chat = resumed.events.filter(event => event.event === 'chat')
  t.same(chat.map(event => JSON.parse(event.data).text), ['while away'], 'only the message it missed')
  t.equal(parts(chat[0]!).chat, missed)
  const users = resumed.events.filter(event => event.event === 'user').map(event => JSON.parse(event.data).id)
  t.equal(users[0], cursor.user + 1, `the feed goes on at user ${cursor.user + 1}`)
  const metrics = events.filter(event => event.event?.startsWith('metrics') === true)
    .flatMap(event => event.event === 'metrics' ? [JSON.parse(event.data)] : JSON.parse(event.data)) as Array<{ time: number }>
  t.ok(metrics.length > 0 && metrics.every(sample => sample.time > cursor.metrics), 'no sample it had already')
})

test('feed=off carries no users; a cursor from elsewhere is a first visit; SSE only', async t => {
  const { url } = await demo(t)
  await post(url, 'hello')
  const quiet = await live(t, `${url}/api/live?feed=off`)
  await until(quiet, event => event.event === 'metrics')
  t.same(quiet.events.filter(event => event.event === 'user'), [], 'the feed is off; the first user would have come at once')
  t.same(quiet.events.filter(event => event.event === 'chat').map(event => JSON.parse(event.data).text), ['hello'])

  const foreign = await live(t, `${url}/api/live?feed=off`, { 'last-event-id': 'not-a-cursor' })
  await reached(t, until(foreign, event => event.event === 'chat'), 'an id this route did not write gets the recent chat, as a first visit does')

  const stale = await live(t, `${url}/api/live?feed=off`, { 'last-event-id': '0.0.0123456789ab-3' })
  const events = await until(stale, event => event.event === 'chat')
  const reset = events.find(event => event.event === 'chat-reset')
  t.match(JSON.parse(reset!.data), { reason: 'stale' }, 'a chat id from another hub is reset, under its own event type')
  t.same(events.filter(event => event.event === 'chat').map(event => JSON.parse(event.data).text), ['hello'], 'then the recent messages')

  const ndjson = await fetch(`${url}/api/live`, { headers: { accept: 'application/x-ndjson' } })
  t.equal(ndjson.status, 406, 'event types need SSE')
  await ndjson.body?.cancel()
})
