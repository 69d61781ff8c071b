/**
 * The baseline's hand-written framing: the same bytes the plugin writes for these items,
 * built by string concatenation as a hand-rolled server would.
 */

/** Response heads, identical to the plugin's (lib/headers.ts). */
export const HEADS = {
  sse: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'keep-alive' },
  ndjson: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'keep-alive' },
  csv: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'keep-alive' }
}

/** What each format writes first and last, as the plugin does (comment preamble, end event). */
export const PREAMBLE = { sse: ':\n\n', ndjson: '', csv: '' }
export const END = { sse: 'event: end\ndata:\n\n', ndjson: '', csv: '' }
export const HEARTBEAT = ':\n\n'

/**
 * Frames one item.
 * @param {'sse' | 'ndjson'} format
 * @param {unknown} item
 * @returns {string}
 */
export function frame (format, item) {
  return format === 'sse' ? 'data: ' + JSON.stringify(item) + '\n\n' : JSON.stringify(item) + '\n'
}

/**
 * Resolves on `drain`, or on `close` so that a gone client never leaves the loop waiting.
 * @param {import('node:http').ServerResponse} res
 * @returns {Promise<void>}
 */
export function drained (res) {
  return new Promise(resolve => {
    function done () {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/**
 * The baseline write loop: one `res.write` per item, waiting for `drain` when it says so,
 * and the source's `return()` (its `finally`) when the client leaves.
 * @param {import('node:http').ServerResponse} res
 * @param {AsyncIterable<unknown>} source
 * @param {'sse' | 'ndjson'} format
 * @param {AbortController} [controller] aborted when the client leaves.
 */
export async function writeAll (res, source, format, controller) {
  res.writeHead(200, HEADS[format])
  if (PREAMBLE[format] !== '') res.write(PREAMBLE[format])
  else res.flushHeaders()
  let gone = false
  res.once('close', () => {
    gone = true
    controller?.abort()
  })
  try {
    for await (const item of source) {
      if (!res.write(frame(format, item))) await drained(res)
      if (gone) break
    }
  } catch (err) {
    if (!gone) throw err
  }
  if (!gone) res.end(END[format])
}
