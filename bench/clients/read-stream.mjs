/**
 * Scenario 1's client: reads one whole stream as fast as it can and reports its size, its
 * duration and how busy this process was (to tell whether the load generator saturated).
 */
import { performance } from 'node:perf_hooks'
import { brotliCompressSync, constants, createBrotliDecompress, createGunzip, gzipSync } from 'node:zlib'
import { openStream } from './connect.mjs'

/**
 * @param {{ url: string }} args
 * @returns {Promise<{ ms: number, bytes: number, lines: number, clientBusy: number }>}
 *   `clientBusy` is this process's CPU time over the wall time, 0–1.
 */
export async function readStream ({ url }) {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const res = await openStream(url)
  let bytes = 0
  let lines = 0
  for await (const chunk of res) {
    bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
  }
  if (!res.complete) throw new Error(`GET ${url}: the stream ended early`)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { ms, bytes, lines, clientBusy: (used.user + used.system) / 1000 / ms }
}

/**
 * Reads one stream asking for `encoding` (or none) and decodes it as it comes (scenario 14).
 * With `oneShot`, also compresses the decoded body in one piece at the stream's settings, the
 * best a compressor could do with the whole text at once.
 * @param {{ url: string, accept: string, encoding?: 'gzip' | 'br', oneShot?: { level: number, quality: number, lgwin: number } }} args
 * @returns {Promise<{ ms: number, wire: number, bytes: number, lines: number, clientBusy: number, coding?: string, oneShotGzip?: number, oneShotBrotli?: number }>}
 */
export async function readCoded ({ url, accept, encoding, oneShot }) {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const res = await openStream(url, { accept, ...(encoding === undefined ? {} : { 'accept-encoding': encoding }) })
  const coding = res.headers['content-encoding']
  if (coding !== encoding) throw new Error(`GET ${url}: Content-Encoding ${coding}, asked for ${encoding}`)
  let wire = 0
  res.on('data', chunk => { wire += chunk.length })
  const body = coding === undefined ? res : res.pipe(coding === 'br' ? createBrotliDecompress() : createGunzip())
  let bytes = 0
  let lines = 0
  const kept = oneShot === undefined ? undefined : []
  for await (const chunk of body) {
    bytes += chunk.length
    kept?.push(chunk)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
  }
  if (!res.complete) throw new Error(`GET ${url}: the stream ended early`)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  const result = { ms, wire, bytes, lines, clientBusy: (used.user + used.system) / 1000 / ms }
  if (kept !== undefined) {
    const whole = Buffer.concat(kept)
    result.oneShotGzip = gzipSync(whole, { level: oneShot.level }).length
    result.oneShotBrotli = brotliCompressSync(whole, {
      params: { [constants.BROTLI_PARAM_QUALITY]: oneShot.quality, [constants.BROTLI_PARAM_LGWIN]: oneShot.lgwin, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: whole.length }
    }).length
  }
  return result
}
