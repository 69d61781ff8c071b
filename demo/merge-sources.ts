/**
 * Several async iterables as one: items come out in the order they are ready. It is the
 * source of the multiplexed `/api/live` stream, which carries the monitor, the user feed and
 * the chat over one connection.
 */

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * Merges `sources`, passing every item through `map` as it leaves, so a value that depends
 * on what was sent before (a cursor made of every part's last id) is computed in send order.
 *
 * Each source has at most one `next()` outstanding, so a consumer that stops pulling (a full
 * socket) stops them all. The merged iterator ends when every source has, and rejects with
 * the first error a source throws. `return()` settles at once, even while waiting, and
 * returns every source.
 */
export function mergeSources<T, U> (sources: ReadonlyArray<AsyncIterable<T>>, map: (item: T) => U): AsyncIterableIterator<U> {
  return new MergedSources(sources.map(source => source[Symbol.asyncIterator]()), map)
}

/**
 * `source` with every item passed through `map` as it is pulled. Not a generator, so
 * `return()` goes straight to the source instead of waiting behind a pending `next()`.
 */
export function mapSource<T, U> (source: AsyncIterable<T>, map: (item: T) => U): AsyncIterable<U> {
  return {
    [Symbol.asyncIterator] () {
      const iterator = source[Symbol.asyncIterator]()
      return {
        next: () => iterator.next().then(result => result.done === true ? DONE : { done: false, value: map(result.value) }),
        return: () => Promise.resolve(iterator.return?.()).then(() => DONE)
      }
    }
  }
}

interface Pull<T> {
  index: number
  result: IteratorResult<T>
}

class MergedSources<T, U> implements AsyncIterableIterator<U> {
  private readonly iterators: Array<AsyncIterator<T>>
  private readonly map: (item: T) => U
  private readonly pending = new Map<number, Promise<Pull<T>>>()
  private closed = false
  // Settles a next() that is waiting when return() comes.
  private interrupt: ((result: IteratorResult<U>) => void) | undefined = undefined

  constructor (iterators: Array<AsyncIterator<T>>, map: (item: T) => U) {
    this.iterators = iterators
    this.map = map
    iterators.forEach((_, index) => this.pull(index))
  }

  [Symbol.asyncIterator] (): this {
    return this
  }

  async next (): Promise<IteratorResult<U>> {
    while (!this.closed && this.pending.size > 0) {
      const stopped = new Promise<IteratorResult<U>>(resolve => { this.interrupt = resolve })
      const ready = await Promise.race([stopped, ...this.pending.values()])
      this.interrupt = undefined
      if (!('index' in ready)) return ready
      this.pending.delete(ready.index)
      if (ready.result.done === true) continue
      this.pull(ready.index)
      return { done: false, value: this.map(ready.result.value) }
    }
    return DONE
  }

  async return (): Promise<IteratorResult<U>> {
    if (!this.closed) {
      this.closed = true
      this.interrupt?.(DONE)
      this.pending.clear()
      await Promise.allSettled(this.iterators.map(iterator => iterator.return?.()))
    }
    return DONE
  }

  private pull (index: number): void {
    const iterator = this.iterators[index] as AsyncIterator<T>
    const pull = iterator.next().then(result => ({ index, result }))
    // A source still pulling when another fails, or when return() comes, may reject later
    // (an aborted sleep) with nobody awaiting it: that is not an unhandled rejection.
    pull.catch(noop)
    this.pending.set(index, pull)
  }
}

function noop (): void {}
