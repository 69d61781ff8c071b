/**
 * Starts a private Redis Cluster for a test: three masters (and optionally one replica each)
 * on free loopback ports, no persistence, a temp dir per node, joined with
 * `redis-cli --cluster create` and stopped in teardown. Each node runs under the same kind of
 * guard as test/helpers/redis-server.ts, so a test process that dies leaves no node behind.
 * A node can be killed (SIGKILL) or frozen (SIGSTOP) to test a failed master. When a binary
 * is missing it throws: the cluster tests never skip silently.
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { freePort, launchGuarded, signalGuarded as signal, terminateGuarded as terminate } from './guarded-redis.js'

const SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
const CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli'
const CREATE_TIMEOUT_MS = 30_000
// Cluster state is only observable by asking the nodes; polled this often, within a deadline.
const POLL_MS = 50
const SLOTS = 16384
// No command of the helper's may hang a test: a frozen node answers nothing.
const ADMIN_TIMEOUT_MS = 2000
/** The connection name of the helper's own connections (one per node). */
export const ADMIN_NAME = 'test-cluster-admin'
const INSTALL_HINT = 'install them with: sudo apt-get update && sudo apt-get install -y redis-server redis-tools ' +
  '(npm test runs test/system-deps.mjs, which does this on Debian)'

/** Settings of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Replicas per master: 0 (three nodes) or 1 (six nodes). Default 0. */
  replicas?: 0 | 1
  /**
   * `cluster-node-timeout` in ms (default 1000): how long a silent node takes to be marked
   * failed, and so how soon a replica takes over. Redis's own default is 15 s.
   */
  nodeTimeoutMs?: number
}

/** One node of a {@link RedisCluster}. */
export interface ClusterNode {
  readonly port: number
  /** `127.0.0.1:<port>`, as CLUSTER SLOTS and ioredis name it. */
  readonly address: string
  /** Kills it at once (SIGKILL): its connections drop, its data is gone. */
  kill (): Promise<void>
  /** Freezes it (SIGSTOP): connections stay open and nothing is answered. Resolves once signalled. */
  freeze (): Promise<void>
  /** Thaws a frozen node (SIGCONT). Resolves once signalled. */
  thaw (): Promise<void>
  /** Sends a command to this node on the helper's own connection (no retries). */
  call (command: string, ...args: Array<string | number>): Promise<unknown>
}

/** A running private Redis Cluster. */
export interface RedisCluster {
  /** Every node, masters first in creation order (`redis-cli` makes the first three masters). */
  readonly nodes: ClusterNode[]
  /** The nodes to pass to `new Cluster(startupNodes)`. */
  readonly startupNodes: Array<{ host: string, port: number }>
  /** The node serving `slot` as master now, as `asked` (default: the first running node) sees it. */
  masterOf (slot: number, asked?: ClusterNode): Promise<ClusterNode>
  /** A replica of `master` that its master sees connected (ROLE). */
  replicaOf (master: ClusterNode): Promise<ClusterNode>
  /** The hash slot of `key` (CLUSTER KEYSLOT). */
  slotOf (key: string): Promise<number>
  /**
   * Resolves once every node still running (not killed) reports `cluster_state:ok` and
   * serves every slot from a running master: after a failover, once a replica took over.
   */
  waitUntilOk (timeoutMs?: number): Promise<void>
  /** Resolves once every other running node flags `node` as failed (`fail`, not `fail?`). */
  waitUntilFailed (node: ClusterNode, timeoutMs?: number): Promise<void>
  /** Stops every node (SIGTERM) and removes their directories. Safe to call twice. */
  stop (): Promise<void>
}

/** Starts a private Redis Cluster; rejects (with every node stopped) if it does not come up. */
export async function startRedisCluster (options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const replicas = options.replicas ?? 0
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000
  await Promise.all([SERVER, CLI].map(binary => access(binary, constants.X_OK).catch(() => {
    throw new Error(`a Redis Cluster could not be started (${binary} is missing); ${INSTALL_HINT}`)
  })))
  const count = 3 * (1 + replicas)
  const dir = await mkdtemp(join(tmpdir(), 'fastify-stream-cluster-'))
  const nodes: Node[] = []
  const cluster = createCluster(nodes, dir)
  try {
    // Sequential: each port pair is probed and taken before the next one is probed.
    for (let i = 0; i < count; i++) nodes.push(await startNode(dir, i, nodeTimeoutMs))
    await run(CLI, ['--cluster', 'create', ...nodes.map(node => node.address), '--cluster-replicas', String(replicas), '--cluster-yes'])
    await cluster.waitUntilOk(CREATE_TIMEOUT_MS)
    if (replicas > 0) await waitForReplicas(nodes.slice(3))
  } catch (err) {
    await cluster.stop()
    throw err
  }
  return cluster
}

// One entry of a CLUSTER SLOTS reply: first slot, last slot, master [host, port, id], replicas.
type SlotRange = [number, number, [string, number, string]]

interface Node extends ClusterNode {
  child: ChildProcess | undefined
  admin: Redis
  stop (): Promise<void>
}

