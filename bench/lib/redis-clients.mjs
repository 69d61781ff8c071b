/**
 * Which of Redis's clients belong to one process. Every hub process names its connections
 * `fastify-stream-<role>`, so the name alone cannot tell two processes apart: CLIENT LIST
 * gives each client's address, and Linux's /proc tells which local ports a process holds.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'

const HUB_NAME = /^fastify-stream-/
// The adapter's default key prefix (lib/hub/redis/keys.ts), which the bench does not change.
const KEY_PREFIX = 'fastify-stream:'

/**
 * The pub/sub channel the Redis adapter announces `topic`'s events on.
 * @param {string} topic
 * @returns {string}
 */
export function hubChannel (topic) {
  return `${KEY_PREFIX}{${topic}}:events`
}

/**
 * The Redis connections named `fastify-stream-*` that process `pid` holds, read from the
 * server's side.
 * @param {import('ioredis').Redis} admin a connection to that Redis.
 * @param {number} pid
 * @param {number} redisPort
 * @returns {Promise<{ count: number, roles: string[], allHub: number }>} `allHub` counts
 *   every `fastify-stream-*` client, of any process.
 */
export async function hubConnectionsOf (admin, pid, redisPort) {
  const ports = await localPortsTo(pid, redisPort)
  const clients = parseClientList(await admin.client('LIST')).filter(client => HUB_NAME.test(client.name ?? ''))
  const own = clients.filter(client => ports.has(Number(client.addr?.split(':').pop())))
  return { count: own.length, roles: own.map(client => client.name).sort(), allHub: clients.length }
}

/**
 * CLIENT LIST's lines as objects of their `key=value` fields.
 * @param {string} text
 * @returns {Record<string, string>[]}
 */
export function parseClientList (text) {
  return text.trim().split('\n').filter(Boolean).map(line => {
    const client = {}
    for (const field of line.trim().split(' ')) {
      const eq = field.indexOf('=')
      if (eq > 0) client[field.slice(0, eq)] = field.slice(eq + 1)
    }
    return client
  })
}

// The local ports of `pid`'s TCP sockets whose remote end is `remotePort`: its descriptors
// name socket inodes, and /proc/net/tcp maps inodes to addresses (ports in hex).
async function localPortsTo (pid, remotePort) {
  const inodes = new Set()
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    const match = /^socket:\[(\d+)\]$/.exec(target)
    if (match !== null) inodes.add(match[1])
  }
  const ports = new Set()
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10 || !inodes.has(fields[9])) continue
      const local = parseInt(fields[1].split(':')[1], 16)
      const remote = parseInt(fields[2].split(':')[1], 16)
      if (remote === remotePort) ports.add(local)
    }
  }
  return ports
}
