/**
 * What an unusable response means: the error a client reports for a status it cannot stream
 * from, with the server's own code when the body names one.
 */
import { CLIENT_ERROR_CODES, StreamClientError, isStreamErrorCode } from './client-error.js'
import { readText } from './read-text.js'

/**
 * The error for a response the client cannot use: the server's `FST_STREAM_*` code and message
 * when its JSON body has one (Fastify's error handler writes `{ code, message, … }`), else
 * {@link CLIENT_ERROR_CODES}.HTTP_STATUS. Reads (and so consumes) the body.
 *
 * @throws `signal.reason` when `signal` aborts while the body is read.
 */
export async function errorFromResponse (response: Response, signal: AbortSignal | undefined): Promise<StreamClientError> {
  const status = response.status
  let record: { code?: unknown, message?: unknown } | null | undefined
  try {
    let text = ''
    if (response.body !== null) for await (const chunk of readText(response.body, signal)) text += chunk
    record = JSON.parse(text)
  } catch {
    signal?.throwIfAborted()
  }
  if (isStreamErrorCode(record?.code) && typeof record.message === 'string') {
    return new StreamClientError(record.code, record.message, { status })
  }
  return new StreamClientError(CLIENT_ERROR_CODES.HTTP_STATUS, `fastify-stream: the server answered ${status} ${response.statusText}`.trimEnd() + '; check the URL, the method and the credentials', { status })
}
