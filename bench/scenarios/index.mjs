/**
 * Every scenario, in the order. Each is a module with `number`, `id`, `title` and
 * `run(ctx)`; a scenario whose subject is missing throws NotAvailable.
 */
import autocannon from './autocannon.mjs'
import cleanup from './cleanup.mjs'
import compression from './compression.mjs'
import exportCsv from './export.mjs'
import fairness from './fairness.mjs'
import fanout from './fanout.mjs'
import history from './history.mjs'
import idle from './idle.mjs'
import latency from './latency.mjs'
import presence from './presence.mjs'
import presenceRedis from './presence-redis.mjs'
import redis from './redis.mjs'
import scale from './scale.mjs'
import slowClient from './slow-client.mjs'
import throughput from './throughput.mjs'
import typed from './typed.mjs'

export const SCENARIOS = [throughput, autocannon, idle, fanout, slowClient, exportCsv, cleanup, fairness, redis, scale, latency, history, typed, compression, presence, presenceRedis]
