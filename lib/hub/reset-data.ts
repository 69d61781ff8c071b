/**
 * What a `reset` event says: why a resume cursor could not be honoured, and where the
 * retained history now starts. Shared by the hub, its adapters and `fastify-stream/client`,
 * so this file imports nothing: the client type-checks as browser code without Node types.
 */

/**
 * Why a resume cursor could not be honoured: `invalid` (garbage or over-long), `stale`
 * (another epoch), `expired` (older than the history) or `unknown` (never issued on this topic).
 */
export type ResetReason = 'invalid' | 'stale' | 'expired' | 'unknown'

/** The data of a `reset` event. */
export interface ResetData {
  /** Why the cursor could not be honoured. */
  reason: ResetReason
  /** The oldest event id still retained, or `null` when none is. */
  earliest: string | null
}
