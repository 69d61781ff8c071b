/**
 * Part 3 of the Redis scenario: one hot topic followed by 1, 2 and 4 hub instances (separate
 * processes) while a publisher sends a steady stream, each event stamped with its send time.
 * Every instance checks that nothing is lost, repeated or reordered, and measures delivery
 * latency from the publish call to its subscriber's receipt.
 */
import os from 'node:os'
import { interleave, pick } from '../../lib/rounds.mjs'
import { makeRow } from '../../lib/rows.mjs'
import { percentileOfSorted, summarize } from '../../lib/stats.mjs'
import { QUIET_MS, startHubProcess, waitQuiet, waitSubscribed } from './hubs.mjs'

const INSTANCES = [1, 2, 4]
const TOPIC = 'hot-'
const EVERY_MS = 0.5
const WARMUP_EVENTS = 1000
const MAX_P99_RATIO = 1.5
const COLLECT_GRACE_MS = 5000
const CALL_TIMEOUT_MS = 60_000

/**
 * Measures 1, 2 and 4 instances on one hot topic.
 * @type {import('./hubs.mjs').MeasurePart}
 */
export async function measureInstances (ctx, redis, publisher) {
  const seconds = ctx.quick ? 1 : 2.5
  const events = Math.round(seconds * 1000 / EVERY_MS)
  const load = { start: os.loadavg()[0], end: NaN }
  const hubs = []
  for (let i = 0; i < INSTANCES.at(-1); i++) hubs.push(await startHubProcess(redis, `instance ${i + 1}`))
  let results
  try {
    const run = count => () => hotOnce(redis, publisher, hubs.slice(0, count), events)
    const [one, two, four] = INSTANCES.map(run)
    // Warms every process up on a short series, then interleave() alternates the three round
    // by round: 4 instances is "ours", 1 the reference.
    await hotOnce(redis, publisher, hubs, WARMUP_EVENTS)
    results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: 'redis: 1, 2, 4 instances' }, four, one, { two })
  } finally {
    await Promise.all(hubs.map(hub => hub.stop()))
  }
  load.end = os.loadavg()[0]
  const byCount = { 1: results.base, 2: results.two, 4: results.ours }
  const rows = []
  for (const count of INSTANCES) {
    const name = `${count} instance${count === 1 ? '' : 's'}`
    rows.push(
      makeRow({ metric: `${name}: delivery latency p50`, unit: 'ms', ours: pick(byCount[count], 'p50') }),
      makeRow({ metric: `${name}: delivery latency p99`, unit: 'ms', ours: pick(byCount[count], 'p99') }),
      makeRow({ metric: `${name}: subscriber event-loop delay max (worst instance)`, unit: 'ms', ours: pick(byCount[count], 'lagMax') }),
      makeRow({ metric: `${name}: subscriber process CPU per event (busiest instance)`, unit: 'µs', ours: pick(byCount[count], 'cpuPerEvent') })
    )
  }
  rows.push(makeRow({ metric: 'p99 at 4 instances (ours) against 1 instance (baseline)', unit: 'ms', ours: pick(results.ours, 'p99'), base: pick(results.base, 'p99'), target: `≤ ${MAX_P99_RATIO}×`, check: r => r.ratio <= MAX_P99_RATIO }))
  const all = [...results.base, ...results.two, ...results.ours]
  for (const [field, label] of [['lost', 'lost'], ['duplicates', 'duplicated'], ['outOfOrder', 'out of order']]) {
    rows.push(makeRow({ metric: `events ${label} (every instance, every round)`, unit: 'count', ours: pick(all, field), target: '0', check: r => r.ours.max === 0 }))
  }
  rows.push(makeRow({ metric: 'publish rate reached', unit: '/s', ours: pick(all, 'rate') }))
  const notes = [`Instances: ${events.toLocaleString('en-US')} events published ${EVERY_MS} ms apart (${1000 / EVERY_MS}/s for ${seconds} s) to one topic, each publish awaited, each event carrying its sequence number and the time just before hub.publish(); ` +
    `1, 2 and 4 hub processes (after a warm-up of ${WARMUP_EVENTS.toLocaleString('en-US')} events on all of them, rounds alternate between the three) each read one subscription and count every event lost, duplicated (a sequence number twice) or out of order (a lower number after a higher one). ` +
    'Latency is the receipt in the subscriber minus the send time, both read from performance.timeOrigin + performance.now() on one machine; percentiles are over every delivery of every instance of a round. ' +
    'Event-loop delay is perf_hooks.monitorEventLoopDelay in each subscribing process during the round (1 ms resolution): a delay there is time the process did not run, which shows up in latency whatever the engine does; a subscriber\'s CPU is process.cpuUsage() over the round. ' +
    `Each round starts once Redis has been idle for ${QUIET_MS} ms. No CPU pinning here: Redis, the publisher and up to ${INSTANCES.at(-1)} hub processes share the machine's cores ` +
    `(1-minute load average ${load.start.toFixed(1)} when this part began, ${load.end.toFixed(1)} when it ended).`]
  if (Math.max(load.start, load.end) > os.availableParallelism()) {
    notes.push(`The load average exceeded the ${os.availableParallelism()} cores: other work competed with these processes for CPU, so the latency figures, the p99 ratio most of all, say as much about the machine as about the engine.`)
  }
  if (summarize(pick(all, 'foreign')).max > 0) notes.push('Some instances received events that were not of the series (a reset): see the JSON results.')
  return { rows, notes }
}

async function hotOnce (redis, publisher, hubs, events) {
  const prefix = TOPIC + hubs.length + '-'
  await Promise.all(hubs.map(hub => hub.call('subscribe', { prefix, topics: 1, count: events })))
  try {
    await waitSubscribed(redis, { prefix, topics: 1, expected: hubs.length })
    await waitQuiet(redis)
    await Promise.all(hubs.map(hub => hub.call('loopDelayStart')))
    const cpuBefore = await Promise.all(hubs.map(hub => hub.call('cpu')))
    const sent = await publisher.call('publishSeries', { prefix, topics: 1, count: events, everyMs: EVERY_MS }, CALL_TIMEOUT_MS)
    const received = await Promise.all(hubs.map(hub => hub.call('collect', { waitMs: COLLECT_GRACE_MS, withLatencies: true }, COLLECT_GRACE_MS + CALL_TIMEOUT_MS)))
    const cpuAfter = await Promise.all(hubs.map(hub => hub.call('cpu')))
    const lags = await Promise.all(hubs.map(hub => hub.call('loopDelayStop')))
    const failed = received.find(got => got.failures > 0)
    if (failed !== undefined) throw new Error(`a subscription failed (${failed.firstError})`)
    const sum = field => received.reduce((total, got) => total + got[field], 0)
    const pooled = Float64Array.from(received.flatMap(got => got.latencies)).sort()
    return {
      p50: percentileOfSorted(pooled, 50),
      p99: percentileOfSorted(pooled, 99),
      lagMax: Math.max(...lags.map(lag => lag.max)),
      cpuPerEvent: Math.max(...cpuAfter.map((after, i) => (after - cpuBefore[i]) / events)),
      lost: sum('lost'),
      duplicates: sum('duplicates'),
      outOfOrder: sum('outOfOrder'),
      foreign: sum('foreign'),
      rate: events / (sent.ms / 1000)
    }
  } finally {
    await Promise.all(hubs.map(hub => hub.call('unsubscribe')))
  }
}
