/**
 * Scenario 15: what presence costs. Idle SSE hub streams with presence (each stream a user of
 * its own, with a name) against the same streams without it, in the same run: V8 heap and
 * RSS per stream; and how long `hub.presence()` takes with all of them present (the counts
 * and a page of 100), against the server's answer to a plain `/ping`.
 */
import { interleave, pick } from '../lib/rounds.mjs'
import { makeRow } from '../lib/rows.mjs'
import { summarize } from '../lib/stats.mjs'
import { holdIdle } from './idle.mjs'

export default {
  number: 15,
  id: 'presence',
  title: 'Presence: memory per idle subscriber with presence, and hub.presence() with everyone present',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const count = ctx.quick ? 2000 : 10_000
    const n = count.toLocaleString('en-US')
    const client = await ctx.startClient()
    const timings = []
    const withPresence = () => holdIdle(ctx, client, 'ours', '/idle-hub-presence', count, undefined, async server => {
      // While the streams are open: the answer to a presence query against a /ping.
      for (let i = 0; i < 20; i++) {
        const started = performance.now()
        const answer = await fetch(server.url('/presence-count')).then(res => res.json())
        const presenceMs = performance.now() - started
        const pinged = performance.now()
        await fetch(server.url('/ping')).then(res => res.text())
        timings.push({ presenceMs, pingMs: performance.now() - pinged, answer })
      }
    })
    const results = await interleave({ rounds: Math.min(ctx.rounds, 3), log: ctx.log, label: `${n} idle streams with presence` },
      withPresence, () => holdIdle(ctx, client, 'ours', '/idle-hub', count))
    const row = (label, field, unit) => makeRow({ metric: `${n} idle SSE hub streams, with presence ÷ without: ${label}`, unit, ours: pick(results.ours, field), base: pick(results.base, field) })
    const answers = timings.map(timing => timing.answer)
    const counted = answers.every(answer => answer.clients === count && answer.users === count && answer.listed === 100)
    return {
      rows: [
        row('V8 heap per stream', 'heapPer', 'KiB'),
        row('RSS per stream', 'rssPer', 'KiB'),
        makeRow({ metric: `hub.presence() over HTTP with ${n} present (counts and a page of 100) ÷ GET /ping`, unit: 'ms', ours: timings.map(timing => timing.presenceMs), base: timings.map(timing => timing.pingMs), target: 'every answer right', check: () => counted })
      ],
      notes: [
        `Presence per stream: ${(summarize(pick(results.ours, 'heapPer')).median - summarize(pick(results.base, 'heapPer')).median).toFixed(2)} KiB of heap more than the same idle subscription without it ` +
        `(each stream a user of its own with a name in its info: the worst case; tabs of one user share the user's entry). Per stream = (memory with them open − before) / count after a full GC, ${Math.min(ctx.rounds, 3)} rounds. ` +
        `Every query counted ${n} clients and users and listed 100: ${counted ? 'yes' : 'NO'}. Without presence the subscription is unchanged (scenario 3 measures it).`
      ]
    }
  }
}
