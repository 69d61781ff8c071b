// A resume whose history vanishes while it is being read (the topic's TTL fires, a trim, a
// failover that rolls the stream back) must end in a reset, never in a replay that stops
// short; so must a follower's catch-up after missed notifications. Regression: the replay checked that the cursor existed with one XRANGE and read what
// follows with another, so a history that expired in between replayed nothing and said
// nothing; seen once as a lost event in the historyTtlMs contract test on a loaded machine.
// Here the loss is made to happen at that exact point, on a real redis-server, by a client
// (passed as `client`, as a user passes theirs) whose connections delete the stream right after a read.
import { Redis, type RedisOptions } from 'ioredis'
import t, { type Test } from 'tap'
import { createHub } from '../../lib/hub/create-hub.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { within } from '../helpers/bounded-wait.js'
import { PUBLISH_SCRIPT_FOR_TESTS } from '../helpers/redis-engine.js'
import { dataOf, take } from '../helpers/hub.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

/** Which read to follow with a DEL of the stream: the first XRANGE that starts at `from`. */
const trap: { from: string | undefined, sprung: boolean } = { from: undefined, sprung: false }

/** A connection that deletes the stream right after the trapped read. */
function losingConnection (override: RedisOptions): Redis {
  const redis = new Redis(server.url, override)
  const call = redis.call.bind(redis) as (command: string, ...args: Array<string | number>) => Promise<unknown>
  const trapped = async (command: string, ...args: Array<string | number>): Promise<unknown> => {
    const reply = await call(command, ...args)
    if (command === 'XRANGE' && trap.from !== undefined && args[1] === trap.from) {
      trap.from = undefined
      trap.sprung = true
      await call('DEL', args[0] as string)
    }
    return reply
  }
  redis.call = trapped as typeof redis.call
  return redis
}

// What a user passes as `client`: the adapter makes its three connections with duplicate().
const client = { duplicate: (override?: RedisOptions) => losingConnection(override ?? {}) }
let server: RedisServer
t.before(async () => {
  server = await startRedisServer()
})
t.teardown(() => server.stop())

let prefixes = 0
async function hub (t: Test): Promise<ReturnType<typeof createHub>> {
  const adapter = await createRedisAdapter({ client, keyPrefix: `race${prefixes++}` })
  const made = createHub({ adapter, historySize: 2000 })
  t.teardown(() => made.close())
  return made
}

t.test('the stream vanishes right after the cursor is read: the replay still has what followed it', async t => {
  const made = await hub(t)
  const first = await made.publish('t', 1)
  await made.publish('t', 2)
  trap.from = first
  trap.sprung = false
  const events = await within(take(made.subscribe('t', { lastEventId: first }), 1), 'the replay of the event after the cursor')
  t.ok(trap.sprung, 'the stream was deleted right after the read that found the cursor')
  t.same(dataOf(events), [2], 'the one read that found the cursor also brought what follows it')
})

t.test('the stream vanishes between two pages of a long replay: a reset, not a replay that stops short', async t => {
  const made = await hub(t)
  const first = await made.publish('t', 0)
  for (let i = 1; i <= 700; i++) await made.publish('t', i)
  // Deleted after the first page (the cursor and 500 events), before the second is read.
  trap.from = first
  trap.sprung = false
  const subscription = made.subscribe('t', { lastEventId: first })
  const [event] = await within(take(subscription, 1), 'the first event of the resume')
  t.ok(trap.sprung, 'the stream was deleted between the two pages')
  t.equal(event?.event, 'reset', 'the resume says events were lost')
  t.match(event?.data, { reason: 'unknown', earliest: null })
})

t.test('without a loss, a replay of several pages is whole and in order', async t => {
  const made = await hub(t)
  const first = await made.publish('t', 0)
  for (let i = 1; i <= 1200; i++) await made.publish('t', i)
  const events = await within(take(made.subscribe('t', { lastEventId: first }), 1200), 'a replay of 1,200 events')
  t.same(dataOf(events), Array.from({ length: 1200 }, (_, i) => i + 1))
})

t.test('the stream vanishes between two pages of a follower\'s catch-up: a reset, not a silent jump', async t => {
  const prefix = `race${prefixes++}`
  const adapter = await createRedisAdapter({ client, keyPrefix: prefix })
  const made = createHub({ adapter, historySize: 5000 })
  t.teardown(() => made.close())
  const subscription = made.subscribe('t')
  const seen = await made.publish('t', -1)
  await within(take(subscription, 1), 'the first live event')
  // 1,200 events the follower is not told about (their notification goes to another
  // channel), then one it is: it catches up from the last id it delivered, page by page.
  const writer = new Redis(server.url)
  t.teardown(() => writer.disconnect())
  const keys = [`${prefix}{t}:stream`, `${prefix}{t}:meta`, `${prefix}{t}:meta`, 'nowhere']
  const pipeline = writer.pipeline()
  for (let i = 0; i < 1200; i++) pipeline.eval(PUBLISH_SCRIPT_FOR_TESTS, 4, ...keys, 5000, 60_000, 'unused', '0', 'PUBLISH', 'j', String(i), '')
  await pipeline.exec()
  trap.from = seen
  trap.sprung = false
  await made.publish('t', 1200)
  // The first page is the last delivered id and 511 more; the stream is gone before the next.
  const events = await within(take(subscription, 512), 'the first page of the catch-up and what follows it')
  t.ok(trap.sprung, 'the stream was deleted after the first page')
  t.same(dataOf(events.slice(0, 511)), Array.from({ length: 511 }, (_, i) => i), 'the first page, in order')
  t.equal(events[511]?.event, 'reset', 'then a reset: what came after the first page is gone')
})
