/**
 * Resuming the user feed: a `Last-Event-ID` (header or query) continues at the next user,
 * with no gap and no duplicate, including for a real EventSource client across a server
 * restart on the same port.
 */
import { isDeepStrictEqual } from 'node:util'
import { EventSource } from 'eventsource'
import { test } from 'tap'
import { buildApp } from '../../demo/app.js'
import { fakeUser } from '../../demo/fake-users.js'
import { deferred, listenDemo } from '../helpers/demo-clients.js'

const SSE = { accept: 'text/event-stream' }

/** The ids and users of an SSE body from the feed. */
function usersIn (body: string): Array<{ id: string, user: ReturnType<typeof fakeUser> }> {
  return body.split('\n\n').filter(frame => frame.startsWith('event: user')).map(frame => {
    const [, idLine, dataLine] = frame.split('\n')
    return { id: (idLine ?? '').slice('id: '.length), user: JSON.parse((dataLine ?? '').slice('data: '.length)) }
  })
}

test('Last-Event-ID continues at the next user, exactly to the end', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const full = usersIn((await app.inject({ url: '/api/users/feed?intervalMs=0&count=10&seed=3', headers: SSE })).body)
  t.same(full.map(item => item.id), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'])

  const resumed = usersIn((await app.inject({
    url: '/api/users/feed?intervalMs=0&count=10&seed=3',
    headers: { ...SSE, 'last-event-id': '4' }
  })).body)
  t.same(resumed.map(item => item.id), ['5', '6', '7', '8', '9', '10'])
  t.same(resumed, full.slice(4), 'the same users as the uninterrupted feed, in order')
  t.equal(app.streams.resumes, 1, 'the plugin counted the resume')
})

test('the lastEventId query parameter resumes too (a new EventSource cannot set the header)', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/api/users/feed?intervalMs=0&count=8&lastEventId=6', headers: SSE })
  t.same(usersIn(res.body).map(item => item.user), [fakeUser(42, 7), fakeUser(42, 8)])
})

test('a cursor at or past the end gives just the end event; garbage starts over', async t => {
  const app = await buildApp({ logLevel: 'silent' })
  t.teardown(() => app.close())
  for (const cursor of ['5', '99']) {
    const res = await app.inject({ url: '/api/users/feed?intervalMs=0&count=5', headers: { ...SSE, 'last-event-id': cursor } })
    t.equal(res.body, 'retry: 1000\n\nevent: end\ndata:\n\n', `Last-Event-ID ${cursor}`)
  }
  for (const cursor of ['abc', '-3', '1.5', '9'.repeat(20)]) {
    const res = await app.inject({ url: '/api/users/feed?intervalMs=0&count=2', headers: { ...SSE, 'last-event-id': cursor } })
    t.same(usersIn(res.body).map(item => item.id), ['1', '2'], `Last-Event-ID ${cursor}`)
  }
})

test('an EventSource client resumes across a server restart on the same port: no gap, no duplicate', async t => {
  // A short retry, so the client comes back quickly once the new server listens.
  const config = { retryMs: 200 }
  let demo = await listenDemo(config)
  const port = demo.port
  t.teardown(() => demo.app.close())

  const ids: number[] = []
  const wrong: string[] = []
  const arrivals: Array<() => void> = []
  const source = new EventSource(`${demo.url}/api/users/feed?intervalMs=20&seed=11`)
  t.teardown(() => source.close())
  const shutdownNotice = deferred<string>()
  source.addEventListener('stream-error', event => { shutdownNotice.resolve(JSON.parse(event.data).code) })
  source.addEventListener('user', event => {
    const user = JSON.parse(event.data)
    if (event.lastEventId !== String(user.id)) wrong.push(`event id ${event.lastEventId} carries user ${user.id}`)
    if (!isDeepStrictEqual(user, fakeUser(11, user.id))) wrong.push(`user ${user.id} differs from fakeUser(11, ${user.id})`)
    ids.push(user.id)
    for (const arrive of arrivals.splice(0)) arrive()
  })
  const reach = (count: number): Promise<void> => new Promise(resolve => {
    const check = (): void => { if (ids.length >= count) resolve(); else arrivals.push(check) }
    check()
  })

  await reach(5)
  await demo.app.close()
  t.equal(await shutdownNotice.promise, 'FST_STREAM_SHUTDOWN', 'the client was told the server is going away')
  const before = ids.length
  demo = await listenDemo(config, port)
  await reach(before + 5)
  source.close()

  t.ok(demo.app.streams.resumes >= 1, 'the new server saw a Last-Event-ID')
  t.same(wrong, [], 'every event id is its user number, and every user the deterministic one')
  t.same(ids, ids.map((_, i) => i + 1), `ids continue 1..${ids.length} with no gap or duplicate (restart after ${before})`)
})
