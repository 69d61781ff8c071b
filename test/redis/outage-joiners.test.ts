// Subscribers who join a topic while Redis is frozen (SIGSTOP) or down (SIGKILL, restarted
// with and without persistence), on an instance that does not follow that topic yet: each
// gets every event acknowledged after it joined, in order and once, with no reset needed.
// Instance A serves the joiners, B holds a subscriber of the topic from before the fault,
// and P publishes. A reconnects more slowly than P, as instances of one app do, so P has
// published (and been acknowledged) before A's first read of the topic reaches Redis.
import type { FastifyInstance } from 'fastify'
import { setTimeout } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { RedisConnection } from '../../lib/hub/redis/connection.js'
import { topicKeys } from '../../lib/hub/redis/keys.js'
import { readStart, RedisClock, START_COMMAND } from '../../lib/hub/redis/start.js'
import { type Hub } from '../../plugin/index.js'
import { createHub } from '../../lib/hub/create-hub.js'
import { createRedisAdapter } from '../../lib/hub/redis/adapter.js'
import { listenApp } from '../helpers/app.js'
import { within } from '../helpers/bounded-wait.js'
import { dataOf, recordingLogger, take } from '../helpers/hub.js'
import { logLines, type LogLines } from '../helpers/log-lines.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { parseSse } from '../helpers/sse-parse.js'
import { openStream, type StreamClient } from '../helpers/stream-client.js'

const ROUNDS = 3
const JOINERS = 5
// Publishes acknowledged after the fault before a round is judged.
const AFTER_FAULT = 30
// Concurrent publish loops: several publishes wait in Redis's input while it is frozen.
const PUBLISHERS = 3
const WAIT_MS = 20_000
// How long Redis stays away after the joiners joined: the fault's length, as an operator
// would see it (and far beyond the ~20 ms after which a read counts as held up).
const OUTAGE_MS = 300
const SSE = { accept: 'text/event-stream' }

interface Fault {
  name: string
  appendonly: boolean
  /** Frozen rather than down: publishes sent meanwhile wait in Redis's input. */
  frozen: boolean
  /** Takes Redis away; resolves once A noticed (a kill) or it is frozen. */
  begin (server: RedisServer, log: LogLines): Promise<void>
  /** Brings Redis back; resolves once A listens for announcements again. */
  end (server: RedisServer, log: LogLines): Promise<void>
}

const FAULTS: Fault[] = [
  { name: 'SIGKILL, restarted without persistence', appendonly: false, frozen: false, begin: kill, end: restart },
  { name: 'SIGKILL, restarted from its append-only file', appendonly: true, frozen: false, begin: kill, end: restart },
  { name: 'SIGSTOP, then SIGCONT', appendonly: false, frozen: true, begin: server => server.pause(), end: async server => server.resume() }
]

async function kill (server: RedisServer, log: LogLines): Promise<void> {
  const from = log.records.length
  await server.kill()
  await log.waitFor('Redis connection lost', from)
}

async function restart (server: RedisServer, log: LogLines): Promise<void> {
  const from = log.records.length
  await server.start()
  // A reconnects after P has published: A's first read of the topic comes late, and the
  // events published after it must reach the joiners live.
  await log.waitFor('Redis pub/sub reconnected', from)
}

/** One acknowledged publish: its sequence number, and when the publisher learnt its id. */
interface Ack { seq: number, at: number }

/** PUBLISHERS loops publishing 1, 2, 3, … to `topic` until stopped; a failure is retried. */
class Publisher {
  readonly acked: Ack[] = []
  /** Publishes sent and not answered yet. */
  pending = 0
  private seq = 0
  private running = true
  private readonly loops: Array<Promise<void>>
  private readonly waiters: Array<{ ready: () => boolean, resolve: () => void }> = []

  constructor (private readonly hub: Hub, private readonly topic: string) {
    this.loops = Array.from({ length: PUBLISHERS }, () => this.loop())
  }

  /** Resolves once `ready()` holds, checked after every publish sent or acknowledged. */
  when (what: string, ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve()
    return within(new Promise(resolve => this.waiters.push({ ready, resolve })), what, WAIT_MS)
  }

  async stop (): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  private async loop (): Promise<void> {
    while (this.running) {
      const seq = ++this.seq
      this.pending++
      this.changed()
      try {
        await this.hub.publish(this.topic, seq)
        this.acked.push({ seq, at: performance.now() })
      } catch {}
      this.pending--
      this.changed()
      // A publisher's own pace, not a wait for a state.
      await setTimeout(2)
    }
  }

  private changed (): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!
      if (waiter.ready()) {
        this.waiters.splice(i, 1)
        waiter.resolve()
      }
    }
  }
}

function topicRoutes (app: FastifyInstance): void {
  app.get<{ Params: { topic: string } }>('/topics/:topic', (request, reply) =>
    reply.stream(app.hub.subscribe(request.params.topic, { lastEventId: request.lastEventId })))
}

