/**
 * The demo's stream limits reach the plugin: `maxStreamsPerClient` (MAX_STREAMS_PER_CLIENT)
 * caps one client address with a 429 over real sockets, while another address still streams.
 */
import { test } from 'tap'
import { listenDemo, openStream } from '../helpers/demo-clients.js'

const SSE = { accept: 'text/event-stream' }

test('a client address over maxStreamsPerClient gets 429; another address still gets its streams', async t => {
  const { app, url } = await listenDemo({ maxStreamsPerClient: 2 })
  t.teardown(() => app.close())
  const monitor = `${url}/api/monitor?intervalMs=100`
  const held = [await openStream(monitor, SSE), await openStream(`${url}/api/users/feed?intervalMs=100`, SSE)]
  for (const reader of held) t.teardown(() => reader.destroy())
  t.same(held.map(reader => reader.status), [200, 200], 'the first two streams of 127.0.0.1 open')

  const refused = await openStream(monitor, SSE)
  t.equal(await refused.finished, 'end', 'the refusal is a complete response, not a stream')
  t.equal(refused.status, 429)
  t.ok(Number(refused.headers['retry-after']) > 0, 'with a Retry-After')
  t.match(JSON.parse(refused.text), { code: 'FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT' })

  const other = await openStream(monitor, SSE, { localAddress: '127.0.0.2' })
  t.teardown(() => other.destroy())
  t.equal(other.status, 200, '127.0.0.2 is another client with its own budget')
  t.same((await other.waitForEvents(1)).map(event => event.event), ['metrics'])
  t.equal(app.streams.open, 3)
})
