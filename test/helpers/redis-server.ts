/**
 * Starts a private redis-server for a test: a free loopback port, no persistence, a temp
 * dir, stopped in teardown. It can be killed and started again on the same port to test
 * outages. When redis-server cannot start, it throws (the test fails): the Redis tests never
 * skip silently.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
const READY = 'Ready to accept connections'
const START_TIMEOUT_MS = 10_000
// redis-server runs under a small shell that holds the test process's pipe: lines on it say
// what to do (stop: SIGSTOP, cont: SIGCONT, kill: SIGKILL, anything else: SIGTERM), and if
// the test process dies without teardown (a tap timeout), the pipe closes and the server is
// stopped anyway, never orphaned.
const GUARD = '"$@" & pid=$!; while read how; do case "$how" in stop) kill -STOP $pid;; cont) kill -CONT $pid;; kill) kill -KILL $pid; break;; *) break;; esac; done; ' +
  'kill -CONT $pid 2>/dev/null; kill -TERM $pid 2>/dev/null; wait $pid'
const INSTALL_HINT = 'install it with: sudo apt-get update && sudo apt-get install -y redis-server ' +
  '(npm test runs test/system-deps.mjs, which does this on Debian)'

/** A running (or stopped) private Redis. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Starts it again on the same port after {@link RedisServer.kill} or {@link RedisServer.stop}. */
  start (): Promise<void>
  /** Kills it at once (SIGKILL): connections drop without a goodbye, data is lost. */
  kill (): Promise<void>
  /** Stops it (SIGTERM) and removes its directory. */
  stop (): Promise<void>
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. Resolves once it is frozen. */
  pause (): Promise<void>
  /** Thaws it (SIGCONT). */
  resume (): void
}

/** How the server persists its data. */
export interface RedisServerOptions {
  /** Append-only file with fsync on every write, so a SIGKILL loses nothing acknowledged. */
  appendonly?: boolean
}

/** Starts a private redis-server on a free port. */
export async function startRedisServer (options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'fastify-stream-redis-'))
  const persistence = options.appendonly === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  let child: ChildProcess | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start () {
      child = await launch(port, dir, persistence)
    },
    async pause () {
      child?.stdin?.write('stop\n')
      // Frozen once a PING goes unanswered: the signal is sent by the guard, not by us.
      for (let attempt = 0; attempt < 50; attempt++) {
        if (!await answersPing(port, 100)) return
      }
      throw new Error('redis-server did not freeze')
    },
    resume () {
      child?.stdin?.write('cont\n')
    },
    async kill () {
      await terminate(child, 'kill')
      child = undefined
    },
    async stop () {
      await terminate(child, 'term')
      child = undefined
      await rm(dir, { recursive: true, force: true })
    }
  }
  await server.start()
  return server
}

async function launch (port: number, dir: string, persistence: string[]): Promise<ChildProcess> {
  try {
    await access(BINARY, constants.X_OK)
  } catch {
    throw new Error(`redis-server could not be started (${BINARY} is missing); ${INSTALL_HINT}`)
  }
  return new Promise((resolve, reject) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir]
    const child = spawn('/bin/sh', ['-c', GUARD, 'redis-guard', BINARY, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.stdin?.end('kill\n')
      reject(new Error(`redis-server could not be started (${why}); ${INSTALL_HINT}\n${output.slice(-2000)}`))
    }
    const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes(READY)) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        // Keep draining its output so a chatty server never blocks on a full pipe.
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('error', err => fail(err.message))
    child.once('exit', code => { if (!output.includes(READY)) fail(`it exited with code ${code}`) })
  })
}

async function terminate (child: ChildProcess | undefined, how: 'kill' | 'term'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.stdin?.end(how + '\n')
  await exited
}

/** True when a PING on a fresh connection is answered within `ms`. */
function answersPing (port: number, ms: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    const done = (answered: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answered)
    }
    const timer = setTimeout(done, ms, false)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', () => done(true))
    socket.once('error', () => done(false))
  })
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