async function instance (t: Test, url: string, retryMs: number, log: LogLines): Promise<string> {
  const adapter = await createRedisAdapter({ url, keyPrefix: 'joiners:', redisOptions: { retryStrategy: () => retryMs } })
  const { app, url: base } = await listenApp(topicRoutes, { hub: { adapter }, heartbeatMs: 0 }, { logger: { level: 'info', stream: log } })
  t.teardown(() => app.close())
  return base + '/topics/'
}

/** The sequence numbers a stream delivered, their ids, and its resets. */
function received (text: string): { seqs: number[], ids: string[], resets: number } {
  const events = parseSse(text)
  const messages = events.filter(event => event.event === undefined)
  return {
    seqs: messages.map(event => Number(event.data)),
    ids: messages.map(event => event.id as string),
    resets: events.filter(event => event.event === 'reset').length
  }
}

/** True when the stream ids (`<ms>-<seq>`) strictly increase. */
function increasing (ids: string[]): boolean {
  const numbers = ids.map(id => id.split('-').map(BigInt) as [bigint, bigint])
  return numbers.every((id, i) => i === 0 || id[0] > numbers[i - 1]![0] || (id[0] === numbers[i - 1]![0] && id[1] > numbers[i - 1]![1]))
}

/** Resolves once `client` has received the event with sequence number `seq`. */
function hasReceived (client: StreamClient, seq: number, who: string): Promise<string> {
  return within(client.waitFor(text => received(text).seqs.includes(seq)), `${who} has event ${seq}`, WAIT_MS)
}

for (const fault of FAULTS) {
  t.test(`joiners during ${fault.name} miss nothing acknowledged after they joined`, async t => {
    const server = await startRedisServer({ appendonly: fault.appendonly })
    t.teardown(() => server.stop())
    const logA = logLines()
    const a = await instance(t, server.url, 300, logA)
    const b = await instance(t, server.url, 20, logLines())
    const p = createHub({ adapter: await createRedisAdapter({ url: server.url, keyPrefix: 'joiners:', publishTimeoutMs: 10_000, redisOptions: { retryStrategy: () => 20 } }) })
    t.teardown(() => p.close())

    for (let round = 1; round <= ROUNDS; round++) {
      const topic = `cold-${round}`
      const control = await openStream(b + topic, SSE)
      const publisher = new Publisher(p, topic)
      await publisher.when('the topic has history', () => publisher.acked.length >= 5)

      await fault.begin(server, logA)
      const joined: Array<{ client: StreamClient, at: number }> = []
      for (let i = 0; i < JOINERS; i++) {
        const client = await openStream(a + topic, SSE)
        joined.push({ client, at: performance.now() })
      }
      // Frozen, Redis holds the publishes sent meanwhile and runs them when it is continued;
      // down, it refuses them until it is back.
      if (fault.frozen) await publisher.when('every loop waits for Redis', () => publisher.pending === PUBLISHERS)
      await setTimeout(OUTAGE_MS)
      await fault.end(server, logA)
      const acked = publisher.acked.length
      await publisher.when(`${AFTER_FAULT} publishes are acknowledged after the fault`, () => publisher.acked.length >= acked + AFTER_FAULT)
      await publisher.stop()

      const newest = Math.max(...publisher.acked.map(ack => ack.seq))
      for (const [index, { client, at }] of joined.entries()) {
        const { seqs, ids, resets } = received(await hasReceived(client, newest, `joiner ${index}`))
        const expected = publisher.acked.filter(ack => ack.at > at).map(ack => ack.seq)
        const missed = expected.filter(seq => !seqs.includes(seq))
        t.same(missed, [], `round ${round}, joiner ${index}: nothing acknowledged after it joined is missing (${expected.length} expected)`)
        t.equal(new Set(seqs).size, seqs.length, `round ${round}, joiner ${index}: no event twice`)
        t.ok(increasing(ids), `round ${round}, joiner ${index}: in id order`)
        t.equal(resets, 0, `round ${round}, joiner ${index}: no reset was needed`)
        client.close()
      }
      const { seqs, ids } = received(await hasReceived(control, newest, 'the control subscriber'))
      t.equal(new Set(seqs).size, seqs.length, `round ${round}: the control subscriber got no event twice`)
      t.ok(increasing(ids), `round ${round}: the control subscriber's events are in id order`)
      control.close()
    }
  })
}

