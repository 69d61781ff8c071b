/**
 * The fairness scenario's other requests: GET /ping at a fixed rate, each timed from its
 * request to the end of its response. The rate does not wait for answers (an open loop): a
 * sequential pinger would send one ping into a stalled server and then wait with it, so a
 * one-second stall would count once instead of for every request that arrived during it.
 */
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { percentileOfSorted } from '../lib/stats.mjs'

/**
 * Sends a ping every `everyMs` for `seconds`, then waits for the last answers. A ping with no
 * answer within `timeoutMs` counts as a timeout with `timeoutMs` as its latency, a floor:
 * the real one is longer. So the whole call takes at most `seconds` + `timeoutMs`.
 * @param {{ url: string, seconds: number, everyMs: number, timeoutMs: number }} args
 * @returns {Promise<{ n: number, timeouts: number, p50: number, p99: number, max: number }>} in ms.
 */
export async function pingSeries ({ url, seconds, everyMs, timeoutMs }) {
  // Keep-alive, with a new socket only when every open one is waiting for its answer.
  const agent = new http.Agent({ keepAlive: true })
  const count = Math.floor(seconds * 1000 / everyMs)
  const start = performance.now()
  const pending = []
  try {
    for (let i = 0; i < count; i++) {
      // Against the schedule, not the last ping: a late timer does not shift the rest.
      const wait = start + i * everyMs - performance.now()
      if (wait > 0) await sleep(wait)
      pending.push(pingOnce(url, agent, timeoutMs))
    }
    const latencies = (await Promise.all(pending)).sort((a, b) => a - b)
    return {
      n: latencies.length,
      timeouts: latencies.filter(ms => ms >= timeoutMs).length,
      p50: percentileOfSorted(latencies, 50),
      p99: percentileOfSorted(latencies, 99),
      max: latencies.at(-1) ?? NaN
    }
  } finally {
    agent.destroy()
  }
}

// Resolves with the latency in ms, or `timeoutMs` on a timeout; rejects on other errors.
function pingOnce (url, agent, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const req = http.get(url, { agent }, res => {
      if (res.statusCode !== 200) fail(new Error(`GET ${url}: status ${res.statusCode}`))
      res.resume()
      res.once('end', () => {
        clearTimeout(timer)
        resolve(performance.now() - started)
      })
    })
    const timer = setTimeout(() => {
      req.destroy()
      resolve(timeoutMs)
    }, timeoutMs)
    req.once('error', fail)
    function fail (err) {
      clearTimeout(timer)
      req.destroy()
      reject(err)
    }
  })
}
