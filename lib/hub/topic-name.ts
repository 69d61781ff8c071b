/**
 * Topic names are untrusted when a route builds them from a request, and they become Redis
 * keys and log fields, so they are checked once at the hub's edge.
 */
import { errors } from '../errors.js'

/** The longest topic name, in characters. Redis keys may be longer; logs and URLs should not. */
export const MAX_TOPIC_LENGTH = 128

// No spaces, slashes, braces or control characters: safe as a Redis key, a log field and a
// path segment without escaping.
const TOPIC = /^[A-Za-z0-9_.:-]+$/

/**
 * True when `topic` is a valid hub topic name: a string of 1 to {@link MAX_TOPIC_LENGTH}
 * characters of `[A-Za-z0-9_.:-]`. Check a topic built from a request with it first, to answer
 * with your own 400 or 404; the hub itself rejects a bad one with `FST_STREAM_INVALID_TOPIC`.
 */
export function isValidTopic (topic: unknown): topic is string {
  return typeof topic === 'string' && topic.length <= MAX_TOPIC_LENGTH && TOPIC.test(topic)
}

/**
 * Returns `topic` when it is a valid topic name.
 * @throws FST_STREAM_INVALID_TOPIC when it is not a string of 1 to 128 characters of
 *   `[A-Za-z0-9_.:-]`.
 */
export function checkTopic (topic: unknown): string {
  if (isValidTopic(topic)) return topic
  throw new errors.FST_STREAM_INVALID_TOPIC(MAX_TOPIC_LENGTH, describe(topic))
}

function describe (topic: unknown): string {
  if (typeof topic !== 'string') return topic === null ? 'null' : typeof topic
  // Never echo a long or hostile value whole: the message can reach logs and clients.
  return topic.length > 40 ? `a string of ${topic.length} characters` : JSON.stringify(topic)
}
