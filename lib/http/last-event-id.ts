/**
 * Reads the client's resume cursor from the `Last-Event-ID` header (WHATWG HTML §9.2.4) or,
 * for polyfills and first connects, a query parameter. Always untrusted input.
 */

// Any byte outside ASCII means the header needs re-decoding (see below).
const NON_ASCII = /[^\x00-\x7f]/ // eslint-disable-line no-control-regex
// CR, LF and NUL cannot come from a real EventSource (§9.2.6 rejects such ids), so a value
// holding one was forged; treating it as absent keeps it out of logs and replay lookups.
const FORBIDDEN = /[\0\r\n]/

/**
 * What an unusable cursor becomes: one that was sent but is over-long, not valid UTF-8, or
 * holds CR, LF or NUL. It contains a NUL, which no SSE id can (a client drops such an id), so
 * it never equals a real id; the hub answers it with a `reset` (`invalid`), as it does any
 * cursor it cannot honour, instead of silently starting at live.
 */
export const INVALID_LAST_EVENT_ID = '\u0000invalid'

/**
 * Returns the cursor; `undefined` when absent or empty; {@link INVALID_LAST_EVENT_ID} when it
 * is over `maxLength` characters, not valid UTF-8, holding CR/LF/NUL, or a repeated query
 * parameter. The header wins over the query value.
 *
 * @param header the raw header value as Node gives it (latin1-decoded bytes).
 * @param query the query parameter's value, if the query fallback is enabled.
 * @param maxLength the longest accepted cursor, in characters.
 */
export function resolveLastEventId (
  header: string | string[] | undefined,
  query: unknown,
  maxLength: number
): string | undefined {
  if (typeof header === 'string' && header !== '') return clean(decodeHeader(header), maxLength)
  if (typeof query === 'string' && query !== '') return clean(query, maxLength)
  // ?lastEventId=1&lastEventId=2: which one the client means is unknowable.
  if (Array.isArray(query)) return INVALID_LAST_EVENT_ID
  return undefined
}

// Node decodes header bytes as latin1, but EventSource sends the id as UTF-8, so "é"
// arrives as "Ã©". Re-encoding to latin1 recovers the bytes; U+FFFD marks invalid UTF-8.
function decodeHeader (value: string): string | undefined {
  if (!NON_ASCII.test(value)) return value
  const decoded = Buffer.from(value, 'latin1').toString('utf8')
  return decoded.includes('\uFFFD') ? undefined : decoded
}

function clean (value: string | undefined, maxLength: number): string {
  if (value === undefined || value.length > maxLength || FORBIDDEN.test(value)) return INVALID_LAST_EVENT_ID
  return value
}