t.test('a joiner whose first events were trimmed away before Redis answered gets a reset, then the rest', async t => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  const log = recordingLogger()
  const a = createHub({ logger: log, adapter: await createRedisAdapter({ url: server.url, keyPrefix: 'trim:', redisOptions: { retryStrategy: () => 300 } }) })
  // A short history: Redis trims whole nodes of 100 entries, so 400 events keep at most 200.
  const p = createHub({ historySize: 100, adapter: await createRedisAdapter({ url: server.url, keyPrefix: 'trim:', redisOptions: { retryStrategy: () => 20 } }) })
  t.teardown(() => Promise.all([a.close(), p.close()]))
  await server.kill()
  await log.waitFor('Redis connection lost')
  const joiner = a.subscribe('t')
  const from = log.lines.length
  await server.start()
  await within((async () => {
    for (;;) {
      try {
        await p.publish('t', 1)
        return
      } catch {}
      await setTimeout(20)
    }
  })(), 'P publishes again', WAIT_MS)
  for (let i = 2; i <= 400; i++) await p.publish('t', i)
  await within(log.waitFor('Redis pub/sub reconnected', from), 'A is back', WAIT_MS)
  const [reset, ...rest] = await within(take(joiner, 2), 'the joiner hears of it', WAIT_MS)
  t.equal(reset!.event, 'reset', 'the loss is said first')
  const data = reset!.data as { reason: string, earliest: string }
  t.equal(data.reason, 'expired')
  t.equal(rest[0]!.id, data.earliest, 'delivery goes on from the earliest event the stream still holds')
  t.ok(Number(rest[0]!.data) > 1, 'which is not the first one')
  const tail = await within(take(joiner, 400 - Number(rest[0]!.data)), 'the joiner reaches the newest event', WAIT_MS)
  t.same(dataOf(tail), Array.from({ length: tail.length }, (_, i) => Number(rest[0]!.data) + 1 + i), 'then every later event, in order')
})

t.test('a joiner of an idle topic during an outage starts after its last event, not before', async t => {
  const server = await startRedisServer({ appendonly: true })
  t.teardown(() => server.stop())
  const log = recordingLogger()
  const a = createHub({ logger: log, adapter: await createRedisAdapter({ url: server.url, keyPrefix: 'idle:', redisOptions: { retryStrategy: () => 50 } }) })
  t.teardown(() => a.close())
  for (let i = 1; i <= 3; i++) await a.publish('t', i)
  await server.kill()
  await log.waitFor('Redis connection lost')
  // A gap in time, not a wait for a condition: the join is placed from a lower bound of
  // Redis's clock (start.ts), which a reply delayed by a busy event loop lowers further; an
  // event published within that error of the join may be delivered to it (early, never
  // lost). 150 ms is well past the ~55 ms a starved CI machine has shown.
  await setTimeout(150)
  const joiner = a.subscribe('t')
  const from = log.lines.length
  await server.start()
  await within(log.waitFor('Redis connection ready', from), 'A is back', WAIT_MS)
  // The late read finds only events from before the join: the position is exactly the last.
  const probe = a.subscribe('t', { lastEventId: 'x' })
  await within(probe.next(), 'the position is known', WAIT_MS)
  await probe.return()
  await a.publish('t', 4)
  t.same(dataOf(await within(take(joiner, 1), 'the joiner gets the new event', WAIT_MS)), [4], 'the events from before the outage are not news')
})

t.test('Redis\'s clock: the best recent sample wins, an old one is replaced, a dropped link forgets', async t => {
  const clock = new RedisClock()
  t.equal(clock.sample('100', '500000', 50), 100_500, 'TIME is read as ms')
  t.equal(clock.redisTimeAt(60), 100_510, 'offset 100,450 ms from the first sample')
  clock.sample('100', '600000', 152)
  t.equal(clock.redisTimeAt(60), 100_510, 'a slower reply (a lower bound further off) does not replace it')
  clock.sample('100', '700000', 248)
  t.equal(clock.redisTimeAt(60), 100_512, 'a tighter one does')
  clock.sample('200', '0', 20_000)
  t.equal(clock.redisTimeAt(20_000), 200_000, 'a sample older than 10 s is replaced by any new one')
  clock.forget()
  clock.sample('300', '0', 20_100)
  t.equal(clock.redisTimeAt(20_100), 300_000, 'after forget() the next sample counts whatever it says')
})

t.test('on Redis before 7 (no entries-added), a full history counts as trimmed', async t => {
  const replies: Array<Array<string | number | null>> = []
  const connection = { [START_COMMAND]: () => Promise.resolve(replies.shift()) } as unknown as RedisConnection
  // Joined at local 0, when Redis's clock read 1,000,000 ms.
  const clock = { sample: (seconds: unknown, micros: unknown) => Number(seconds) * 1000 + Number(micros) / 1000, redisTimeAt: (local: number) => 1_000_000 + local }
  const reader = { publisher: connection, query: connection, clock, historySize: 100 }
  const keys = topicKeys('p:', 't')
  // Redis ran the read at 1,000,500 ms, 500 ms late.
  replies.push(['e', '1000400-0', '1000', '500000'], ['e', null, null, 150])
  t.same(await readStart(reader, keys, 0), { epoch: 'e', last: '999999-18446744073709551615' }, 'full: start before the join, so catch-up reports the loss')
  replies.push(['e', '1000400-0', '1000', '500000'], ['e', null, null, 40])
  t.same(await readStart(reader, keys, 0), { epoch: 'e', last: undefined }, 'not full: the whole stream came after the join')
  const refusing = { [START_COMMAND]: () => Promise.reject(new Error('WRONGTYPE')) } as unknown as RedisConnection
  t.same(await readStart({ ...reader, publisher: refusing, query: refusing }, keys, 0), { epoch: undefined, last: undefined }, 'a refused read starts from the stream')
})
