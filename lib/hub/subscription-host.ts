/**
 * The contract between the hub and one of its subscriptions (subscription.ts): what the hub
 * gives a subscription when it makes it, and what the subscription may ask of the hub.
 */
import type { OverflowPolicy } from './options.js'

/** The hub's side of a subscription; `S` is the subscription (generic: no import circle). */
export interface SubscriptionHost<S> {
  /** Totals the subscription keeps up to date. */
  readonly totals: { delivered: number, queued: number }
  /** Orders two event ids of one topic. */
  compare (a: string, b: string): number
  /** Removes the subscription from fan-out. Called once. */
  detach (subscription: S): void
  /** Counts one overflow under `policy`. */
  overflowed (policy: OverflowPolicy): void
}

/** Construction options of a subscription. */
export interface SubscriptionSettings {
  maxQueue: number
  overflow: OverflowPolicy
  signal: AbortSignal | undefined
  /** True while a replay is being fetched: live events wait behind it. */
  replaying: boolean
}
