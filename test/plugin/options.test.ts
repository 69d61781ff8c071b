// Option validation: plugin options fail at register time, per-call options fail the request
// through Fastify's error handler; both with FST_STREAM_INVALID_OPTION naming the option.
import Fastify from 'fastify'
import t from 'tap'
import * as core from '../../lib/index.js'
import fastifyStream, * as pluginExports from '../../plugin/index.js'
import type { FastifyStreamOptions, ReplyStreamOptions } from '../../plugin/index.js'

/** Registers the plugin with `options`; resolves to the error, or undefined when it registered. */
async function registerError (options: unknown): Promise<(Error & { code?: string }) | undefined> {
  const app = Fastify()
  try {
    await app.register(fastifyStream, options as FastifyStreamOptions)
    await app.ready()
    return undefined
  } catch (err) {
    return err as Error & { code?: string }
  } finally {
    await app.close()
  }
}

t.test('bad plugin options reject register with FST_STREAM_INVALID_OPTION', async t => {
  const bad: Array<[string, Record<string, unknown>, RegExp?]> = [
    ['heartbeatMs', { heartbeatMs: -1 }, /integer from 0/],
    ['heartbeatMs', { heartbeatMs: 1.5 }],
    ['heartbeatMs', { heartbeatMs: '1000' }],
    ['heartbeatMs', { heartbeatMs: 2 ** 31 }, /2147483647/],
    ['heartbeatMs', { heartbeatMs: NaN }],
    ['retryMs', { retryMs: -1 }],
    ['retryMs', { retryMs: 0.5 }],
    ['defaultFormat', { defaultFormat: 'xml' }, /sse, ndjson, csv/],
    ['defaultFormat', { defaultFormat: 'SSE' }],
    ['endEvent', { endEvent: 'a\nb' }, /without CR or LF/],
    ['endEvent', { endEvent: 'a\rb' }],
    ['endEvent', { endEvent: '' }],
    ['endEvent', { endEvent: true }],
    ['errorEvent', { errorEvent: '' }, /non-empty string/],
    ['errorEvent', { errorEvent: 'x\n' }],
    ['errorEvent', { errorEvent: false }],
    ['serializer', { serializer: 'JSON.stringify' }, /must be a function/],
    ['maxStreams', { maxStreams: 0 }, /positive integer/],
    ['maxStreams', { maxStreams: -5 }],
    ['maxStreams', { maxStreams: 1.5 }],
    ['maxLastEventIdLength', { maxLastEventIdLength: 0 }, /from 1 to 65536/],
    ['maxLastEventIdLength', { maxLastEventIdLength: 65537 }],
    ['lastEventIdQuery', { lastEventIdQuery: '' }, /query parameter name, or false/],
    ['lastEventIdQuery', { lastEventIdQuery: true }],
    ['columns', { columns: [1] }, /array of strings/],
    ['columns', { columns: 'a,b' }],
    ['csvInjection', { csvInjection: 'yes' }, /boolean/],
    ['bom', { bom: 1 }, /boolean/],
    ['heartbeatMS', { heartbeatMS: 1000 }, /not an option here; check its spelling/],
    // format and formats describe one route's offer, so they are per-call only.
    ['format', { format: 'sse' }, /not an option here/],
    ['formats', { formats: ['sse'] }, /not an option here/]
  ]
  for (const [name, options, detail] of bad) {
    const err = await registerError(options)
    const label = `${name}: ${JSON.stringify(options, (_k, v) => typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)}`
    t.equal(err?.code, 'FST_STREAM_INVALID_OPTION', `${label} → FST_STREAM_INVALID_OPTION`)
    t.ok(err?.message.startsWith(`fastify-stream: option "${name}" `), `${label}: the message names the option`)
    if (detail !== undefined) t.match(err?.message, detail, `${label}: the message says how to fix it`)
    t.ok(err instanceof TypeError, `${label}: a TypeError`)
  }
})

t.test('good plugin options register', async t => {
  const good: Array<Record<string, unknown> | undefined> = [
    undefined,
    {},
    { heartbeatMs: 0 },
    { heartbeatMs: 2 ** 31 - 1, retryMs: 0 },
    { heartbeatMs: undefined, defaultFormat: undefined },
    {
      heartbeatMs: 15000,
      retryMs: 3000,
      defaultFormat: 'csv',
      serializer: JSON.stringify,
      endEvent: false,
      errorEvent: 'oops',
      columns: ['a', 'b'],
      csvInjection: false,
      bom: true,
      maxStreams: Infinity,
      maxLastEventIdLength: 65536,
      lastEventIdQuery: false
    },
    { defaultFormat: 'sse', endEvent: 'done', maxStreams: 1, maxLastEventIdLength: 1, lastEventIdQuery: 'since', columns: [] },
    // Fastify's own register options travel with the plugin's.
    { prefix: '/api', logLevel: 'warn' }
  ]
  for (const options of good) {
    t.equal(await registerError(options), undefined, `registers with ${JSON.stringify(options)}`)
  }
})

