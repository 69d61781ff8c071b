/**
 * The `reset` event: what a resuming subscriber gets instead of a replay when its cursor is
 * not in the retained history. Loss is never silent: the client learns that
 * it missed events and can reload its state, as Mercure signals a history that no longer
 * reaches back.
 */
import { SseEvent } from '../framing/sse-event.js'
import type { ResetData } from './reset-data.js'

/** The SSE event name of a reset. */
export const RESET_EVENT = 'reset'

/**
 * Builds a reset event. Its id is the position live delivery continues from, so a client
 * that reconnects after it resumes from there instead of being reset again; `''` when the
 * topic has no events yet (WHATWG HTML §9.2.6: an empty id clears the client's cursor).
 */
export function resetEvent (data: ResetData, position: string | undefined): SseEvent {
  return new SseEvent({ event: RESET_EVENT, id: position ?? '', data: { reason: data.reason, earliest: data.earliest } })
}
