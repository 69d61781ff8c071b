/**
 * Picks a wire format from the request's `Accept` header (RFC 9110 §12.5.1): q-values are
 * honoured, `q=0` excludes, and the most specific matching range decides a format's q.
 */
import type { StreamFormat } from '../framing/encoder.js'

// application/jsonl is the JSON Lines name for the same framing. application/json-seq is
// deliberately absent: RFC 7464 frames records with RS, which is not what we write.
const MEDIA_TYPES: ReadonlyArray<readonly [string, StreamFormat]> = [
  ['text/event-stream', 'sse'],
  ['application/x-ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  ['text/csv', 'csv']
]

interface AcceptRange {
  type: string
  subtype: string
  q: number
}

/**
 * Chooses the format to write.
 *
 * @param accept the raw `Accept` header, if any.
 * @param offered the formats the route offers, in its order of preference.
 * @param fallback the format used when `Accept` is absent, `*\/*`, or (unless `strict`)
 *   names no streaming type. It wins ties between wildcard matches.
 * @param strict when true, an `Accept` that admits none of `offered` yields `null` (406).
 * @returns the format, or `null` when nothing offered is acceptable.
 */
export function negotiateFormat (
  accept: string | undefined,
  offered: readonly StreamFormat[],
  fallback: StreamFormat,
  strict: boolean
): StreamFormat | null {
  const preferred = offered.includes(fallback) ? fallback : offered[0] as StreamFormat
  if (accept === undefined || accept.trim() === '') return preferred
  const ranges = parseAccept(accept)
  let best: StreamFormat | null = null
  let bestScore = 0
  // The fallback first, then the route's order: on equal scores the earlier format wins.
  for (const format of [preferred, ...offered]) {
    for (const [mediaType, candidate] of MEDIA_TYPES) {
      if (candidate !== format) continue
      const score = scoreFor(mediaType, ranges)
      if (score > bestScore) {
        best = format
        bestScore = score
      }
    }
  }
  if (best !== null) return best
  return strict ? null : preferred
}

/** The header split into ranges; malformed entries are skipped rather than rejected. */
function parseAccept (accept: string): AcceptRange[] {
  const ranges: AcceptRange[] = []
  for (const entry of accept.split(',')) {
    const [range = '', ...params] = entry.split(';')
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/')
    // RFC 9110 §12.5.1: a range is */*, type/* or type/subtype; "*/json" is malformed.
    if (type === '' || subtype === '' || (type === '*' && subtype !== '*')) continue
    let q = 1
    for (const param of params) {
      const [name, value] = param.split('=')
      if (name?.trim().toLowerCase() === 'q') q = Number(value?.trim())
    }
    if (Number.isFinite(q) && q >= 0 && q <= 1) ranges.push({ type, subtype, q })
  }
  return ranges
}

/**
 * A comparable score: q dominates, then specificity, then (for exact matches) position in
 * the header. Returns 0 when the media type is not acceptable.
 */
function scoreFor (mediaType: string, ranges: AcceptRange[]): number {
  const [type, subtype] = mediaType.split('/')
  let q = 0
  let specificity = -1
  let position = 0
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i] as AcceptRange
    const rank = range.type === type && range.subtype === subtype
      ? 2
      : range.type === type && range.subtype === '*' ? 1 : range.type === '*' ? 0 : -1
    if (rank > specificity) {
      specificity = rank
      q = range.q
      position = i
    }
  }
  if (specificity < 0 || q === 0) return 0
  const order = specificity === 2 ? (1 - position / (ranges.length + 1)) * 1e-3 : 0
  return q + specificity * 1e-2 + order
}
