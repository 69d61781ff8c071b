/**
 * Options of `hub.publish()`, checked before anything is serialized or sent: a bad option
 * fails the publisher with FST_STREAM_INVALID_OPTION (or INVALID_EVENT), never a subscriber.
 */
import { errors } from '../errors.js'
import { invalidOption, isIntegerIn } from '../option-checks.js'
import { isEventName } from '../framing/sse-event.js'
import type { HubMessage } from './adapter.js'

// Idempotency keys become Redis keys and map keys: printable ASCII, bounded.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/
/** The most replicas a publish may wait for; more than any deployment runs. */
export const MAX_REPLICAS = 100
/** The longest wait for replicas, in ms. */
export const MAX_REPLICA_TIMEOUT_MS = 600_000

/** Options of `hub.publish()`. */
export interface PublishOptions {
  /** The SSE event name (default: none, which clients see as `message`). No CR or LF. */
  event?: string | undefined
  /**
   * Makes a retry safe: a second publish to the topic with the same key within the history
   * TTL stores nothing, delivers nothing and resolves to the first publish's id. 1 to 128
   * printable ASCII characters, such as a UUID the client sent with its request.
   */
  idempotencyKey?: string | undefined
  /**
   * Resolve only once this many replicas confirm the write (Redis `WAIT`), so that a
   * failover cannot lose it (default: the adapter's `minReplicas`, 0). Fewer in time
   * rejects with FST_STREAM_HUB_OUTCOME_UNKNOWN. Needs an adapter with replicas (Redis).
   */
  minReplicas?: number | undefined
  /** How long to wait for those replicas, in ms (default: the adapter's `replicaTimeoutMs`). */
  replicaTimeoutMs?: number | undefined
}

/**
 * Checks `options` and builds the adapter's message for `data` (serialized as `text`).
 * @throws FST_STREAM_INVALID_EVENT, FST_STREAM_INVALID_OPTION.
 */
export function publishMessage (data: unknown, text: () => string, options: PublishOptions): HubMessage {
  const { event, idempotencyKey, minReplicas, replicaTimeoutMs } = options
  // Checked here, not when a subscriber's stream frames it: a bad event must fail the
  // publisher, not every stream that receives it.
  if (event !== undefined && !isEventName(event, true)) throw new errors.FST_STREAM_INVALID_EVENT()
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
    throw invalidOption('idempotencyKey', 'must be 1 to 128 printable ASCII characters, such as a UUID')
  }
  if (minReplicas !== undefined && !isIntegerIn(minReplicas, 0, MAX_REPLICAS)) {
    throw invalidOption('minReplicas', `must be an integer from 0 to ${MAX_REPLICAS} (replicas)`)
  }
  if (replicaTimeoutMs !== undefined && !isIntegerIn(replicaTimeoutMs, 1, MAX_REPLICA_TIMEOUT_MS)) {
    throw invalidOption('replicaTimeoutMs', `must be an integer from 1 to ${MAX_REPLICA_TIMEOUT_MS} (ms)`)
  }
  return { event, data, text: text(), idempotencyKey, minReplicas, replicaTimeoutMs }
}
