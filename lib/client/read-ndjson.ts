/**
 * `readNdjson()`: an NDJSON response as an async iterable of parsed items, for the plugin's
 * `application/x-ndjson` streams or any other (ndjson-spec 1.0, JSON Lines).
 */
import { CLIENT_ERROR_CODES, StreamClientError, isStreamErrorCode } from './client-error.js'
import { readText } from './read-text.js'
import { errorFromResponse } from './response-error.js'

// Marks a blank line, which is not an item.
const SKIP = Symbol('blank line')

/** What {@link readNdjson} reads: a `Response` (or a promise of one, as `fetch()` returns) or a body. */
export type NdjsonInput = Response | PromiseLike<Response> | ReadableStream<Uint8Array>

/** Options of {@link readNdjson}. */
export interface ReadNdjsonOptions {
  /**
   * Stops the reading: the body is cancelled and the iteration throws `signal.reason`. Pass
   * the same signal to `fetch()` to also abort a request that has no answer yet.
   */
  signal?: AbortSignal | undefined
}

/**
 * Reads NDJSON items one by one as they arrive. Lines may end in `\n` or `\r\n`; the last
 * line needs no newline; blank lines are skipped. Breaking out of the loop cancels the body.
 * `T` is what the caller expects each item to be: it is not checked at run time.
 *
 * @example for await (const user of readNdjson(fetch('/users', { headers: { accept: 'application/x-ndjson' } }))) show(user)
 * @throws a {@link StreamClientError}: the server's code (`FST_STREAM_SOURCE_FAILED`,
 *   `FST_STREAM_SHUTDOWN`, …) for the plugin's in-band error record `{"error":{"code","message"}}`,
 *   or for an error response with such a code; `FST_STREAM_CLIENT_HTTP_STATUS` for another
 *   non-2xx response; `FST_STREAM_CLIENT_INVALID_JSON` for a line that is not JSON;
 *   `FST_STREAM_CLIENT_NETWORK` when the connection breaks. `signal.reason` on abort.
 */
export async function * readNdjson<T = unknown> (input: NdjsonInput, options: ReadNdjsonOptions = {}): AsyncGenerator<T, void, undefined> {
  const { signal } = options
  signal?.throwIfAborted()
  const body = await bodyOf(await input, signal)
  if (body === null) return
  // The start of a line whose end has not arrived yet. Only new text is searched for the
  // newline, so a long line delivered in many small chunks costs linear time.
  let partial = ''
  let line = 0
  for await (const text of readText(body, signal)) {
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const item = parseLine(partial + text.slice(start, end), ++line)
      partial = ''
      start = end + 1
      if (item === SKIP) continue
      // A chunk may hold many lines: an abort between two of them ends the loop there, not
      // after the rest of the chunk.
      signal?.throwIfAborted()
      yield item as T
    }
    partial += text.slice(start)
  }
  const last = parseLine(partial, ++line)
  if (last !== SKIP) yield last as T
}

async function bodyOf (input: Response | ReadableStream<Uint8Array>, signal: AbortSignal | undefined): Promise<ReadableStream<Uint8Array> | null> {
  // By shape, not instanceof: undici's own fetch() makes Responses of another class than the
  // global one.
  if (typeof (input as ReadableStream).getReader === 'function') return input as ReadableStream<Uint8Array>
  const response = input as Response
  if (!response.ok) throw await errorFromResponse(response, signal)
  return response.body
}

function parseLine (raw: string, line: number): unknown {
  // CRLF line ends (Windows tools, some proxies) leave a CR that is not part of the JSON.
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
  if (text.trim() === '') return SKIP
  let item: unknown
  try {
    item = JSON.parse(text)
  } catch (err) {
    throw new StreamClientError(CLIENT_ERROR_CODES.INVALID_JSON, `fastify-stream: NDJSON line ${line} is not JSON (${(err as Error).message}); is the server sending NDJSON? Ask for it with Accept: application/x-ndjson`, { cause: err })
  }
  const fault = faultOf(item)
  if (fault !== undefined) throw fault
  return item
}

/** The plugin's in-band error record, written as `{"error":{"code":"FST_STREAM_…","message":"…"}}`. */
function faultOf (item: unknown): StreamClientError | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const keys = Object.keys(item)
  const error = (item as { error?: { code?: unknown, message?: unknown } }).error
  if (keys.length !== 1 || typeof error !== 'object' || error === null) return undefined
  if (!isStreamErrorCode(error.code) || typeof error.message !== 'string') return undefined
  return new StreamClientError(error.code, error.message)
}
