// openSource: every kind of source reply.stream() accepts becomes one iterator.
import { Readable } from 'node:stream'
import t from 'tap'
import { isThenable, openSource, type AnyIterator, type SourceContext } from '../../lib/write-path/source.js'

function context (): SourceContext {
  return { signal: new AbortController().signal, lastEventId: '3', format: 'sse' }
}

/** Drains an iterator, sync or async, awaiting only what needs it. */
async function drain (iterator: AnyIterator | Promise<AnyIterator>): Promise<unknown[]> {
  const it = await iterator
  const items: unknown[] = []
  for (;;) {
    const result = await it.next()
    if (result.done === true) return items
    items.push(result.value)
  }
}

t.test('iterables', async t => {
  const fromArray = openSource([1, 2, 3], context())
  t.notOk(isThenable(fromArray), 'an array opens synchronously')
  t.same(await drain(fromArray), [1, 2, 3], 'array')
  t.same(await drain(openSource(new Set(['a', 'b']), context())), ['a', 'b'], 'Set')
  t.same(await drain(openSource(new Map([['k', 1]]), context())), [['k', 1]], 'Map entries')
  t.same(await drain(openSource([], context())), [], 'empty array')

  function * generate (): Generator<number> {
    yield 1
    yield 2
  }
  const generator = generate()
  const opened = openSource(generator, context())
  t.equal(opened, generator, 'a generator is its own iterator')
  t.same(await drain(opened), [1, 2])

  async function * generateAsync (): AsyncGenerator<string> {
    yield 'x'
    yield 'y'
  }
  t.same(await drain(openSource(generateAsync(), context())), ['x', 'y'], 'async generator')
})

t.test('object-mode Readable', async t => {
  const readable = Readable.from([{ a: 1 }, { a: 2 }], { objectMode: true })
  const opened = openSource(readable, context())
  t.notOk(isThenable(opened))
  t.same(await drain(opened), [{ a: 1 }, { a: 2 }])
})

t.test('return() on a Readable destroys it, even while next() waits', async t => {
  const idle = new Readable({ objectMode: true, read () {} })
  const iterator = openSource(idle, context()) as AsyncIterator<unknown>
  const pending = iterator.next()
  const returned = await iterator.return?.('bye')
  t.equal(idle.destroyed, true, 'the stream is destroyed')
  t.match(returned, { done: true }, 'return() settles')
  // Node rejects the waiting next() with ERR_STREAM_PREMATURE_CLOSE; what matters is that it settles.
  t.equal(await pending.then(() => 'settled', () => 'settled'), 'settled', 'the waiting next() settles too')

  // A Readable-like source whose iterator has no return() of its own.
  let destroyed = 0
  const bare = {
    pipe () {},
    destroy () { destroyed++ },
    [Symbol.asyncIterator] () {
      return { next: async () => ({ done: false, value: 1 }) }
    }
  }
  const wrapped = openSource(bare, context()) as AsyncIterator<unknown>
  t.same(await wrapped.return?.('v'), { done: true, value: 'v' }, 'a synthetic result')
  t.equal(destroyed, 1, 'destroy() called once')

  // Plain async iterables are left alone.
  const plain = { [Symbol.asyncIterator] () { return { next: async () => ({ done: true, value: undefined }) } } }
  t.equal((openSource(plain, context()) as AsyncIterator<unknown>).return, undefined, 'no return() added')
})

t.test('async iteration is preferred when both protocols exist', async t => {
  const both = {
    * [Symbol.iterator] () { yield 'sync' },
    async * [Symbol.asyncIterator] () { yield 'async' }
  }
  t.same(await drain(openSource(both, context())), ['async'])
})

t.test('factories receive the context', async t => {
  const ctx = context()
  let received: SourceContext | undefined
  const sync = openSource((c: SourceContext) => {
    received = c
    return [c.lastEventId]
  }, ctx)
  t.equal(received, ctx, 'called with the context object itself')
  t.notOk(isThenable(sync), 'a sync factory opens synchronously')
  t.same(await drain(sync), ['3'])

  const generatorFactory = openSource(function * ({ lastEventId }: SourceContext) { yield Number(lastEventId) + 1 }, ctx)
  t.same(await drain(generatorFactory), [4], 'a generator function is a factory')

  const asyncGeneratorFactory = openSource(async function * ({ signal }: SourceContext) { yield signal.aborted }, ctx)
  t.same(await drain(asyncGeneratorFactory), [false], 'an async generator function is a factory')

  const asyncFactory = openSource(async () => [7, 8], ctx)
  t.ok(asyncFactory instanceof Promise, 'an async factory yields a promise')
  t.same(await drain(asyncFactory), [7, 8])

  const thenable = openSource(() => ({ then (resolve: (value: unknown) => void) { resolve(['t']) } }), ctx)
  t.ok(isThenable(thenable), 'any thenable is awaited')
  t.same(await drain(thenable), ['t'])
})

t.test('invalid sources → FST_STREAM_INVALID_SOURCE', async t => {
  const invalid: Array<[unknown, string]> = [
    ['a string', 'string'],
    ['', 'string'],
    [42, 'number'],
    [null, 'null'],
    [undefined, 'undefined'],
    [true, 'boolean'],
    [{}, 'object'],
    [{ [Symbol.iterator]: 1 }, 'object'],
    [Symbol('s'), 'symbol'],
    [1n, 'bigint']
  ]
  for (const [source, kind] of invalid) {
    t.throws(() => openSource(source, context()), {
      code: 'FST_STREAM_INVALID_SOURCE',
      statusCode: 500,
      message: new RegExp(`got ${kind}$`)
    }, `${String(kind)} source`)
  }
  t.throws(() => openSource(() => 'abc', context()), { code: 'FST_STREAM_INVALID_SOURCE', message: /got string$/ }, 'factory returning a string')
  t.throws(() => openSource(() => null, context()), { code: 'FST_STREAM_INVALID_SOURCE', message: /got null$/ }, 'factory returning null')
  await t.rejects(openSource(async () => 5, context()) as Promise<AnyIterator>, { code: 'FST_STREAM_INVALID_SOURCE', message: /got number$/ }, 'async factory resolving to a number')
})

t.test('factory failures propagate unchanged', async t => {
  const boom = new Error('boom')
  t.throws(() => openSource(() => { throw boom }, context()), boom, 'sync throw')
  await t.rejects(openSource(async () => { throw boom }, context()) as Promise<AnyIterator>, boom, 'async rejection')
})

t.test('isThenable', async t => {
  t.ok(isThenable(Promise.resolve()))
  t.ok(isThenable({ then () {} }))
  t.notOk(isThenable({ then: 1 }))
  t.notOk(isThenable(null))
  t.notOk(isThenable(undefined))
  t.notOk(isThenable([1]))
})

t.test('a factory given no context is refused: nothing could stop it', async t => {
  t.throws(() => openSource(() => [], undefined), { code: 'FST_STREAM_INVALID_SOURCE', message: /no context/ })
})
