// An item that a source yields after it really waited (a timer here) is written in the same
// event-loop turn, not after the loop's next turn: a setImmediate that the source schedules
// just before it yields must find the item already written. The budget a stream spent long
// ago (on its head, on a heartbeat) must not hold that item back a turn either. Real sockets,
// through the plugin, for every format.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { listenApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { openStream } from '../helpers/stream-client.js'

// Long enough for every budget taken at the head or a heartbeat to be stale (2 ms).
const WAIT_MS = 30
const FORMATS = ['sse', 'ndjson', 'csv'] as const

for (const format of FORMATS) {
  for (const heartbeatMs of [0, 10]) {
    t.test(`${format}${heartbeatMs > 0 ? ', with heartbeats while the source waits' : ''}: an item after a wait goes out in the same turn`, async t => {
      const seen = deferred<Array<{ before: number, atNextTurn: number }>>()
      const { app, url } = await listenApp(app => {
        app.get('/ticks', (_request, reply) => reply.stream(async function * ({ signal }) {
          const samples: Array<{ before: number, atNextTurn: number }> = []
          for (let i = 0; i < 3; i++) {
            await sleep(WAIT_MS, undefined, { signal })
            const before = app.streams.bytes
            // Scheduled before the item exists: if the stream waits for a turn, this runs first.
            const atNextTurn = nextTurn().then(() => app.streams.bytes)
            yield { i }
            samples.push({ before, atNextTurn: await atNextTurn })
          }
          seen.resolve(samples)
          await sleep(60_000, undefined, { signal })
        }, { format, heartbeatMs }))
      })
      t.teardown(() => app.close())
      const client = await openStream(url + '/ticks')
      const samples = await seen.promise
      for (const [i, { before, atNextTurn }] of samples.entries()) t.ok(atNextTurn > before, `item ${i} was written before the next turn`)
      client.close()
    })
  }
}

t.test('items that come back to back are still joined into one write', async t => {
  let writes = 0
  const { app, url } = await listenApp(app => {
    app.addHook('onRequest', (_request, reply, done) => {
      const write = reply.raw.write
      reply.raw.write = function (this: typeof reply.raw, ...args: Parameters<typeof write>) {
        writes++
        return write.apply(this, args)
      } as typeof write
      done()
    })
    app.get('/burst', (_request, reply) => reply.stream(async function * () {
      await sleep(WAIT_MS)
      // Each await settles at once: the source never really waits between these.
      for (let i = 0; i < 100; i++) yield await Promise.resolve({ i })
    }, { format: 'ndjson' }))
  })
  t.teardown(() => app.close())
  const client = await openStream(url + '/burst')
  await client.ended
  await nextTurn()
  t.equal(client.text.split('\n').filter(Boolean).length, 100, 'every item arrived')
  t.ok(writes <= 3, `the head, the 100 items and the end took ${writes} writes`)
})
