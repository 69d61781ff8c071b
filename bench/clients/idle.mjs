/**
 * Scenario 3's client: opens many SSE streams, keeps them open while the server is
 * measured, then drops them all.
 */
import { performance } from 'node:perf_hooks'
import { firstChunk, openStream, pool } from './connect.mjs'

// Enough in flight to keep the accept queue busy, well under the listen backlog (511).
const OPEN_CONCURRENCY = 256

const held = []

/**
 * Opens `count` streams and waits for each one's preamble.
 * @param {{ url: string, count: number, encoding?: 'gzip' | 'br' }} args the encoding to accept (scenario 14)
 * @returns {Promise<{ ms: number, opened: number, failed: number, firstError?: string }>}
 */
export async function openIdle ({ url, count, encoding }) {
  const start = performance.now()
  const headers = { accept: 'text/event-stream', ...(encoding === undefined ? {} : { 'accept-encoding': encoding }) }
  const results = await pool(count, OPEN_CONCURRENCY, async () => {
    const res = await openStream(url, headers)
    if (encoding !== undefined && res.headers['content-encoding'] !== encoding) throw new Error(`GET ${url}: Content-Encoding ${res.headers['content-encoding']}, asked for ${encoding}`)
    held.push(res)
    await firstChunk(res)
    // Heartbeats may arrive while held; read and drop them so no buffer grows.
    res.resume()
  })
  const failures = results.filter(r => r.status === 'rejected')
  return { ms: performance.now() - start, opened: count - failures.length, failed: failures.length, firstError: failures[0]?.reason?.message }
}

/**
 * Destroys every stream opened by {@link openIdle}.
 * @returns {{ closed: number }}
 */
export function closeIdle () {
  const closed = held.length
  for (const res of held.splice(0)) res.socket?.destroy()
  return { closed }
}
