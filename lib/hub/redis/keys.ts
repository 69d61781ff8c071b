/**
 * Where a topic lives in Redis. Every key and the pub/sub channel of one topic carry the
 * topic as a hash tag (`{topic}`), so they share one hash slot: the publish script may touch
 * them all on a Redis Cluster, and sharded pub/sub routes the channel to the same node.
 * Topic names cannot contain braces (hub/topic-name.ts), so the tag is always the whole topic.
 */

/** The Redis names of one topic. */
export interface TopicKeys {
  /** The stream holding the history; its entry ids are the event ids. */
  readonly stream: string
  /** A hash with the topic's `epoch` and `last` id, written by every publish. */
  readonly meta: string
  /** The channel every instance following the topic subscribes to. */
  readonly channel: string
  /** Where an idempotency key remembers the id of its first publish. */
  idempotency (key: string): string
}

// Every name of a topic begins with this: the prefix, then the topic as the hash tag.
const baseOf = (prefix: string, topic: string): string => `${prefix}{${topic}}`
const CHANNEL_SUFFIX = ':events'

/** The names of `topic` under `prefix`. */
export function topicKeys (prefix: string, topic: string): TopicKeys {
  const base = baseOf(prefix, topic)
  return {
    stream: base + ':stream',
    meta: base + ':meta',
    channel: base + CHANNEL_SUFFIX,
    idempotency: key => base + ':idem:' + key
  }
}

/** The topic of a channel made by {@link topicKeys}, or `''` (no topic's name) for another channel. */
export function topicOfChannel (prefix: string, channel: string): string {
  if (!channel.startsWith(prefix + '{') || !channel.endsWith('}' + CHANNEL_SUFFIX)) return ''
  return channel.slice(prefix.length + 1, -('}' + CHANNEL_SUFFIX).length)
}

/**
 * Where presence of one topic lives: which instances have clients there and until when, each
 * instance's clients, and the users with their info and join order. Same hash tag as the
 * topic's other keys, so one script reaches them all on a Cluster. Made only for topics
 * with presence, so a followed topic without it holds none of these names.
 */
export interface PresenceKeys {
  /** Sorted set: instance id → when its clients there expire (Redis's clock, ms). */
  readonly instances: string
  /** Hash: user id → `<clients>\n<info JSON>`. */
  readonly users: string
  /** Sorted set: user id → its place in the join order (what a page's cursor counts). */
  readonly order: string
  /** Hash: instance id → since when it has renewed without a break (Redis's clock, ms). */
  readonly runs: string
  /** Prefix of each instance's hash of clients (client → user id): this + the instance id. */
  readonly clientsPrefix: string
  /** The topic's channel, where joins and leaves are announced beside its events. */
  readonly channel: string
}

/** The presence names of `topic` under `prefix`. */
export function presenceKeys (prefix: string, topic: string): PresenceKeys {
  const presence = baseOf(prefix, topic) + ':presence:'
  return {
    instances: presence + 'instances',
    users: presence + 'users',
    order: presence + 'order',
    runs: presence + 'runs',
    clientsPrefix: presence + 'clients:',
    channel: baseOf(prefix, topic) + CHANNEL_SUFFIX
  }
}
