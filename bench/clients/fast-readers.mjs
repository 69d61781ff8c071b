/**
 * The fairness scenario's readers: a few streams on raw sockets, read as fast as this
 * process can into one reused buffer and thrown away, so the server's writes rarely have to
 * wait for room. They run in their own process: readers that share the pinger's event loop
 * would delay the pings they are meant to compete with on the server.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

// A reader is flowing once it has read this much: past the head, the JIT warm-up of the
// server's write path and the first fill of the socket buffers.
const FLOWING_BYTES = 1 << 20
const POLL_MS = 10
const READ_BUFFER_BYTES = 64 * 1024

let open = null

/**
 * Connects `count` readers to `url` and waits until all are flowing or `waitMs` has passed.
 * A server that is busy with the first stream may not even accept the others within that:
 * the measurement goes on with them still waiting, as real clients would.
 * @param {{ url: string, count: number, waitMs: number }} args
 * @returns {Promise<{ ms: number, flowing: number }>} the wait, and how many were flowing.
 * @throws when a reader gets anything but a 200.
 */
export async function openFastReaders ({ url, count, waitMs }) {
  if (open !== null) closeFastReaders()
  const { hostname, port, pathname, search } = new URL(url)
  const request = `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
  const readers = Array.from({ length: count }, () => connect(hostname, Number(port), request, buffer))
  open = { readers, since: 0, from: 0 }
  const start = performance.now()
  while (flowingCount(readers) < count && performance.now() - start < waitMs) {
    const failed = readers.find(r => r.error !== undefined)
    if (failed !== undefined) {
      closeFastReaders()
      throw new Error(`GET ${url}: ${failed.error}`)
    }
    await sleep(POLL_MS)
  }
  open.since = performance.now()
  open.from = totalBytes(readers)
  return { ms: open.since - start, flowing: flowingCount(readers) }
}

/**
 * Destroys the readers' sockets.
 * @returns {{ mibPerSecond: number }} what they read together since the measurement began.
 */
export function closeFastReaders () {
  if (open === null) return { mibPerSecond: NaN }
  const { readers, since, from } = open
  open = null
  for (const reader of readers) reader.socket.destroy()
  const seconds = (performance.now() - since) / 1000
  return { mibPerSecond: since === 0 ? NaN : (totalBytes(readers) - from) / (1 << 20) / seconds }
}

function connect (host, port, request, buffer) {
  const reader = { socket: null, bytes: 0, error: undefined }
  reader.socket = net.connect({
    host,
    port,
    // One buffer for every socket: the bytes are never looked at after the status line.
    onread: {
      buffer,
      callback (n) {
        if (reader.bytes === 0 && buffer.latin1Slice(0, 12) !== 'HTTP/1.1 200') reader.error = buffer.latin1Slice(0, Math.min(n, 80)).split('\r\n')[0]
        reader.bytes += n
      }
    }
  })
  reader.socket.once('connect', () => reader.socket.write(request))
  reader.socket.on('error', err => { reader.error ??= err.message })
  return reader
}

function flowingCount (readers) {
  return readers.filter(r => r.bytes >= FLOWING_BYTES).length
}

function totalBytes (readers) {
  return readers.reduce((sum, r) => sum + r.bytes, 0)
}
