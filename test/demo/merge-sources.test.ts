/**
 * mergeSources(): the one source of /api/live. Items leave in the order they are ready, the
 * map runs in send order, return() settles at once even while every source is idle, and a
 * source that fails after the others were returned is no unhandled rejection.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { mapSource, mergeSources } from '../../demo/merge-sources.js'
import { deferred } from '../helpers/deferred.js'

async function * timed (items: Array<[string, number]>): AsyncGenerator<string> {
  for (const [item, ms] of items) {
    await sleep(ms)
    yield item
  }
}

test('items come out in the order they are ready, and the map runs as each leaves', async t => {
  const sent: string[] = []
  const merged = mergeSources([timed([['a1', 5], ['a2', 40]]), timed([['b1', 20], ['b2', 40]])], item => {
    sent.push(item)
    return `${item}@${sent.length}`
  })
  const out: string[] = []
  for await (const item of merged) out.push(item)
  t.same(out, ['a1@1', 'b1@2', 'a2@3', 'b2@4'])
})

test('return() settles at once while every source waits, and returns each of them', async t => {
  const returned: string[] = []
  const idle = (name: string): AsyncIterator<number> & AsyncIterable<number> => ({
    next: () => new Promise(() => {}),
    return: async () => {
      returned.push(name)
      return { done: true, value: undefined }
    },
    [Symbol.asyncIterator] () { return this }
  })
  const merged = mergeSources([idle('a'), idle('b')], item => item)
  const pending = merged.next()
  const result = await merged.return!()
  t.same(result, { done: true, value: undefined })
  t.same(await pending, { done: true, value: undefined }, 'the waiting next() ends too')
  t.same(returned.sort(), ['a', 'b'])
  t.same(await merged.next(), { done: true, value: undefined }, 'and it stays done')
})

test('a failing source rejects next(); one that fails after return() is not unhandled', async t => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

  async function * failing (): AsyncGenerator<string> {
    await sleep(5)
    throw new Error('boom')
  }
  await t.rejects(mergeSources([failing(), timed([['late', 1000]])], item => item).next(), /boom/)

  const late = deferred()
  async function * failsLater (): AsyncGenerator<string> {
    await late.promise
    throw new Error('after return')
  }
  const merged = mergeSources([failsLater()], item => item)
  merged.next().catch(() => {})
  const returning = merged.return!()
  late.resolve()
  await returning
  await sleep(10)
  t.same(unhandled, [])
})

test('mapSource maps as items are pulled and passes return() straight through', async t => {
  let returned = false
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => ({ done: false, value: 2 }),
      return: async () => {
        returned = true
        return { done: true, value: undefined }
      }
    })
  }
  const iterator = mapSource(source, value => value * 10)[Symbol.asyncIterator]()
  t.same(await iterator.next(), { done: false, value: 20 })
  t.same(await iterator.return!(), { done: true, value: undefined })
  t.ok(returned)
  const ended = mapSource((async function * () {})(), value => value)[Symbol.asyncIterator]()
  t.same(await ended.next(), { done: true, value: undefined })
})
