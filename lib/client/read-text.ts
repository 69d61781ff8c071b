/**
 * A response body as text chunks, the one reading loop under both `readNdjson()` and
 * `subscribe()`: UTF-8 decoded across chunk boundaries, cancelled on abort and when the
 * consumer stops early, so the connection is released either way.
 */
import { CLIENT_ERROR_CODES, StreamClientError } from './client-error.js'

/**
 * Yields the body's text, chunk by chunk, then what the decoder still holds.
 *
 * @throws `signal.reason` once `signal` aborts (even while a read is pending: the reader is
 *   cancelled, so a `fetch` that ignores the signal cannot hang it); a
 *   {@link StreamClientError} `FST_STREAM_CLIENT_NETWORK` when the body breaks.
 */
export async function * readText (body: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<string, void, undefined> {
  signal?.throwIfAborted()
  const reader = body.getReader()
  // WHATWG Encoding: with { stream: true } a code point split across two chunks is held
  // back until its last byte arrives, instead of becoming two U+FFFD.
  const decoder = new TextDecoder()
  const cancel = (): void => { reader.cancel(signal?.reason).catch(ignore) }
  signal?.addEventListener('abort', cancel, { once: true })
  let finished = false
  try {
    for (;;) {
      const chunk = await read(reader, signal)
      if (chunk === undefined) break
      const text = decoder.decode(chunk, { stream: true })
      if (text !== '') yield text
    }
    finished = true
    const rest = decoder.decode()
    if (rest !== '') yield rest
  } finally {
    signal?.removeEventListener('abort', cancel)
    // The consumer stopped early (break, return, a throw in its loop): free the connection.
    if (!finished) cancel()
    reader.releaseLock()
  }
}

async function read (reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
  let result: ReadableStreamReadResult<Uint8Array>
  try {
    result = await reader.read()
  } catch (err) {
    signal?.throwIfAborted()
    throw new StreamClientError(CLIENT_ERROR_CODES.NETWORK, 'fastify-stream: the connection broke while the body was being read; retry, or resume from the last item', { cause: err })
  }
  // A cancel() from the abort listener ends a pending read as if the body had ended.
  signal?.throwIfAborted()
  return result.done ? undefined : result.value
}

function ignore (): void {}
