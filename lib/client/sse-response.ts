/**
 * The events of one SSE response, parsed by `eventsource-parser` (WHATWG HTML §9.2.5/§9.2.6:
 * CR, LF and CRLF line ends, several `data:` lines, one leading space stripped, `retry:`).
 * The plugin's own events are handled here: the end event ends the stream, the error event
 * becomes an error.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { StreamClientError, isStreamErrorCode } from './client-error.js'
import type { SubscriptionEvent } from './event-types.js'
import { readText } from './read-text.js'
import { parseData } from './subscribe-options.js'

// The in-band errors after which the plugin expects the client to come back and resume
// from its cursor: their messages say "reconnect to resume".
const RESUMABLE_CODES = new Set(['FST_STREAM_SHUTDOWN', 'FST_STREAM_LIFETIME_OVER', 'FST_STREAM_SLOW_CONSUMER'])
// The hub's reset event, whose data is always JSON whatever the caller's `parse` does.
const RESET_EVENT = 'reset'

/** What a subscription keeps across its connections. */
export interface SubscriptionState {
  /** The cursor, sent as `Last-Event-ID`; `''` for none. */
  lastEventId: string
  /** The reconnection time: the last `retry:` hint, else the client's default. */
  retryMs: number
}

/** How one response is read. */
export interface SseResponseContext {
  /** The name of the plugin's terminal event, or `false` for none. */
  endEvent: string | false
  /** The name of the plugin's in-band error event. */
  errorEvent: string
  /** Turns data text into `event.data`. */
  parse: (text: string, type: string) => unknown
  /** Aborts the reading. */
  signal: AbortSignal
}

/** An in-band error after which the client should reconnect and resume. */
export class ResumableFault {
  readonly error: StreamClientError
  constructor (error: StreamClientError) {
    this.error = error
  }
}

/**
 * Yields the response's events in order, updating `state` as they come: the cursor on each
 * event with an id, the reconnection time on each `retry:`. Returns `true` when the end event
 * came (the stream is complete), `false` when the body just ended.
 *
 * @throws a {@link ResumableFault} for a resumable in-band error; a {@link StreamClientError}
 *   for any other one (the server's code) or a broken connection; `signal.reason` on abort.
 */
export async function * readSseResponse (body: ReadableStream<Uint8Array>, state: SubscriptionState, context: SseResponseContext): AsyncGenerator<SubscriptionEvent, boolean, undefined> {
  const parsed: EventSourceMessage[] = []
  const parser = createParser({ onEvent: event => { parsed.push(event) }, onRetry: ms => { state.retryMs = ms } })
  for await (const text of readText(body, context.signal)) {
    parser.feed(text)
    // The parser calls back synchronously, so a chunk's events are all here now.
    for (let i = 0; i < parsed.length; i++) {
      // A chunk may hold many events: an abort between two of them ends the reading there,
      // not after the rest of the chunk.
      context.signal.throwIfAborted()
      const event = parsed[i] as EventSourceMessage
      if (event.event === context.endEvent) return true
      if (event.event === context.errorEvent) throw faultOf(event.data)
      // §9.2.6: the cursor moves when an event is dispatched, here as it is handed over, so it
      // never runs ahead of what the caller received. An empty id clears it.
      if (event.id !== undefined) state.lastEventId = event.id
      yield toEvent(event, context.parse)
    }
    parsed.length = 0
  }
  return false
}

function toEvent (message: EventSourceMessage, parse: (text: string, type: string) => unknown): SubscriptionEvent {
  const type = message.event ?? 'message'
  const data = type === RESET_EVENT ? parseData(message.data) : parse(message.data, type)
  return { type, data, text: message.data, id: message.id }
}

function faultOf (data: string): ResumableFault | StreamClientError {
  let fault: { code?: unknown, message?: unknown } | null = null
  try {
    fault = JSON.parse(data)
  } catch {}
  const error = isStreamErrorCode(fault?.code) && typeof fault.message === 'string'
    ? new StreamClientError(fault.code, fault.message)
    : new StreamClientError('FST_STREAM_SOURCE_FAILED', `fastify-stream: the server sent an error event (${data.slice(0, 200)})`)
  return RESUMABLE_CODES.has(error.code) ? new ResumableFault(error) : error
}
