// A handler that returns the reply makes Fastify call reply.then(). Left to Fastify, that
// keeps stream.finished() listeners on the response for the stream's whole life, which is a
// quarter of an idle stream's memory; the plugin settles the reply once streaming has begun.
import type { FastifyReply } from 'fastify'
import t from 'tap'
import { listenApp } from '../helpers/app.js'
import { openStream } from '../helpers/stream-client.js'

async function * idleUntilAborted ({ signal }: { signal: AbortSignal }): AsyncGenerator<string> {
  yield 'open'
  await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
}

t.test('a returned reply holds no more response listeners than one that is not returned', async t => {
  const replies = new Map<string, FastifyReply>()
  const { app, url } = await listenApp(app => {
    app.get('/returned', (_request, reply) => {
      replies.set('returned', reply)
      return reply.stream(idleUntilAborted)
    })
    app.get('/not-returned', (_request, reply) => {
      replies.set('not-returned', reply)
      reply.stream(idleUntilAborted)
    })
    app.get('/awaited', async (_request, reply) => {
      replies.set('awaited', reply)
      await reply.stream(idleUntilAborted)
      replies.set('awaited-done', reply)
    })
  })
  t.teardown(() => app.close())
  const clients = await Promise.all(['/returned', '/not-returned', '/awaited'].map(path => openStream(url + path)))
  t.teardown(() => { for (const client of clients) client.close() })
  await Promise.all(clients.map(client => client.waitFor(text => text.includes('open'))))
  const counts = (name: string): number[] => {
    const raw = (replies.get(name) as FastifyReply).raw
    return ['close', 'finish', 'error', 'end'].map(event => raw.listenerCount(event))
  }
  t.same(counts('returned'), counts('not-returned'), 'no stream.finished() listeners are left behind')
  t.ok(replies.has('awaited-done'), 'awaiting reply.stream() resolves once streaming has begun, as for a hijacked reply')
  t.equal(app.streams.open, 3, 'and every stream is still open')
})

t.test('a returned reply whose source fails before the head still gets its error response, once', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/fails', (_request, reply) => reply.stream(async function * () {
      yield * []
      throw new Error('no data today')
    }))
    app.get('/fails-awaited', async (_request, reply) => {
      await reply.stream(async function * () {
        yield * []
        throw new Error('no data today')
      })
      return 'never sent: the reply is already answered'
    })
  })
  t.teardown(() => app.close())
  for (const path of ['/fails', '/fails-awaited']) {
    const res = await fetch(url + path, { headers: { accept: 'text/event-stream' } })
    t.equal(res.status, 500, `${path}: the error handler answers`)
    const body = await res.json() as { message: string }
    t.equal(body.message, 'no data today', `${path}: with the source's error, not the handler's return value`)
  }
})
