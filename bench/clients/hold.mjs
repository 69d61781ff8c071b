/**
 * Scenario 2's client for a route that never ends (`/api/monitor`): opens the connections,
 * holds them for the duration and reports how fast they opened and what arrived.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { percentileOfSorted } from '../lib/stats.mjs'
import { createFrameCounter, firstChunk, openStream, pool } from './connect.mjs'

/**
 * @param {{ url: string, connections: number, seconds: number, headers?: Record<string, string> }} args
 * @returns {Promise<{ openP50: number, openP99: number, frames: number, framesPerSecond: number, errors: number }>}
 *   open times in ms, from request to first body chunk.
 */
export async function holdStreams ({ url, connections, seconds, headers = {} }) {
  const open = []
  const streams = []
  let errors = 0
  const start = performance.now()
  await pool(connections, connections, async () => {
    const began = performance.now()
    try {
      const res = await openStream(url, headers)
      streams.push(res)
      const counter = createFrameCounter()
      res.on('data', chunk => counter.feed(chunk))
      res.on('error', () => errors++)
      res.counter = counter
      await firstChunk(res)
      open.push(performance.now() - began)
    } catch {
      errors++
    }
  })
  await sleep(Math.max(0, seconds * 1000 - (performance.now() - start)))
  const elapsed = (performance.now() - start) / 1000
  let frames = 0
  for (const res of streams) {
    // The preamble (`retry:` or a comment) is a frame too, but not an event.
    frames += Math.max(0, res.counter.frames - 1)
    res.socket?.destroy()
  }
  open.sort((a, b) => a - b)
  return { openP50: percentileOfSorted(open, 50), openP99: percentileOfSorted(open, 99), frames, framesPerSecond: frames / elapsed, errors }
}
