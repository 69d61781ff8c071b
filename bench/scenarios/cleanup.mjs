/**
 * Scenario 7: disconnect cleanup. 200 flowing, 200 stalled and 200 idle streams are dropped
 * by their clients at once; every producer's `finally` must run within 1 s.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'

const STREAMS = 200
const WITHIN_MS = 1000
// Stalled streams need time for the socket buffers to fill, so the pump is really blocked
// waiting for drain when the client goes.
const HOLD_MS = { flowing: 300, stalled: 500, idle: 300 }

export default {
  number: 7,
  id: 'cleanup',
  title: 'Disconnect cleanup (200 streams dropped at once)',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const client = await ctx.startClient()
    const ours = await ctx.startServer('ours')
    const base = await ctx.startServer('baseline')
    const rows = []
    for (const mode of ['flowing', 'stalled', 'idle']) {
      const measure = server => () => dropOnce(client, server, mode)
      const results = await interleave({ rounds: ctx.rounds, log: ctx.log, label: mode }, measure(ours), measure(base))
      rows.push(
        makeRow({ metric: `${mode}: finally ran within 1 s`, unit: 'count', ours: pick(results.ours, 'within'), base: pick(results.base, 'within'), target: `${STREAMS}/${STREAMS} every round`, check: row => row.ours.min === STREAMS }),
        makeRow({ metric: `${mode}: slowest finally after the drop`, unit: 'ms', ours: pick(results.ours, 'slowest'), base: pick(results.base, 'slowest') })
      )
    }
    return { rows, notes: ['Flowing streams are read by the client, stalled ones are never read (the server is blocked on drain), idle ones wait on their abort signal. The server records each producer\'s finally; the client records the moment it destroyed its sockets.'] }
  }
}

async function dropOnce (client, server, mode) {
  await server.call('resetProducers')
  const run = await client.call('dropStreams', { url: server.url(`/cleanup/${mode}`), count: STREAMS, mode, holdMs: HOLD_MS[mode] }, 60_000)
  if (run.failed > 0) throw new Error(`${server.name}: ${run.failed} of ${STREAMS} ${mode} streams failed to open`)
  // Poll rather than sleep a fixed second: usually every finally has run within a few ms.
  let producers
  do {
    await sleep(25)
    producers = await server.call('producers')
  } while (producers.finished < producers.started && Date.now() < run.droppedAt + WITHIN_MS + 200)
  const delays = producers.finishedAt.map(t => t - run.droppedAt)
  if (producers.started !== STREAMS) throw new Error(`${server.name}: ${producers.started} producers started for ${STREAMS} streams`)
  await waitForRest(server, producers)
  return { within: delays.filter(ms => ms <= WITHIN_MS).length, slowest: delays.length === STREAMS ? Math.max(...delays) : NaN }
}

// Producers that missed the second may still finish; wait a little so they do not land in
// the next round's counts (a reset clears the counters, not the streams).
async function waitForRest (server, producers) {
  for (let i = 0; i < 40 && producers.finished < producers.started; i++) {
    await sleep(50)
    producers = await server.call('producers')
  }
}
