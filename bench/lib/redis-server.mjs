/**
 * A private redis-server for the Redis scenario: a free loopback port, no persistence, a
 * temporary directory, and an admin connection that reads INFO and CLIENT LIST. It runs
 * under a small shell that holds a pipe from this process: when the orchestrator exits, even
 * killed, the pipe closes and the server is killed with it, never orphaned.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { NotAvailable } from './not-available.mjs'

const BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
const READY = 'Ready to accept connections'
const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5000
// A wedged Redis fails the scenario instead of hanging the run.
const ADMIN_TIMEOUT_MS = 10_000
// A port found free may be taken before redis-server binds it; so few tries are enough.
const START_ATTEMPTS = 3
// Any line, or the end of the pipe, kills the server.
const GUARD = '"$@" & pid=$!; read _; kill -KILL $pid 2>/dev/null; wait $pid'

/**
 * Starts redis-server on a free 127.0.0.1 port with `--save '' --appendonly no`.
 * @param {{ replicaOf?: { port: number } }} [options] start as a replica of that server.
 * @returns {Promise<{ port: number, url: string, admin: Redis, info: () => Promise<Record<string, string>>, stop: () => Promise<void> }>}
 * @throws NotAvailable when there is no redis-server binary; Error when it does not start.
 */
export async function startRedisServer ({ replicaOf } = {}) {
  try {
    await access(BINARY, constants.X_OK)
  } catch {
    throw new NotAvailable(`${BINARY} is missing (set REDIS_SERVER, or apt-get install redis-server)`)
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'fastify-stream-bench-redis-'))
  let launched
  for (let attempt = 1; launched === undefined; attempt++) {
    const port = await freePort()
    try {
      launched = { port, child: await launch(port, dir, replicaOf === undefined ? [] : ['--replicaof', '127.0.0.1', String(replicaOf.port)]) }
    } catch (err) {
      if (attempt === START_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true })
        throw err
      }
    }
  }
  const { port, child } = launched
  const url = `redis://127.0.0.1:${port}`
  const admin = new Redis(url, { connectionName: 'bench-admin', maxRetriesPerRequest: 1, commandTimeout: ADMIN_TIMEOUT_MS })
  return {
    port,
    url,
    admin,
    info: async () => parseInfo(await admin.info('everything')),
    async stop () {
      admin.disconnect()
      await terminate(child)
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/**
 * INFO's `key:value` lines as an object (values stay strings).
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseInfo (text) {
  const info = {}
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0 && !line.startsWith('#')) info[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return info
}

/**
 * Redis's own CPU time so far (user + system), in µs.
 * @param {Record<string, string>} info
 * @returns {number}
 */
export function redisCpuMicros (info) {
  return (Number(info.used_cpu_user) + Number(info.used_cpu_sys)) * 1e6
}

/**
 * One command's line of INFO commandstats: how often it ran and for how long in total (µs),
 * execution only (not reading the request or writing the reply).
 * @param {Record<string, string>} info
 * @param {string} command lower case, e.g. `evalsha`.
 * @returns {{ calls: number, usec: number }}
 */
export function commandStat (info, command) {
  const fields = Object.fromEntries((info[`cmdstat_${command}`] ?? '').split(',').map(pair => pair.split('=')))
  return { calls: Number(fields.calls ?? 0), usec: Number(fields.usec ?? 0) }
}

function launch (port, dir, more) {
  return new Promise((resolve, reject) => {
    // A replica syncs at once: Redis 7 otherwise waits 5 s for more replicas to share the sync.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--dir', dir, ...more]
    const child = spawn('/bin/sh', ['-c', GUARD, 'redis-guard', BINARY, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS)
    function fail (why) {
      clearTimeout(timer)
      child.stdin.end('kill\n')
      reject(new Error(`redis-server on port ${port} could not be started (${why}): ${output.slice(-500)}`))
    }
    function onData (chunk) {
      output += chunk.toString()
      if (!output.includes(READY)) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      // Keep draining its log so that a chatty server never blocks on a full pipe.
      child.stdout.resume()
      resolve(child)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', chunk => { output += chunk.toString() })
    child.once('error', err => fail(err.message))
    child.once('exit', code => { if (!output.includes(READY)) fail(`it exited with code ${code}`) })
  })
}

async function terminate (child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.stdin.end('kill\n')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}
