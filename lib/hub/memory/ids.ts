/**
 * Event ids of the in-memory adapter: `<epoch>-<seq>`. The epoch is random per adapter, so
 * an id from before a restart (or from another process) is recognised as stale instead of
 * being misread as a position in this history; `seq` is one counter for all topics, so ids
 * never repeat even when an idle topic is freed and comes back.
 */
import { randomBytes } from 'node:crypto'

// 48 random bits: two processes (or two restarts) share an epoch with odds of about 2^-48.
const EPOCH_BYTES = 6
const ID = /^([0-9a-f]{12})-([1-9][0-9]{0,15})$/

/** A fresh epoch: 12 lowercase hex characters. */
export function createEpoch (): string {
  return randomBytes(EPOCH_BYTES).toString('hex')
}

/** The id of event number `seq` in `epoch`. */
export function formatMemoryId (epoch: string, seq: number): string {
  return epoch + '-' + seq
}

/** Splits an untrusted id into its epoch and sequence number, or `undefined` for garbage. */
export function parseMemoryId (id: string): { epoch: string, seq: number } | undefined {
  const match = ID.exec(id)
  if (match === null) return undefined
  return { epoch: match[1] as string, seq: Number(match[2]) }
}

/** The sequence number of an id this adapter issued (no validation: hot path). */
export function seqOf (id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1))
}
