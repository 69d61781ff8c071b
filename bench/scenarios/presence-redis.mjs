/**
 * Scenario 16: presence on Redis. A private redis-server serves hub processes built from
 * dist/ with a short lease (presenceTtlMs 3000, renewed every second) so the parts stay short:
 * - memory per idle subscriber with presence against the same subscriber without it, in the
 *   hub process, at 10,000;
 * - Redis's work at steady state (commands and CPU per second) with 10,000 present clients
 *   on one topic and on 1,000 topics, against the same subscribers without presence;
 * - Redis's work per join and per leave, over bursts of 10,000;
 * - the time from a SIGKILL of a process with 100 present users to the last of their leave
 *   events on another process.
 */
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'
import { stopAll, startNode } from '../lib/processes.mjs'
import { benchFile } from '../lib/paths.mjs'
import { startRedisServer } from '../lib/redis-server.mjs'
import { preciseNow } from '../servers/publish-series.mjs'
import { redisUsage, usageBetween, waitQuiet } from './redis/hubs.mjs'

const TTL_MS = 3000
const RENEW_MS = TTL_MS / 3
// The hub's default coalescing delay: a leave reaches watchers this much after Redis has it.
const PRESENCE_DELAY_MS = 500
const KILLED_USERS = 100
const KIB = 1024

export default {
  number: 16,
  id: 'presence-redis',
  title: 'Presence on Redis: memory per subscriber, Redis work at steady state and per join and leave, SIGKILL to leave',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const count = ctx.quick ? 2000 : 10_000
    const n = count.toLocaleString('en-US')
    const rounds = Math.min(ctx.rounds, 3)
    const redis = await startRedisServer()
    try {
      const hub = await startHubProcess(redis, 'presence-hub')
      let prefix = 0
      /** One round: `count` subscribers over `topics` topics, measured while they sit idle. */
      const hold = async (presence, topics) => {
        const names = `r${++prefix}-`
        await waitQuiet(redis)
        const memoryBefore = await hub.call('memory')
        const joinedFrom = await redisUsage(redis)
        await hub.call('subscribe', { prefix: names, topics, perTopic: count / topics, presence }, 120_000)
        const joinedTo = await redisUsage(redis)
        const joined = usageBetween(joinedFrom, joinedTo)
        const memory = await hub.call('memory')
        // Steady state: three renewal intervals with nothing else happening.
        const steadyFrom = await redisUsage(redis)
        await new Promise(resolve => setTimeout(resolve, 3 * RENEW_MS))
        const steady = usageBetween(steadyFrom, await redisUsage(redis))
        const leftFrom = await redisUsage(redis)
        await hub.call('unsubscribe', { presence }, 120_000)
        const left = usageBetween(leftFrom, await redisUsage(redis))
        return {
          heapPer: (memory.heapUsed - memoryBefore.heapUsed) / count / KIB,
          redisBytesPer: (Number(joinedTo.info.used_memory) - Number(joinedFrom.info.used_memory)) / count,
          steadyCommands: steady.commandsPerSecond,
          steadyCalls: steady.executed('evalsha').calls / (steady.ms / 1000),
          steadyScriptUsec: steady.executed('evalsha').usec / Math.max(1, steady.executed('evalsha').calls),
          steadyCpu: steady.cpuPercent,
          joinCpu: joined.cpuMicros / count,
          joinCalls: joined.executed('evalsha').calls / count,
          leaveCpu: left.cpuMicros / count
        }
      }
      const oneTopic = await interleave({ rounds, log: ctx.log, label: `${n} subscribers on one topic, with presence and without` }, () => hold(true, 1), () => hold(false, 1))
      const spread = await interleave({ rounds, log: ctx.log, label: `${n} subscribers on 1,000 topics, with presence and without` }, () => hold(true, 1000), () => hold(false, 1000))
      const kills = await measureKills(ctx, redis, rounds)
      const row = (results, label, field, unit) => makeRow({ metric: label, unit, ours: pick(results.ours, field), base: pick(results.base, field) })
      return {
        rows: [
          row(oneTopic, `${n} idle subscribers on one topic (hub process), with presence ÷ without: V8 heap per subscriber`, 'heapPer', 'KiB'),
          row(oneTopic, `Redis memory per subscriber (used_memory), ${n} on one topic, with presence ÷ without`, 'redisBytesPer', 'B'),
          row(oneTopic, `Redis commands per second at steady state, ${n} present on one topic ÷ not present`, 'steadyCommands', '/s'),
          row(spread, `Redis commands per second at steady state, ${n} present on 1,000 topics ÷ not present`, 'steadyCommands', '/s'),
          makeRow({ metric: `Presence script calls per second at steady state, ${n} present on 1,000 topics (one per topic and renewal)`, unit: '/s', ours: pick(spread.ours, 'steadyCalls') }),
          makeRow({ metric: 'Redis time per renewal call (INFO commandstats usec per EVALSHA), 1,000 topics', unit: 'µs', ours: pick(spread.ours, 'steadyScriptUsec') }),
          row(spread, `Redis CPU at steady state (% of a core), ${n} present on 1,000 topics ÷ not present`, 'steadyCpu', '%'),
          row(oneTopic, 'Redis CPU per subscribe, one topic, with presence ÷ without', 'joinCpu', 'µs'),
          row(oneTopic, 'Redis CPU per unsubscribe, one topic, with presence ÷ without', 'leaveCpu', 'µs'),
          makeRow({
            metric: `SIGKILL of a process with ${KILLED_USERS} present users → the last of their leave events on another process (presenceTtlMs ${TTL_MS})`,
            unit: 'ms',
            ours: kills,
            target: `≤ presenceTtlMs + a renewal + presenceDelayMs (${TTL_MS + RENEW_MS + PRESENCE_DELAY_MS} ms)`,
            check: result => result.ours.max <= TTL_MS + RENEW_MS + PRESENCE_DELAY_MS
          })
        ],
        notes: [
          `Lease: presenceTtlMs ${TTL_MS}, renewed every ${RENEW_MS} ms, one script call per topic and process whatever the number of clients (the default, 15000, renews every 5 s: a fifth of the steady rate here). ` +
          'Steady state is measured over three renewal intervals after the subscribers settled; Redis counts the commands a script runs among its commands, so a renewal is several (TIME, ZSCORE, HGET, ZRANGEBYSCORE for the sweep, HLEN, ZADD, PTTL, and once a lease the PEXPIREs). Without presence, Redis sees only the followers\' position checks.',
          `Changes of one tick go to Redis as one script call per topic (up to 256 changes each): ${summarize(pick(oneTopic.ours, 'joinCalls')).median.toFixed(3)} calls per join on one topic.`,
          `SIGKILL to leave: the killed process's lease had up to ${TTL_MS} ms left; the watching process sweeps at its next renewal and tells its subscribers after the hub's coalescing delay (${PRESENCE_DELAY_MS} ms). ${rounds} kills.`
        ]
      }
    } finally {
      await stopAll()
      await redis.stop()
    }
  }
}

