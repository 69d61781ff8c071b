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

/** The names of `topic` under `prefix`. */
export function topicKeys (prefix: string, topic: string): TopicKeys {
  const base = `${prefix}{${topic}}`
  return {
    stream: base + ':stream',
    meta: base + ':meta',
    channel: base + ':events',
    idempotency: key => base + ':idem:' + key
  }
}

/** The topic of a channel made by {@link topicKeys}, or `''` (no topic's name) for another channel. */
export function topicOfChannel (prefix: string, channel: string): string {
  if (!channel.startsWith(prefix + '{') || !channel.endsWith('}:events')) return ''
  return channel.slice(prefix.length + 1, -'}:events'.length)
}
