/**
 * What every bench server answers over IPC besides HTTP: CPU time, memory after GC, producer
 * counters, event-loop delay and a background sampler. Measuring inside the server avoids
 * guessing from ps.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { heapSummary } from './heap-summary.mjs'
import { producers } from './sources.mjs'

// The plugin's pump yields every 2 ms at most; a coarser sampling timer would hide that.
const LOOP_DELAY_RESOLUTION_MS = 1
const NS_PER_MS = 1e6

let sampler
let samples = []
let loopDelay

/**
 * The IPC handlers shared by all servers.
 * @param {Record<string, Function>} [extra] server-specific handlers.
 * @returns {Record<string, Function>}
 */
export function probeHandlers (extra = {}) {
  return {
    cpu: () => {
      const { user, system } = process.cpuUsage()
      return user + system
    },
    memory: () => memoryAfterGc(),
    heapSummary,
    producers: () => ({ started: producers.started, finished: producers.finished, produced: producers.produced, finishedAt: producers.finishedAt }),
    resetProducers: () => producers.reset(),
    sampleStart: ({ everyMs = 100 }) => {
      clearInterval(sampler)
      samples = []
      const take = () => samples.push({ t: Date.now(), rss: process.memoryUsage.rss(), produced: producers.produced })
      take()
      sampler = setInterval(take, everyMs)
    },
    sampleStop: () => {
      clearInterval(sampler)
      samples.push({ t: Date.now(), rss: process.memoryUsage.rss(), produced: producers.produced })
      return samples
    },
    loopDelayStart: () => {
      loopDelay?.disable()
      loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })
      loopDelay.enable()
    },
    loopDelayStop: () => {
      if (loopDelay === undefined) throw new Error('loopDelayStop before loopDelayStart')
      loopDelay.disable()
      const ms = p => loopDelay.percentile(p) / NS_PER_MS
      return { p50: ms(50), p99: ms(99), max: loopDelay.max / NS_PER_MS, count: loopDelay.count }
    },
    // A clean exit, so that --cpu-prof and --heap-prof write their files (SIGKILL would not).
    exit: () => { setImmediate(() => process.exit(0)) },
    ...extra
  }
}

// Several collections with pauses between them: one gc() leaves weak callbacks and
// finalizers pending, which would count against whichever server was measured first.
async function memoryAfterGc () {
  if (typeof global.gc !== 'function') throw new Error('start the server with --expose-gc')
  for (let i = 0; i < 4; i++) {
    global.gc()
    await sleep(20)
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage()
  return { rss, heapUsed, external, arrayBuffers }
}
