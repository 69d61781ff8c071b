/**
 * Scenario 10's streams: an SSE GET on a bare TCP socket bound to a chosen source address,
 * so that one machine can open more streams to one server port than one address has
 * ephemeral ports. Each chunk is kept with its arrival time and parsed only when asked: at
 * fan-out, a client process then spends a push per socket, not a parse.
 */
import net from 'node:net'
import { preciseNow } from '../servers/publish-series.mjs'

const HEAD_TIMEOUT_MS = 30_000
const HEAD_END = '\r\n\r\n'
const EVENT_LINE = /^event: (.*)$/m
const DATA_LINE = /^data: (.*)$/m

/** One open stream: what arrived and when, and how it ended. */
export class HeldStream {
  /** @param {import('node:net').Socket} socket */
  constructor (socket) {
    this.socket = socket
    /** Chunks not parsed yet, with their arrival times. */
    this.unread = []
    this.carry = ''
    /** Delivery latency (ms) by event seq. */
    this.latencies = new Map()
    /** The last named event (`end`, or the fault event with its code), or `none`. */
    this.last = 'none'
    /** Whether the server ended the connection (FIN) rather than it breaking. */
    this.fin = false
    this.closedAt = NaN
    socket.on('data', chunk => this.unread.push(preciseNow(), chunk))
    socket.once('end', () => { this.fin = true })
    socket.once('close', () => { this.closedAt = preciseNow() })
    socket.on('error', () => {})
  }

  /**
   * Parses what arrived since the last call.
   * @returns {this}
   */
  read () {
    for (let i = 0; i < this.unread.length; i += 2) {
      // Frames end with a blank line; chunked-encoding size lines sit between them.
      const frames = (this.carry + this.unread[i + 1].toString('utf8')).split('\n\n')
      this.carry = frames.pop()
      for (const text of frames) this.take(text, this.unread[i])
    }
    this.unread = []
    return this
  }

  take (text, at) {
    const data = DATA_LINE.exec(text)?.[1]
    const payload = data?.startsWith('{') ? JSON.parse(data) : undefined
    if (typeof payload?.sentAt === 'number') {
      if (!this.latencies.has(payload.seq)) this.latencies.set(payload.seq, at - payload.sentAt)
      return
    }
    const event = EVENT_LINE.exec(text)?.[1]
    if (event !== undefined) this.last = payload?.code === undefined ? event : `${event} ${payload.code}`
  }
}

/**
 * Opens a stream from `localAddress` and resolves once the response head and the first body
 * bytes (the preamble) arrived.
 * @param {string} url an http:// URL on loopback.
 * @param {string} localAddress a 127.x.y.z address to bind.
 * @returns {Promise<HeldStream>}
 * @throws on a connection error, a non-200 status or no head within 30 s.
 */
export function holdStream (url, localAddress) {
  const { hostname, port, pathname } = new URL(url)
  const socket = net.connect({ host: hostname, port: Number(port), localAddress })
  const stream = new HeldStream(socket)
  socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(new Error(`GET ${url}: no response head within ${HEAD_TIMEOUT_MS} ms`)), HEAD_TIMEOUT_MS)
    const settle = err => {
      clearTimeout(timer)
      socket.off('data', check)
      socket.off('error', settle)
      if (err === undefined) return resolve(stream)
      socket.destroy()
      reject(err)
    }
    // Runs after the stream's own listener, so the chunk is already in `unread`.
    function check () {
      const text = Buffer.concat(stream.unread.filter(Buffer.isBuffer)).toString('latin1')
      const end = text.indexOf(HEAD_END)
      if (end === -1 || text.length === end + HEAD_END.length) return
      settle(text.startsWith('HTTP/1.1 200') ? undefined : new Error(`GET ${url}: ${text.slice(0, text.indexOf('\r\n'))}`))
    }
    socket.on('data', check)
    socket.once('error', settle)
  })
}
