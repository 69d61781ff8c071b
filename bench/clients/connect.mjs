/**
 * Opening streaming requests from the load generator: one socket per stream (no agent
 * pooling, no keep-alive reuse), with a deadline on the response head.
 */
import http from 'node:http'

const HEAD_TIMEOUT_MS = 30_000

/**
 * GETs `url` and resolves with the response once its head arrives.
 * @param {string} url
 * @param {Record<string, string>} [headers]
 * @returns {Promise<import('node:http').IncomingMessage>}
 * @throws on a connection error, a non-200 status or no head within 30 s.
 */
export function openStream (url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, res => {
      clearTimeout(timer)
      if (res.statusCode !== 200) {
        res.resume()
        req.destroy()
        return reject(new Error(`GET ${url}: status ${res.statusCode}`))
      }
      resolve(res)
    })
    const timer = setTimeout(() => req.destroy(new Error(`GET ${url}: no response head within ${HEAD_TIMEOUT_MS} ms`)), HEAD_TIMEOUT_MS)
    req.once('error', err => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/**
 * Resolves with the first body chunk of `res` (the stream's preamble): the moment a client
 * knows the stream is open.
 * @param {import('node:http').IncomingMessage} res
 * @returns {Promise<Buffer>}
 */
export function firstChunk (res) {
  return new Promise((resolve, reject) => {
    res.once('data', resolve)
    res.once('error', reject)
    res.once('end', () => reject(new Error('stream ended before its first chunk')))
  })
}

/**
 * Runs `task(i)` for i in 0..count-1 with at most `limit` in flight.
 * @template T
 * @param {number} count
 * @param {number} limit
 * @param {(i: number) => Promise<T>} task
 * @returns {Promise<PromiseSettledResult<T>[]>}
 */
export async function pool (count, limit, task) {
  const results = new Array(count)
  let next = 0
  async function worker () {
    while (next < count) {
      const i = next++
      try {
        results[i] = { status: 'fulfilled', value: await task(i) }
      } catch (reason) {
        results[i] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return results
}

/**
 * Counts SSE frames (a blank line ends one) across chunk boundaries.
 * @returns {{ feed: (chunk: Buffer) => void, frames: number }}
 */
export function createFrameCounter () {
  let previous = 0
  const counter = {
    frames: 0,
    feed (chunk) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        const before = i === 0 ? previous : chunk[i - 1]
        if (before === 10) counter.frames++
      }
      previous = chunk[chunk.length - 1]
    }
  }
  return counter
}
