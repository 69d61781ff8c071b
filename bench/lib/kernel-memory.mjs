/**
 * The kernel's side of many open sockets, read from /proc: slab memory (socket structs,
 * inodes, files, epoll items) and the TCP buffer pages that `net.ipv4.tcp_mem` limits.
 * Both are machine-wide, so a delta over an interval covers both ends of a loopback stream.
 */
import { readFile } from 'node:fs/promises'

const PAGE_KIB = 4

/**
 * @returns {Promise<{ slabKiB: number, tcpBufferKiB: number, tcpSockets: number }>} NaN
 *   where /proc does not say (not Linux).
 */
export async function readKernelMemory () {
  const [meminfo, sockstat] = await Promise.all([readProc('/proc/meminfo'), readProc('/proc/net/sockstat')])
  return {
    slabKiB: numberAfter(meminfo, /^Slab:\s+(\d+) kB/m),
    tcpBufferKiB: numberAfter(sockstat, /^TCP:.* mem (\d+)/m) * PAGE_KIB,
    tcpSockets: numberAfter(sockstat, /^TCP: inuse (\d+)/m)
  }
}

function readProc (file) {
  return readFile(file, 'utf8').catch(() => '')
}

function numberAfter (text, pattern) {
  const match = pattern.exec(text)
  return match === null ? NaN : Number(match[1])
}
