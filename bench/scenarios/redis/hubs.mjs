/**
 * The Redis scenario's moving parts: hub processes (bench/servers/redis-hub.mjs), waiting
 * until Redis holds their subscriptions, and Redis's own CPU and command counters over a
 * window.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { benchFile } from '../../lib/paths.mjs'
import { startNode } from '../../lib/processes.mjs'
import { hubChannel } from '../../lib/redis-clients.mjs'
import { commandStat, redisCpuMicros } from '../../lib/redis-server.mjs'
import { preciseNow } from '../../servers/publish-series.mjs'

// PUBSUB NUMSUB arguments per command, so a 100k-topic check never builds one huge reply.
const NUMSUB_BATCH = 1000
const POLL_MS = 20
const SUBSCRIBE_TIMEOUT_MS = 120_000
// Quiet: no command but our own INFO over this long. The followers' first reads of their
// streams come after the channels are subscribed, and must not count in what follows.
export const QUIET_MS = 100
const QUIET_TIMEOUT_MS = 30_000

/**
 * One part of the scenario: it gets the run's context, the Redis server and a publishing
 * hub process, starts whatever else it needs, and returns its rows and notes.
 * @typedef {(
 *   ctx: ReturnType<import('../../lib/context.mjs').createContext>,
 *   redis: Awaited<ReturnType<import('../../lib/redis-server.mjs').startRedisServer>>,
 *   publisher: Awaited<ReturnType<typeof startHubProcess>>
 * ) => Promise<{ rows: import('../../lib/rows.mjs').Row[], notes: string[] }>} MeasurePart
 */

/**
 * Starts a hub process on `redis`, unpinned: Redis, the hubs and the publisher share the
 * machine's cores, as they would on one host. `--expose-gc` lets it report memory after GC.
 * @param {{ url: string }} redis
 * @param {string} name
 */
export function startHubProcess (redis, name) {
  return startNode(benchFile('servers/redis-hub.mjs'), { name, args: [redis.url], nodeFlags: ['--expose-gc'] })
}

/**
 * Waits until every channel of `prefix + 0` … `prefix + (topics - 1)` has exactly `expected`
 * subscribers on Redis (PUBSUB NUMSUB), so a publish made now reaches all of them.
 * @param {{ admin: import('ioredis').Redis }} redis
 * @param {{ prefix: string, topics: number, expected: number }} what
 * @returns {Promise<number>} when it was so (preciseNow()).
 * @throws after SUBSCRIBE_TIMEOUT_MS.
 */
export async function waitSubscribed (redis, { prefix, topics, expected }) {
  const deadline = Date.now() + SUBSCRIBE_TIMEOUT_MS
  for (;;) {
    const pending = await channelsOff(redis.admin, prefix, topics, expected)
    if (pending === 0) return preciseNow()
    if (Date.now() > deadline) throw new Error(`${pending} of ${topics} channels of ${prefix}* still without ${expected} subscribers after ${SUBSCRIBE_TIMEOUT_MS} ms`)
    await sleep(POLL_MS)
  }
}

/**
 * Waits until `check()` is true, every POLL_MS, for at most `timeoutMs`.
 * @param {() => Promise<boolean>} check
 * @param {{ timeoutMs: number, what: string }} options
 * @throws naming `what` when the time is up.
 */
export async function waitUntil (check, { timeoutMs, what }) {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`)
    await sleep(POLL_MS)
  }
}

/**
 * Redis's CPU (user + system, in µs) and commands processed, to subtract: `await
 * redisUsage(redis)` before and after a workload, then {@link usageBetween}.
 * @param {{ info: () => Promise<Record<string, string>> }} redis
 * @returns {Promise<{ at: number, cpuMicros: number, commands: number, info: Record<string, string> }>}
 */
export async function redisUsage (redis) {
  const info = await redis.info()
  return { at: preciseNow(), cpuMicros: redisCpuMicros(info), commands: Number(info.total_commands_processed), info }
}

/**
 * What Redis did between two {@link redisUsage} readings. The first reading's INFO counts
 * as one command (a command is counted once it has run), so it is taken off.
 * @returns {{ ms: number, cpuMicros: number, commands: number, executed: (command: string) => { calls: number, usec: number }, cpuPercent: number, commandsPerSecond: number }}
 *   `executed(command)` is that command's INFO commandstats over the interval.
 */
export function usageBetween (before, after) {
  const ms = after.at - before.at
  const cpuMicros = after.cpuMicros - before.cpuMicros
  const commands = after.commands - before.commands - 1
  const executed = command => {
    const [from, to] = [commandStat(before.info, command), commandStat(after.info, command)]
    return { calls: to.calls - from.calls, usec: to.usec - from.usec }
  }
  return { ms, cpuMicros, commands, executed, cpuPercent: cpuMicros / (ms * 1000) * 100, commandsPerSecond: commands / (ms / 1000) }
}

/**
 * Waits until Redis has processed no command but ours for QUIET_MS.
 * @throws after QUIET_TIMEOUT_MS.
 */
export async function waitQuiet (redis) {
  const deadline = Date.now() + QUIET_TIMEOUT_MS
  let last = await redisUsage(redis)
  for (;;) {
    await sleep(QUIET_MS)
    const next = await redisUsage(redis)
    if (usageBetween(last, next).commands === 0) return
    if (Date.now() > deadline) throw new Error(`Redis still busy after ${QUIET_TIMEOUT_MS} ms (${usageBetween(last, next).commands} commands in the last ${QUIET_MS} ms)`)
    last = next
  }
}

/**
 * Redis's CPU (as a percentage of one core) and commands per second over `ms` of doing
 * nothing on our side.
 */
export async function idleUsage (redis, ms) {
  const before = await redisUsage(redis)
  await sleep(ms)
  return usageBetween(before, await redisUsage(redis))
}

async function channelsOff (admin, prefix, topics, expected) {
  let off = 0
  for (let from = 0; from < topics; from += NUMSUB_BATCH) {
    const channels = []
    for (let topic = from; topic < Math.min(topics, from + NUMSUB_BATCH); topic++) channels.push(hubChannel(prefix + topic))
    const reply = await admin.pubsub('NUMSUB', ...channels)
    for (let i = 1; i < reply.length; i += 2) if (Number(reply[i]) !== expected) off++
  }
  return off
}
