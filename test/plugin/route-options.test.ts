// Per-call options hold for every source, hub streams included, and are resolved once per
// route rather than on every request.
import t from 'tap'
import { resolveOptions } from '../../plugin/options.js'
import { resolveCallOptions, type RouteOptionsCache } from '../../plugin/route-options.js'
import { listenApp } from '../helpers/app.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream } from '../helpers/stream-client.js'

t.test('per-call serializer, format and event names hold for hub streams as for any source', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/custom', (_request, reply) => reply.stream(({ signal }) => app.hub.subscribe('t', { signal }), {
      format: 'sse',
      serializer: value => `<${JSON.stringify(value)}>`
    }))
    app.get('/plain', (_request, reply) => reply.stream(({ signal }) => app.hub.subscribe('t', { signal }), { format: 'sse' }))
    app.get('/lines', (_request, reply) => reply.stream(({ signal }) => app.hub.subscribe('t', { signal }), { format: 'ndjson', serializer: value => `#${JSON.stringify(value)}` }))
  }, { heartbeatMs: 0 })
  t.teardown(() => app.close())
  const custom = await openStream(url + '/custom')
  const plain = await openStream(url + '/plain')
  const plainToo = await openStream(url + '/plain')
  const lines = await openStream(url + '/lines')
  while (app.hub.stats().subscribers < 4) await new Promise(resolve => setImmediate(resolve))
  await app.hub.publish('t', { a: 1 }, { event: 'news' })
  await Promise.all([custom, plain, plainToo].map(client => client.waitFor(text => parseSse(text).length === 1)))
  await lines.waitFor(text => text.includes('\n'))
  t.equal(parseSse(custom.text)[0]!.data, '<{"a":1}>', 'the route\'s serializer, not the hub\'s')
  t.equal(parseSse(custom.text)[0]!.event, 'news')
  t.equal(parseSse(plain.text)[0]!.data, '{"a":1}')
  t.equal(plainToo.text, plain.text, 'the same frame for streams with the same encoder')
  t.equal(lines.text, '#{"a":1}\n', 'NDJSON with its own serializer')
  for (const client of [custom, plain, plainToo, lines]) client.close()
})

t.test('a route\'s options are validated on first use, then reused while they stay the same', async t => {
  const cache: RouteOptionsCache = new WeakMap()
  const defaults = resolveOptions({})
  const route = {}
  const other = {}
  const first = resolveCallOptions(cache, defaults, route, { formats: ['sse', 'ndjson'], heartbeatMs: 1000 })
  t.equal(first.heartbeatMs, 1000)
  // mergeCallOptions always builds a new object: getting the same one back means no new validation.
  for (let i = 0; i < 5; i++) {
    t.equal(resolveCallOptions(cache, defaults, route, { formats: ['sse', 'ndjson'], heartbeatMs: 1000 }), first, 'equal literals: the cached result')
  }
  const changed = resolveCallOptions(cache, defaults, route, { formats: ['sse', 'ndjson'], heartbeatMs: 2000 })
  t.not(changed, first, 'options that change are validated again')
  t.equal(changed.heartbeatMs, 2000)
  t.equal(resolveCallOptions(cache, defaults, route, { formats: ['sse', 'ndjson'], heartbeatMs: 2000 }), changed, 'and the new ones cached')
  t.not(resolveCallOptions(cache, defaults, route, { formats: ['ndjson', 'sse'], heartbeatMs: 2000 }), changed, 'arrays compare element by element')
  t.not(resolveCallOptions(cache, defaults, other, { formats: ['ndjson', 'sse'], heartbeatMs: 2000 }), changed, 'each route has its own')
  for (let i = 0; i < 2; i++) {
    t.throws(() => resolveCallOptions(cache, defaults, route, { heartbeatMs: -1 }), { code: 'FST_STREAM_INVALID_OPTION' }, 'a bad option fails every time, never cached as good')
  }
  const { app, url } = await listenApp(app => {
    app.get('/', (_request, reply) => reply.stream(['x'], { formats: ['ndjson'] }))
  })
  t.teardown(() => app.close())
  for (let i = 0; i < 3; i++) {
    const client = await openStream(url + '/')
    await client.ended
    t.equal(client.text, '"x"\n', 'through the plugin too')
  }
})

t.test('a hub event the route\'s serializer refuses ends that one stream cleanly', async t => {
  const { app, url } = await listenApp(app => {
    app.get('/picky', (_request, reply) => reply.stream(({ signal }) => app.hub.subscribe('t', { signal }), {
      format: 'sse',
      serializer: value => {
        if ((value as { bad?: boolean }).bad === true) throw new Error('secret internals')
        return JSON.stringify(value)
      }
    }))
    app.get('/plain', (_request, reply) => reply.stream(({ signal }) => app.hub.subscribe('t', { signal }), { format: 'sse' }))
  }, { heartbeatMs: 0 })
  t.teardown(() => app.close())
  const picky = await openStream(url + '/picky')
  const plain = await openStream(url + '/plain')
  while (app.hub.stats().subscribers < 2) await new Promise(resolve => setImmediate(resolve))
  await app.hub.publish('t', { bad: true })
  await picky.ended
  const [fault] = parseSse(picky.text)
  t.equal(fault!.event, 'stream-error')
  t.equal(JSON.parse(fault!.data).code, 'FST_STREAM_UNSERIALIZABLE')
  t.notMatch(picky.text, /secret/, 'no internals reach the client')
  await app.hub.publish('t', { bad: false })
  await plain.waitFor(text => parseSse(text).length === 2)
  t.same(parseSse(plain.text).map(event => event.data), ['{"bad":true}', '{"bad":false}'], 'the other stream goes on')
  plain.close()
})
