/**
 * The `reset` event: what a resuming subscriber gets instead of a replay when its cursor is
 * not in the retained history. Loss is never silent: the client learns that
 * it missed events and can reload its state, as Mercure signals a history that no longer
 * reaches back.
 */
import { libraryEvent, type SseEvent } from '../framing/sse-event.js'
import type { ResetData } from './reset-data.js'

/** A `reset` event as a subscription yields it. */
export type ResetEvent = SseEvent<ResetData, typeof RESET_EVENT>

/** The SSE event name of a reset. */
export const RESET_EVENT = 'reset' as const

/**
 * Builds a reset event. Its id is the position live delivery continues from, so a client
 * that reconnects after it resumes from there instead of being reset again; `''` when the
 * topic has no events yet (WHATWG HTML §9.2.6: an empty id clears the client's cursor).
 */
export function resetEvent (data: ResetData, position: string | undefined): ResetEvent {
  // A library event: a route's item schema or serializer describes the app's items, not this.
  return libraryEvent({ event: RESET_EVENT, id: position ?? '', data: { reason: data.reason, earliest: data.earliest } })
}
