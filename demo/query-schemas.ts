/**
 * The query parameters the demo's routes share. The integer ones are bounds for
 * `integerQuery()`, which refuses anything but plain digits in range with a 400 that names the
 * parameter and its bounds; `lastEventId` is a JSON schema.
 */
import type { IntegerBounds } from './integer-query.js'

/** Most users one feed or export may ask for: big enough for load tests, finite. */
export const MAX_COUNT = 10_000_000
/** Largest seed; any 31-bit integer gives its own reproducible sequence. */
export const MAX_SEED = 2_147_483_647
/** The seed used when the query has none. */
export const DEFAULT_SEED = 42

/** `count`: how many users, 1 to {@link MAX_COUNT}; no default (each route picks its own). */
export const COUNT_BOUNDS: IntegerBounds = { minimum: 1, maximum: MAX_COUNT }

/** `seed`: which reproducible sequence of users, 0 to {@link MAX_SEED} (default {@link DEFAULT_SEED}). */
export const SEED_BOUNDS: IntegerBounds = { minimum: 0, maximum: MAX_SEED, default: DEFAULT_SEED }

/**
 * `lastEventId`: the plugin reads it when a client cannot send the `Last-Event-ID` header
 * (a new EventSource after the browser gave up). Declared so it is a string, never coerced.
 */
export const lastEventIdSchema = { type: 'string', maxLength: 256 } as const

/**
 * The resume point in a `Last-Event-ID` that this demo wrote: a sequence number. Anything
 * else (another server's id, garbage) starts from the beginning, which is what a client
 * without a cursor gets too.
 */
export function parseSequenceId (lastEventId: string | undefined): number {
  if (lastEventId === undefined || !/^\d{1,15}$/.test(lastEventId)) return 0
  return Number(lastEventId)
}
