/**
 * Scenario 5's client: reads an endless stream for a moment, then stops reading for the
 * hold, as a stalled browser tab or a congested mobile link does.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createFrameCounter, openStream } from './connect.mjs'

/**
 * @param {{ url: string, readMs: number, holdMs: number }} args
 * @returns {Promise<{ pausedAt: number, resumedAt: number, frames: number, bytes: number }>}
 *   times are `Date.now()`; `frames` and `bytes` were received before the pause.
 */
export async function slowClient ({ url, readMs, holdMs }) {
  const res = await openStream(url, { accept: 'text/event-stream' })
  const counter = createFrameCounter()
  let bytes = 0
  res.on('data', chunk => {
    bytes += chunk.length
    counter.feed(chunk)
  })
  await sleep(readMs)
  // Pausing the socket itself stops reads from the kernel, so the server sees a full
  // receive window, not just a paused parser.
  res.pause()
  res.socket.pause()
  const pausedAt = Date.now()
  const frames = counter.frames - 1
  const received = bytes
  await sleep(holdMs)
  const resumedAt = Date.now()
  res.socket.destroy()
  return { pausedAt, resumedAt, frames, bytes: received }
}