t.test('plugin options take effect, and per-call options override them', async t => {
  const app = Fastify()
  await app.register(fastifyStream, { defaultFormat: 'sse', heartbeatMs: 0, retryMs: 100, endEvent: 'fin' })
  app.get('/plugin', (_request, reply) => reply.stream(['a']))
  app.get('/call', (_request, reply) => reply.stream([{ n: 1 }], {
    endEvent: 'bye',
    retryMs: undefined,
    serializer: value => `n=${(value as { n: number }).n}`
  }))
  app.get('/format', (_request, reply) => reply.stream([{ a: '=1', b: 2 }], { format: 'csv', csvInjection: false }))
  app.get('/formats', (_request, reply) => reply.stream([[1, 2]], { formats: ['ndjson', 'csv'] }))
  await app.ready()
  t.teardown(() => app.close())

  const plugin = await app.inject('/plugin')
  t.equal(plugin.body, 'retry: 100\n\ndata: a\n\nevent: fin\ndata:\n\n')
  const call = await app.inject('/call')
  t.equal(call.body, 'retry: 100\n\ndata: n=1\n\nevent: bye\ndata:\n\n', 'undefined per-call values keep the plugin value')
  const csv = await app.inject('/format')
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(csv.body, 'a,b\r\n=1,2\r\n')
  const offered = await app.inject({ url: '/formats', headers: { accept: 'text/csv' } })
  t.equal(offered.body, '1,2\r\n', 'formats per call')
  const fallback = await app.inject('/formats')
  t.equal(fallback.headers['content-type'], 'application/x-ndjson', 'defaultFormat sse is not offered, so the first offered')
  t.match(app.streams, { open: 0, opened: 5, errors: 0 }, 'app.streams counted the five streams')
})

t.test('bad per-call options answer 500 with FST_STREAM_INVALID_OPTION', async t => {
  const app = Fastify()
  await app.register(fastifyStream)
  let sourceRan = false
  const cases: Array<[string, unknown, string]> = [
    ['/heartbeat', { heartbeatMs: -1 }, 'heartbeatMs'],
    ['/format', { format: 'xml' }, 'format'],
    ['/formats-empty', { formats: [] }, 'formats'],
    ['/formats-bad', { formats: ['sse', 'pdf'] }, 'formats'],
    ['/formats-string', { formats: 'sse' }, 'formats'],
    ['/end-event', { endEvent: 'a\r\nb' }, 'endEvent'],
    ['/serializer', { serializer: 5 }, 'serializer'],
    ['/plugin-only', { lastEventIdQuery: 'since' }, 'lastEventIdQuery'],
    ['/plugin-only-max', { maxStreams: 5 }, 'maxStreams'],
    ['/typo', { Format: 'sse' }, 'Format'],
    ['/not-object', 'sse', 'options'],
    ['/null', null, 'options']
  ]
  for (const [url, options] of cases) {
    app.get(url, (_request, reply) => reply.stream(function * () {
      sourceRan = true
      yield 1
    }, options as ReplyStreamOptions))
  }
  await app.ready()
  t.teardown(() => app.close())

  for (const [url, options, name] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, `${url}: 500`)
    t.match(res.headers['content-type'], /^application\/json/, `${url}: a normal JSON error`)
    const body = res.json() as { code: string, message: string }
    t.equal(body.code, 'FST_STREAM_INVALID_OPTION', `${url}: ${JSON.stringify(options)}`)
    t.ok(body.message.startsWith(`fastify-stream: option "${name}" `), `${url}: names ${name}`)
  }
  t.equal(sourceRan, false, 'the source never ran')
})

t.test('the exact call from the brief: reply.stream([1], { heartbeatMs: -1 })', async t => {
  const app = Fastify()
  await app.register(fastifyStream)
  app.get('/', (_request, reply) => reply.stream([1], { heartbeatMs: -1 }))
  t.teardown(() => app.close())
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.match(res.json(), { code: 'FST_STREAM_INVALID_OPTION', message: /option "heartbeatMs"/ })
})

t.test('the plugin is the default and the named export, named for fastify-plugin', async t => {
  t.equal(pluginExports.default, pluginExports.fastifyStream, 'default and named export are the plugin')
  t.equal(typeof fastifyStream, 'function')
  t.equal((fastifyStream as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')], 'fastify-stream', 'fastify-plugin name')
  // Each name is defined once: every entry hands on the same objects.
  t.equal(pluginExports.errors, core.errors, 'the same errors object as the core')
  t.equal(pluginExports.sse, core.sse)
})
