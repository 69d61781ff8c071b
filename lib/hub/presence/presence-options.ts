/**
 * Checks of presence input: the identity a subscription carries and the paging of
 * `hub.presence()`. Ids and info come from the app (often from a request), so both are
 * bounded, and info must be JSON: it is sent to every client that asks who is here.
 */
import { invalidOption, isIntegerIn } from '../../option-checks.js'
import type { PresenceMember, PresenceQuery } from './presence.js'

const MAX_ID = 128
const MAX_INFO_BYTES = 1024
const MAX_LIMIT = 1000
const MAX_CURSOR = 64
// No control characters (C0 and DEL), which logs and terminals would interpret.
const CONTROL = /[\p{Cc}]/u

/**
 * The member a subscription joins as, with its info made plain JSON once.
 * @throws FST_STREAM_INVALID_OPTION naming what to fix.
 */
export function checkPresenceMember (value: unknown): { id: string, info: unknown } {
  if (typeof value !== 'object' || value === null) throw invalidOption('presence', 'must be { id, info }: the id the app gives this user, and small JSON info')
  const { id, info } = value as PresenceMember
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID || CONTROL.test(id)) {
    throw invalidOption('presence.id', `must be a string of 1 to ${MAX_ID} characters without control characters`)
  }
  if (info === undefined) return { id, info: null }
  let text: string | undefined
  try {
    text = JSON.stringify(info)
  } catch {
    text = undefined
  }
  if (text === undefined) throw invalidOption('presence.info', 'must be JSON-serializable')
  if (Buffer.byteLength(text) > MAX_INFO_BYTES) throw invalidOption('presence.info', `must serialize to at most ${MAX_INFO_BYTES} bytes of JSON`)
  return { id, info: JSON.parse(text) }
}

/**
 * The limit and cursor of a presence query.
 * @throws FST_STREAM_INVALID_OPTION naming what to fix.
 */
export function checkPresenceQuery (query: PresenceQuery): { limit: number, cursor: string | undefined } {
  if (typeof query !== 'object' || query === null) throw invalidOption('options', 'must be { limit, cursor }')
  const limit = query.limit ?? 100
  if (!isIntegerIn(limit, 1, MAX_LIMIT)) throw invalidOption('limit', `must be an integer from 1 to ${MAX_LIMIT}`)
  const cursor = query.cursor ?? undefined
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > MAX_CURSOR)) throw invalidOption('cursor', 'must be the cursor a previous page returned')
  return { limit, cursor }
}
