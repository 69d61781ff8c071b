/**
 * Starts a private redis-server for a test: a free loopback port, no persistence, a temp
 * dir, stopped in teardown. It can be killed and started again on the same port to test
 * outages. When redis-server cannot start, it throws (the test fails): the Redis tests never
 * skip silently. It runs under a guard (guarded-redis.ts), so a dead test leaves no server.
 */
import type { ChildProcess } from 'node:child_process'
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, launchGuarded, signalGuarded, terminateGuarded } from './guarded-redis.js'

const BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
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

/** How the server persists its data, and whose replica it is. */
export interface RedisServerOptions {
  /** Append-only file, so a SIGKILL loses nothing acknowledged. */
  appendonly?: boolean
  /** When the file is fsynced (default `'always'`, on every write). */
  appendfsync?: 'always' | 'everysec'
  /** Starts as a replica of this server (`--replicaof`). */
  replicaOf?: RedisServer
}

/** Starts a private redis-server on a free port. */
export async function startRedisServer (options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'fastify-stream-redis-'))
  const settings = options.appendonly === true ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always'] : ['--appendonly', 'no']
  if (options.replicaOf !== undefined) settings.push('--replicaof', '127.0.0.1', String(options.replicaOf.port))
  let child: ChildProcess | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start () {
      child = await launch(port, dir, settings)
    },
    async pause () {
      await signalGuarded(child, 'stop')
    },
    resume () {
      child?.stdin?.write('cont\n')
    },
    async kill () {
      await terminateGuarded(child, 'kill')
      child = undefined
    },
    async stop () {
      await terminateGuarded(child, 'term')
      child = undefined
      await rm(dir, { recursive: true, force: true })
    }
  }
  await server.start()
  return server
}

async function launch (port: number, dir: string, settings: string[]): Promise<ChildProcess> {
  try {
    await access(BINARY, constants.X_OK)
  } catch {
    throw new Error(`redis-server could not be started (${BINARY} is missing); ${INSTALL_HINT}`)
  }
  // A replica syncs at once: Redis 7 otherwise waits 5 s for more replicas to share the sync.
  return launchGuarded(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--repl-diskless-sync-delay', '0', ...settings, '--dir', dir], INSTALL_HINT)
}
