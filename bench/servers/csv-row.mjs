/**
 * The baseline's hand-written CSV row: RFC 4180 quoting and the OWASP formula guard, the
 * same rules as the plugin's CSV encoder, so both write the same bytes.
 */

const NEEDS_QUOTES = /[",\r\n]/
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * One CSV record with its CRLF.
 * @param {readonly unknown[]} values
 * @returns {string}
 */
export function csvRow (values) {
  let line = ''
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + field(values[i])
  return line + '\r\n'
}

function field (value) {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  let text = typeof value === 'string' ? value : JSON.stringify(value)
  if (typeof value === 'string' && FORMULA_START.test(text)) text = "'" + text
  return NEEDS_QUOTES.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text
}
