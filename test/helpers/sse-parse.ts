/**
 * Decodes SSE text with eventsource-parser, the independent decoder the suite uses as oracle.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** Every complete event in `text`, as a browser's EventSource would dispatch it. */
export function parseSse (text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = []
  const parser = createParser({ onEvent: event => { events.push(event) } })
  parser.feed(text)
  return events
}

/** The events of `text` that are not the hub's `reset` or the stream's end/error events. */
export function messagesOf (text: string): EventSourceMessage[] {
  return parseSse(text).filter(event => event.event === undefined)
}
