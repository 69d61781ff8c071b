/**
 * Part 2 of the Redis scenario: Redis's CPU per published event. A publisher process sends
 * K events over a thousand topics while two hub processes follow every topic; Redis's own
 * used_cpu (user + system) over the whole run, until both have received everything, divided
 * by K. Twice: one publish at a time, as a lone request handler sends them, and many in
 * flight, as a busy server does (its client then writes several per system call). Each
 * against bare PUBLISHes of the same series to the same subscribers.
 */
import { interleave, pick } from '../../lib/rounds.mjs'
import { makeRow } from '../../lib/rows.mjs'
import { QUIET_MS, redisUsage, startHubProcess, usageBetween, waitQuiet, waitSubscribed } from './hubs.mjs'

const PREFIX = 'cpu-'
const TOPICS = 1000
const SUBSCRIBERS = 2
// One at a time: 5,000 publishes a second, each awaited, so each pays its own round trip
// and system calls.
const EVERY_MS = 0.2
const WINDOW = 64
const MAX_CPU_MICROS = 30
const COLLECT_GRACE_MS = 10_000
const CALL_TIMEOUT_MS = 120_000

/**
 * Measures Redis's CPU per event, the hub's publish against bare PUBLISHes.
 * @type {import('./hubs.mjs').MeasurePart}
 */
export async function measureCpu (ctx, redis, publisher) {
  const events = ctx.quick ? 5000 : 20_000
  // A paced round takes events / 5,000 s per side: three rounds are enough for a median.
  const rounds = Math.min(ctx.rounds, 3)
  await redis.admin.flushall()
  const hubs = []
  for (let i = 0; i < SUBSCRIBERS; i++) hubs.push(await startHubProcess(redis, `subscriber ${i + 1}`))
  let results
  try {
    // The rounds measure topics that exist: creating a topic's keys is a cost of its first event only.
    await publisher.call('publishBurst', { prefix: PREFIX, topics: TOPICS, count: TOPICS, window: WINDOW }, CALL_TIMEOUT_MS)
    const paced = { cmd: 'publishSeries', everyMs: EVERY_MS }
    const burst = { cmd: 'publishBurst', window: WINDOW }
    const run = (how, bare) => () => cpuOnce({ redis, publisher, hubs, events, how, bare })
    results = await interleave({ rounds, log: ctx.log, label: 'redis: CPU per event' }, run(paced, false), run(paced, true), { burst: run(burst, false), bareBurst: run(burst, true) })
  } finally {
    await Promise.all(hubs.map(hub => hub.stop()))
  }
  const name = `${TOPICS.toLocaleString('en-US')} topics, ${SUBSCRIBERS} subscribing processes`
  const cpuTarget = { target: `≤ ${MAX_CPU_MICROS} µs`, check: r => r.ours.median <= MAX_CPU_MICROS }
  const rows = [
    ...cpuRows(`one at a time (${name})`, results.ours, results.base, cpuTarget),
    ...cpuRows(`${WINDOW} in flight`, results.burst, results.bareBurst, cpuTarget),
    makeRow({ metric: 'events lost, duplicated or out of order (both subscribers, both ways)', unit: 'count', ours: [...pick(results.ours, 'faults'), ...pick(results.burst, 'faults')], target: '0', check: r => r.ours.max === 0 })
  ]
  const notes = [`Redis CPU per event: ${events.toLocaleString('en-US')} events (about 60 B of JSON each) published round-robin over ${TOPICS.toLocaleString('en-US')} topics, ` +
    `either one at a time (each awaited, paced to ${1000 / EVERY_MS} a second) or with ${WINDOW} in flight, while ${SUBSCRIBERS} hub processes follow every topic and read every event; ` +
    'Redis\'s used_cpu_user + used_cpu_sys from the first publish until both have received everything, over the number of events. ' +
    'It includes the script (idempotency check, XADD, HSET, two PEXPIREs, PUBLISH), reading the request, writing the reply and both notifications, the followers\' reads, and Redis\'s own background work over those seconds; ' +
    'the "of which" rows are the publishing command\'s own execution time from INFO commandstats (usec / calls); the rest is mostly system calls. Commands per event count those a script runs. ' +
    'The baseline column publishes the same series as bare PUBLISHes of its JSON on the same channels from a plain connection, to the same two subscribed processes: what delivery alone costs, with no history. ' +
    `Each round starts once Redis has been idle for ${QUIET_MS} ms; one event per topic creates the topics' keys first; ${rounds} rounds, the four variants alternating.`]
  return { rows, notes }
}

function cpuRows (label, ours, base, cpuTarget) {
  const row = (metric, unit, field, more = {}) => makeRow({ metric: `${label}: ${metric}`, unit, ours: pick(ours, field), base: pick(base, field), ...more })
  return [
    row('Redis CPU per published event', 'µs', 'cpuPerEvent', cpuTarget),
    row('… of which executing the publishing command (EVALSHA; baseline PUBLISH)', 'µs', 'execPerCall'),
    row('Redis commands per published event', '', 'commandsPerEvent'),
    row('publish rate reached', '/s', 'rate')
  ]
}

// One round of one variant: `how` is the publisher's command and its pacing, `bare` whether
// it sends bare PUBLISHes (which the subscribers do not receive as events).
async function cpuOnce ({ redis, publisher, hubs, events, how, bare }) {
  if (!bare) {
    // Subscribing afresh gives each round its own receipts; the old subscriptions must be
    // gone first, or a channel could count one of them.
    await Promise.all(hubs.map(hub => hub.call('unsubscribe')))
    await waitSubscribed(redis, { prefix: PREFIX, topics: TOPICS, expected: 0 })
    await Promise.all(hubs.map(hub => hub.call('subscribe', { prefix: PREFIX, topics: TOPICS, count: events })))
  }
  await waitSubscribed(redis, { prefix: PREFIX, topics: TOPICS, expected: hubs.length })
  await waitQuiet(redis)
  const before = await redisUsage(redis)
  const { cmd, ...pacing } = how
  const sent = await publisher.call(cmd, { prefix: PREFIX, topics: TOPICS, count: events, bare, ...pacing }, CALL_TIMEOUT_MS)
  if (sent.failed > 0) throw new Error(`${sent.failed} of ${events} publishes failed (${sent.firstError})`)
  // Redis wrote both subscribers' copies of a bare PUBLISH before it answered it.
  const received = bare ? [] : await Promise.all(hubs.map(hub => hub.call('collect', { waitMs: COLLECT_GRACE_MS }, COLLECT_GRACE_MS + CALL_TIMEOUT_MS)))
  const used = usageBetween(before, await redisUsage(redis))
  const failed = received.find(got => got.failures > 0)
  if (failed !== undefined) throw new Error(`${failed.failures} subscriptions failed (${failed.firstError})`)
  const { calls, usec } = used.executed(bare ? 'publish' : 'evalsha')
  return {
    cpuPerEvent: used.cpuMicros / events,
    execPerCall: usec / calls,
    commandsPerEvent: used.commands / events,
    rate: events / (sent.ms / 1000),
    faults: received.reduce((sum, got) => sum + got.lost + got.duplicates + got.outOfOrder + got.foreign, 0)
  }
}
