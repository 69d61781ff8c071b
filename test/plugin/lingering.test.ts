// A source stuck in an await that ignores its signal outlives its stream: JavaScript cannot
// stop it, so the plugin makes it visible (fastify.streams.lingering, one warning per route).
import t from 'tap'
import { deferred } from '../helpers/deferred.js'
import { listenApp } from '../helpers/app.js'
import { logLines } from '../helpers/log-lines.js'
import { openStream } from '../helpers/stream-client.js'

t.test('sources that ignore their signal are counted as lingering and logged once per route', async t => {
  const lines = logLines()
  const stuck = deferred()
  const finished: string[] = []
  const { app, url } = await listenApp(app => {
    app.get('/stuck/:n', (request, reply) => reply.stream(async function * () {
      try {
        yield 'open'
        await stuck.promise // no signal: the leak this counter exists for
      } finally {
        finished.push((request.params as { n: string }).n)
      }
    }))
    app.get('/polite', (_request, reply) => reply.stream(async function * ({ signal }) {
      yield 'open'
      await new Promise(resolve => signal.addEventListener('abort', resolve))
    }))
  }, {}, { logger: { level: 'warn', stream: lines } })
  t.teardown(() => app.close())
  const clients = await Promise.all(['/stuck/1', '/stuck/2', '/polite'].map(path => openStream(url + path)))
  await Promise.all(clients.map(client => client.waitFor(text => text.includes('open'))))
  for (const client of clients) client.close()
  const warning = await lines.waitFor('still running')
  t.match(warning, { route: 'GET /stuck/:n' }, 'the warning names the route')
  t.match(warning.msg, /pass the factory's signal/, 'and says how to fix it')
  while (app.streams.lingering < 2) await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(app.streams.lingering, 2, 'both stuck sources, not the one that honours its signal')
  t.equal(app.streams.open, 0, 'their streams are closed all the same')
  t.equal(lines.records.filter(record => String(record.msg).includes('still running')).length, 1, 'one warning per route')
  stuck.resolve()
  while (finished.length < 2) await new Promise(resolve => setImmediate(resolve))
  t.equal(app.streams.lingering, 0, 'a source that finally finishes is no longer counted')
})
