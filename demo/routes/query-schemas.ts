/**
 * JSON schemas of the demo's query parameters, shared by the routes. Fastify's ajv coerces
 * query strings to numbers first, so `count=abc`, `count=1.5` and out-of-range values all
 * fail here with a 400 that names the parameter and the bound.
 */

/** Most users one feed or export may ask for: big enough for load tests, finite. */
export const MAX_COUNT = 10_000_000
/** Largest seed; any 31-bit integer gives its own reproducible sequence. */
export const MAX_SEED = 2_147_483_647
/** The seed used when the query has none. */
export const DEFAULT_SEED = 42

/** `count`: how many users, 1 to {@link MAX_COUNT}. */
export const countSchema = { type: 'integer', minimum: 1, maximum: MAX_COUNT } as const

/** `seed`: which reproducible sequence of users, 0 to {@link MAX_SEED}. */
export const seedSchema = { type: 'integer', minimum: 0, maximum: MAX_SEED, default: DEFAULT_SEED } as const

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