function createCluster (nodes: Node[], dir: string): RedisCluster {
  let stopped: Promise<void> | undefined
  const live = (): Node[] => nodes.filter(node => node.child !== undefined)
  return {
    nodes,
    get startupNodes () {
      return nodes.map(node => ({ host: '127.0.0.1', port: node.port }))
    },
    async masterOf (slot, asked = live()[0]) {
      const ranges = await (asked as ClusterNode).call('CLUSTER', 'SLOTS') as SlotRange[]
      const range = ranges.find(([from, to]) => from <= slot && slot <= to)
      const node = range === undefined ? undefined : nodes.find(node => node.port === Number(range[2][1]))
      if (node === undefined) throw new Error(`no master serves slot ${slot}`)
      return node
    },
    async replicaOf (master) {
      const [, , replicas] = await master.call('ROLE') as [string, number, Array<[string, string, string]>]
      const node = nodes.find(node => replicas.some(([, port]) => Number(port) === node.port))
      if (node === undefined) throw new Error(`${master.address} has no replica`)
      return node
    },
    async slotOf (key) {
      return Number(await (live()[0] as Node).call('CLUSTER', 'KEYSLOT', key))
    },
    async waitUntilOk (timeoutMs = 20_000) {
      const running = new Set(live().map(node => node.port))
      await until(async () => {
        const answers = await Promise.all(live().map(node => Promise.all([node.call('CLUSTER', 'INFO'), node.call('CLUSTER', 'SLOTS')]).catch(() => undefined)))
        if (!answers.every(answer => answer !== undefined && String(answer[0]).includes('cluster_state:ok') && servesAll(answer[1] as SlotRange[], running))) return false
        // Every node must also name the same master for each slot: while the epochs settle,
        // two nodes can point at each other and a client bounces between them (MOVED).
        return new Set(answers.map(answer => slotMap(answer?.[1] as SlotRange[]))).size === 1
      }, timeoutMs, 'cluster_state:ok with every slot on a running master, the same one on every running node')
    },
    async waitUntilFailed (failed, timeoutMs = 20_000) {
      const others = live().filter(node => node !== failed)
      await until(async () => {
        const views = await Promise.all(others.map(node => node.call('CLUSTER', 'NODES').catch(() => '')))
        return views.every(view => String(view).split('\n').some(line => line.includes(` ${failed.address}@`) && / (?:\S+,)?fail[ ,]/.test(line)))
      }, timeoutMs, `${failed.address} flagged as failed by every other running node`)
    },
    stop () {
      stopped ??= (async () => {
        await Promise.all(nodes.map(node => node.stop()))
        await rm(dir, { recursive: true, force: true })
      })()
      return stopped
    }
  }
}

async function startNode (dir: string, index: number, nodeTimeoutMs: number): Promise<Node> {
  const port = await freePort()
  // The bus port defaults to port + 10000, which may be taken or above 65535: probe it too.
  let bus = await freePort()
  while (bus === port) bus = await freePort()
  const args = [
    '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1',
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${index}.conf`),
    '--cluster-node-timeout', String(nodeTimeoutMs),
    // Topics on the other masters keep working while one master is down without a replica.
    '--cluster-require-full-coverage', 'no',
    // A replica takes over however long its master was silent, and syncs without delay.
    '--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0',
    '--appendonly', 'no', '--save', '', '--dir', dir, '--dbfilename', `dump-${index}.rdb`
  ]
  // Named, so a test can tell the helper's connections from the adapter's in CLIENT LIST.
  const admin = new Redis({ host: '127.0.0.1', port, connectionName: ADMIN_NAME, lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 0, commandTimeout: ADMIN_TIMEOUT_MS, retryStrategy: () => 100 })
  admin.on('error', () => {})
  const node: Node = {
    port,
    address: `127.0.0.1:${port}`,
    child: await launch(args),
    admin,
    async kill () {
      await terminate(node.child, 'kill')
      node.child = undefined
    },
    freeze: () => signal(node.child, 'stop'),
    thaw: () => signal(node.child, 'cont'),
    call (command, ...rest) {
      return admin.call(command, ...rest)
    },
    async stop () {
      admin.disconnect()
      await terminate(node.child, 'term')
      node.child = undefined
    }
  }
  return node
}

function slotMap (ranges: SlotRange[]): string {
  return ranges.map(([from, to, master]) => `${from}-${to}:${master[1]}`).sort().join(',')
}

// With cluster-require-full-coverage off, cluster_state is ok while slots are unserved (their
// master failed and nobody took over): count the slots, and check who serves them.
function servesAll (ranges: SlotRange[], running: Set<number>): boolean {
  let slots = 0
  for (const [from, to, [, port]] of ranges) {
    if (!running.has(Number(port))) return false
    slots += to - from + 1
  }
  return slots === SLOTS
}

async function waitForReplicas (replicas: Node[]): Promise<void> {
  await until(async () => {
    const infos = await Promise.all(replicas.map(node => node.call('INFO', 'replication').catch(() => '')))
    return infos.every(info => String(info).includes('master_link_status:up'))
  }, CREATE_TIMEOUT_MS, 'every replica in sync with its master')
}

async function until (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Redis Cluster: no ${what} within ${timeoutMs} ms`)
    await delay(POLL_MS)
  }
}

function launch (args: string[]): Promise<ChildProcess> {
  return launchGuarded(SERVER, args, INSTALL_HINT)
}

function run (binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: CREATE_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err === null) resolve()
      else reject(new Error(`${binary} ${args.join(' ')} failed: ${err.message}\n${stdout.slice(-2000)}${stderr.slice(-2000)}`))
    })
  })
}
