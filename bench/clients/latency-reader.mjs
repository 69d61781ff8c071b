/**
 * Delivery latency of SSE events on one socket: each chunk is timestamped on arrival and kept
 * as it is; parsing waits until the results are read, so this process's own work never adds
 * to the latency of the subscribers read after it. Events carry `seq` and `sentAt` (the
 * server's preciseNow() when it made them).
 */

/**
 * A reader for one stream.
 * @returns {{ receive: (chunk: Buffer, at: number) => void, drain: (into: number[]) => Set<number> }}
 *   `receive` keeps a chunk; `drain` parses what was kept, pushes each new event's latency
 *   (ms) to `into`, and returns the sequence numbers seen so far.
 */
export function createLatencyReader () {
  let chunks = []
  let times = []
  let rest = ''
  const seen = new Set()
  return {
    receive (chunk, at) {
      chunks.push(chunk)
      times.push(at)
    },
    drain (into) {
      for (let i = 0; i < chunks.length; i++) rest = parseFrames(rest + chunks[i].toString('utf8'), times[i], seen, into)
      chunks = []
      times = []
      return seen
    }
  }
}

// Frames end with a blank line; a chunk may hold several frames or part of one. Chunked
// transfer-encoding lines sit between frames and never start with `data: `.
function parseFrames (text, receivedAt, seen, latencies) {
  const frames = text.split('\n\n')
  const rest = frames.pop()
  for (const frame of frames) {
    const data = frame.split('\n').find(line => line.startsWith('data: '))
    if (data === undefined) continue
    let event
    try {
      event = JSON.parse(data.slice(6))
    } catch {
      continue
    }
    if (typeof event?.sentAt !== 'number' || seen.has(event.seq)) continue
    seen.add(event.seq)
    latencies.push(receivedAt - event.sentAt)
  }
  return rest
}
