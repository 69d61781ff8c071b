/**
 * A streaming GET on a bare TCP socket, for the fan-out client: thousands of subscribers
 * each getting an event every 100 ms is 50k reads/s, and node:http's parser and streams
 * would make the load generator, not the server, set the latency. Events are written one
 * per chunk by both servers, so the chunked framing can be left in the text.
 */
import net from 'node:net'

const HEAD_TIMEOUT_MS = 30_000

/**
 * Connects, sends a GET with `Accept: text/event-stream`, and resolves once the response
 * head and the first body bytes arrived.
 * @param {string} url an http:// URL on loopback.
 * @returns {Promise<import('node:net').Socket>} the socket, paused on nothing: attach a
 *   'data' listener right away.
 * @throws on a connection error, a non-200 status or no head within 30 s.
 */
export function openRawStream (url) {
  const { hostname, port, pathname, search } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port), noDelay: true })
    let head = ''
    const timer = setTimeout(() => fail(new Error(`GET ${url}: no response head within ${HEAD_TIMEOUT_MS} ms`)), HEAD_TIMEOUT_MS)
    function fail (err) {
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    function onData (chunk) {
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      // The head, plus at least one byte of body: the stream's preamble.
      if (end === -1 || head.length <= end + 4) return
      if (!head.startsWith('HTTP/1.1 200')) return fail(new Error(`GET ${url}: ${head.slice(0, head.indexOf('\r\n'))}`))
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', fail)
      resolve(socket)
    }
    socket.on('data', onData)
    socket.once('error', fail)
    socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`)
  })
}