function startHubProcess (redis, name) {
  return startNode(benchFile('servers/presence-hub.mjs'), { name, args: [redis.url, String(TTL_MS)], nodeFlags: ['--expose-gc'] })
}

/** Kills a process with present users `rounds` times; ms from each kill to the last leave seen elsewhere. */
async function measureKills (ctx, redis, rounds) {
  const elapsed = []
  for (let round = 1; round <= rounds; round++) {
    ctx.log(`SIGKILL to leave, round ${round}/${rounds}`)
    const watcher = await startHubProcess(redis, `watcher-${round}`)
    const doomed = await startHubProcess(redis, `doomed-${round}`)
    const topic = `killed-${round}-`
    await watcher.call('watch', { topic: topic + 0 })
    await doomed.call('subscribe', { prefix: topic, topics: 1, perTopic: KILLED_USERS, presence: true })
    // A renewal after the joins, so the lease left at the kill is anywhere in its range.
    await new Promise(resolve => setTimeout(resolve, RENEW_MS * (1 + round / (rounds + 1))))
    const killedAt = preciseNow()
    process.kill(doomed.pid, 'SIGKILL')
    const lastLeave = await watcher.call('leftBy', { count: KILLED_USERS }, 4 * TTL_MS)
    elapsed.push(lastLeave - killedAt)
    await watcher.stop()
  }
  return elapsed
}
