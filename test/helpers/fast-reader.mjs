// A child process that opens streams on raw sockets and reads them as fast as it can, so the
// server under test meets readers it cannot starve by starving itself (an in-process reader
// only reads when the server's event loop lets it).
// Usage: node fast-reader.mjs <port> <path> <connections> <accept> [localAddress]
// Prints one JSON line per event: {"flowing":true} once every socket has read FLOWING_BYTES,
// then {"ended":i,"bytes":n,"tail":"…"} as each socket closes.
import net from 'node:net'

const FLOWING_BYTES = 1 << 20
const TAIL_CHARS = 400

const [port, path, connections, accept, localAddress] = process.argv.slice(2)
const sockets = Number(connections)
let flowing = 0

for (let i = 0; i < sockets; i++) {
  const socket = net.connect({ port: Number(port), host: '127.0.0.1', localAddress })
  let bytes = 0
  let tail = ''
  socket.on('connect', () => {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\n\r\n`)
  })
  socket.on('data', chunk => {
    const before = bytes
    bytes += chunk.length
    tail = (tail + chunk.toString('latin1')).slice(-TAIL_CHARS)
    if (before < FLOWING_BYTES && bytes >= FLOWING_BYTES && ++flowing === sockets) report({ flowing: true })
  })
  socket.on('error', () => {})
  socket.on('close', () => report({ ended: i, bytes, tail }))
}

function report (message) {
  process.stdout.write(JSON.stringify(message) + '\n')
}

// The parent may die without a word; never outlive it.
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
