/**
 * `GET /api/users/feed?intervalMs=&count=&seed=`: fake users as SSE or NDJSON, one per
 * interval (default one a second, forever), resumable with `Last-Event-ID`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import createError from '@fastify/error'
import type { FastifyPluginAsync } from 'fastify'
import { sse, streamContent, type SseEvent } from 'fastify-stream'
import { fakeUser } from '../fake-users.js'
import { integerQuery, type IntegerBounds } from '../integer-query.js'
import { FakeUserSchema } from '../item-schemas.js'
import { COUNT_BOUNDS, MAX_COUNT, SEED_BOUNDS, lastEventIdSchema, parseSequenceId } from '../query-schemas.js'

/** Bounds of `intervalMs`; 0 means "as fast as the client reads" and needs a `count`. */
export const FEED_INTERVAL: IntegerBounds = { minimum: 0, maximum: 60_000, default: 1000 }

const FEED_QUERY = integerQuery({ intervalMs: FEED_INTERVAL, count: COUNT_BOUNDS, seed: SEED_BOUNDS })

const UnboundedFeedError = createError(
  'DEMO_FEED_UNBOUNDED',
  'querystring/count is required when intervalMs is 0: a feed without pauses must end (count 1 to %s)',
  400
)

interface FeedQuery {
  intervalMs: number
  count?: number
  seed: number
}

/** The fake-user feed route. */
export const usersFeedRoutes: FastifyPluginAsync = async function usersFeedRoutes (app) {
  app.get<{ Querystring: FeedQuery }>('/api/users/feed', {
    preValidation: FEED_QUERY.preValidation,
    // gzip when the client accepts it: each user is a JSON object with the same keys.
    config: { stream: { compress: true } },
    schema: {
      querystring: {
        type: 'object',
        properties: { ...FEED_QUERY.properties, lastEventId: lastEventIdSchema }
      },
      response: { 200: streamContent(FakeUserSchema, ['sse', 'ndjson']) }
    }
  }, (request, reply) => {
    const { intervalMs, count = Infinity, seed } = request.query
    if (intervalMs === 0 && count === Infinity) throw new UnboundedFeedError(MAX_COUNT)
    return reply.stream(({ signal, lastEventId }) => {
      // The id of an event is the user's number, so a resume starts right after it.
      const first = parseSequenceId(lastEventId) + 1
      return intervalMs === 0 ? userBurst(seed, first, count) : pacedUsers(first, count, intervalMs, signal, id => userEvent(seed, id))
    })
  })
}

/**
 * Users `first`..`last` as `make(id)` makes them: the first at once, then one every
 * `intervalMs`, until `signal` aborts (the pending wait then rejects with an AbortError).
 */
export async function * pacedUsers<T> (first: number, last: number, intervalMs: number, signal: AbortSignal, make: (id: number) => T): AsyncGenerator<T, void, undefined> {
  let due = performance.now()
  for (let id = first; id <= last; id++) {
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait, undefined, { signal, ref: false })
    // Behind schedule (a slow client, a busy loop): restart the schedule from now instead of
    // bursting to catch up, so the feed keeps its pace.
    else due = performance.now()
    yield make(id)
    due += intervalMs
  }
}

/** Users `first`..`last` with no pause: the pump pulls the next only when the socket has room. */
function * userBurst (seed: number, first: number, last: number): Generator<SseEvent> {
  for (let id = first; id <= last; id++) yield userEvent(seed, id)
}

function userEvent (seed: number, id: number): SseEvent {
  return sse({ id, event: 'user', data: fakeUser(seed, id) })
}
