/**
 * Turns whatever `reply.stream()` was given into one iterator, so the pump has a single path
 * for generators, arrays, object-mode Readables, hub subscriptions and factories.
 */
import type { StreamFormat } from '../framing/encoder.js'
import { errors } from '../errors.js'

/** What a source factory receives. */
export interface SourceContext {
  /** The negotiated format. The head is written after the factory runs, so headers that
   * depend on it (a CSV `Content-Disposition`) can still be set from the factory. */
  format: StreamFormat
  /** Aborts when the client goes away or the server shuts down. Pass it to every await. */
  signal: AbortSignal
  /** The client's resume cursor (`Last-Event-ID`), if it sent one. */
  lastEventId: string | undefined
}

/** A factory that builds the source once the stream starts. It may be async. */
export type SourceFactory<T = unknown, C extends SourceContext = SourceContext> =
  (context: C) => AsyncIterable<T> | Iterable<T> | PromiseLike<AsyncIterable<T> | Iterable<T>>

/**
 * Anything `reply.stream()` accepts: an AsyncIterable (including object-mode Readables), a
 * sync Iterable, or a factory returning one.
 */
export type StreamSource<T = unknown, C extends SourceContext = SourceContext> =
  AsyncIterable<T> | Iterable<T> | SourceFactory<T, C>

/** An iterator that may be sync or async; the pump awaits only when it must. */
export type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>

/**
 * Resolves `source` to an iterator, calling a factory with `context` first.
 * @throws FST_STREAM_INVALID_SOURCE when it is not iterable, or whatever a factory throws.
 */
export function openSource (source: unknown, context: SourceContext | undefined): AnyIterator | Promise<AnyIterator> {
  if (typeof source !== 'function') return iteratorOf(source)
  // A factory needs its signal; a caller that made no context cannot stop it.
  if (context === undefined) throw new errors.FST_STREAM_INVALID_SOURCE('a factory, but no context for it')
  const made: unknown = source(context)
  if (isThenable(made)) return Promise.resolve(made).then(iteratorOf)
  return iteratorOf(made)
}

/** True for promises and other thenables. */
export function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}

/**
 * Releases a source that will never be streamed (the request was refused, or was a HEAD), so
 * nothing it holds leaks: a hub subscription leaves its topic, a Readable is destroyed, an
 * iterator is returned. A factory has not run, so it holds nothing yet.
 */
export function discardSource (source: unknown): void {
  if (source === null || typeof source !== 'object') return
  try {
    if (isDestroyable(source)) {
      source.destroy()
      return
    }
    const close = (source as Partial<Iterator<unknown>>).return
    if (typeof close !== 'function') return
    const closed: unknown = close.call(source)
    if (isThenable(closed)) closed.then(undefined, ignore)
  } catch {
    // A return() that throws has nothing left to release.
  }
}

function ignore (): void {}

interface Destroyable {
  destroy: () => unknown
  pipe: unknown
}

function isDestroyable (source: object): source is Destroyable {
  return typeof (source as Destroyable).destroy === 'function' && typeof (source as Destroyable).pipe === 'function'
}

// A Readable's async iterator is an async generator: its return() waits behind a pending
// next(), which never settles on an idle stream. Destroying the stream ends both at once.
function destroyOnReturn (iterator: AsyncIterator<unknown>, readable: Destroyable): AsyncIterator<unknown> {
  const returnLater = iterator.return
  iterator.return = function returnNow (value?: unknown) {
    readable.destroy()
    return returnLater === undefined ? Promise.resolve({ done: true, value }) : returnLater.call(iterator, value)
  }
  return iterator
}

function iteratorOf (source: unknown): AnyIterator {
  if (source !== null && typeof source === 'object') {
    const asyncIterable = source as AsyncIterable<unknown>
    if (typeof asyncIterable[Symbol.asyncIterator] === 'function') {
      const iterator = asyncIterable[Symbol.asyncIterator]()
      return isDestroyable(source) ? destroyOnReturn(iterator, source) : iterator
    }
    const iterable = source as Iterable<unknown>
    if (typeof iterable[Symbol.iterator] === 'function') return iterable[Symbol.iterator]()
  }
  // A string is iterable, but streaming it one character per event is never what was meant.
  throw new errors.FST_STREAM_INVALID_SOURCE(source === null ? 'null' : typeof source)
}
