// The per-topic Redis reader's lifecycle with stand-in connections: stopping while its first
// position query is in flight, and stopping twice.
import t from 'tap'
import { TopicReader, type RedisConnection } from '../lib/hub/redis-reader.js'
import { deferred } from './helpers/deferred.js'
import type { HubAdapterContext } from '../lib/index.js'

/** A connection whose every command waits for the test to answer it. */
function standIn (status = 'ready'): RedisConnection & { answer: (reply: unknown) => void, commands: string[], disconnected: number } {
  let pending = deferred<unknown>()
  const connection = {
    status,
    commands: [] as string[],
    disconnected: 0,
    call (command: string) {
      connection.commands.push(command)
      return pending.promise
    },
    answer (reply: unknown) {
      const answered = pending
      pending = deferred<unknown>()
      answered.resolve(reply)
    },
    on () { return connection },
    once () { return connection },
    removeListener () { return connection },
    disconnect () { connection.disconnected++ },
    quit: async () => 'OK'
  }
  return connection
}

const context: HubAdapterContext = {
  historySize: 10,
  historyTtlMs: 60_000,
  reset: () => {},
  prepare: () => { throw new Error('nothing is read in these tests') },
  deliver: () => { throw new Error('nothing is read in these tests') },
  log: { info () {}, warn () {}, error () {} }
}

t.test('a reader stopped while its position query is in flight ends without reading', async t => {
  const publisher = standIn()
  const query = standIn()
  const connection = standIn()
  const reader = new TopicReader('t', { key: 'k', connection, publisher, query, context, blockMs: 10, readCount: 1 })
  t.same(publisher.commands, ['XREVRANGE'], 'the first position query goes on the publisher, in order with publishes')
  reader.stop()
  reader.stop()
  t.equal(connection.disconnected, 1, 'stop is idempotent')
  t.equal(await reader.started, undefined)
  publisher.answer([['1-1', []]])
  await new Promise(resolve => setImmediate(resolve))
  t.same(connection.commands, [], 'no XREAD after stop')
  t.equal(reader.begun, false)
})

t.test('with the publisher down, the position query waits on the query connection', async t => {
  const publisher = standIn('reconnecting')
  const query = standIn()
  const connection = standIn()
  const reader = new TopicReader('t', { key: 'k', connection, publisher, query, context, blockMs: 10, readCount: 1 })
  t.same(publisher.commands, [])
  t.same(query.commands, ['XREVRANGE'])
  query.answer([])
  t.equal(await reader.started, undefined, 'an empty stream: live from its first event')
  await new Promise(resolve => setImmediate(resolve))
  t.same(connection.commands, ['XREAD'])
  reader.stop()
})
