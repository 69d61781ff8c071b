/**
 * `Accept-Encoding` negotiation (RFC 9110 §12.5.3): which content coding a stream is sent
 * with, from the client's list with its q-values and the server's order of preference.
 */

/** The content codings a stream can be compressed with. */
export type ContentCoding = 'gzip' | 'br'

/** Every coding, in the order of the default preference. */
export const CONTENT_CODINGS: readonly ContentCoding[] = ['br', 'gzip']

// A header longer than this is not a browser's or curl's; reading it all would only cost.
const MAX_HEADER = 1024
const Q_VALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

/**
 * The coding to send, or `undefined` for none (identity). Among the codings `offered` (in the
 * server's order of preference), the one the client weighs highest wins; a tie goes to the
 * server's order. A coding is acceptable when listed with q > 0, or covered by `*` with q > 0.
 * No header, an empty one, or only `identity` means no coding. When the client refuses
 * identity too (`identity;q=0`) and accepts nothing offered, the stream is still sent
 * without a coding: a stream has no better answer, and RFC 9110 allows it.
 */
export function negotiateEncoding (header: string | string[] | undefined, offered: readonly ContentCoding[]): ContentCoding | undefined {
  const value = Array.isArray(header) ? header.join(',') : header
  if (value === undefined || value === '' || value.length > MAX_HEADER) return undefined
  const weights = parseWeights(value)
  let best: ContentCoding | undefined
  let bestQ = 0
  for (const coding of offered) {
    const q = weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined) ?? weights.get('*') ?? 0
    if (q > bestQ) {
      best = coding
      bestQ = q
    }
  }
  return best
}

/** Each listed coding with its weight; a malformed weight drops its entry. */
function parseWeights (value: string): Map<string, number> {
  const weights = new Map<string, number>()
  for (const part of value.split(',')) {
    const [name, ...params] = part.split(';') as [string, ...string[]]
    const coding = name.trim().toLowerCase()
    if (coding === '') continue
    let q = 1
    for (const param of params) {
      const [key, raw] = param.split('=')
      if (key?.trim().toLowerCase() !== 'q') continue
      const text = (raw ?? '').trim()
      q = Q_VALUE.test(text) ? Number(text) : NaN
    }
    if (!Number.isNaN(q)) weights.set(coding, q)
  }
  return weights
}
