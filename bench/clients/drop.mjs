/**
 * Scenario 7's client: opens streams that are flowing (read), stalled (not read) or idle
 * (nothing sent), then drops them all at once.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { openStream, pool } from './connect.mjs'

/**
 * @param {{ url: string, count: number, mode: 'flowing' | 'stalled' | 'idle', holdMs: number }} args
 * @returns {Promise<{ opened: number, failed: number, droppedAt: number }>} `droppedAt` is `Date.now()`.
 */
export async function dropStreams ({ url, count, mode, holdMs }) {
  const sockets = []
  const results = await pool(count, 100, async () => {
    const res = await openStream(url, { accept: 'text/event-stream' })
    sockets.push(res.socket)
    if (mode === 'stalled') {
      res.pause()
      res.socket.pause()
    } else {
      res.resume()
    }
  })
  // Long enough for a stalled stream's socket buffers to fill, so its pump is blocked on drain.
  await sleep(holdMs)
  const droppedAt = Date.now()
  for (const socket of sockets) socket.destroy()
  const failed = results.filter(r => r.status === 'rejected').length
  return { opened: count - failed, failed, droppedAt }
}
