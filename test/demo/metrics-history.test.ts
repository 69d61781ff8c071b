/**
 * The metrics history behind /api/live: one sample per interval for the whole app, a bounded
 * window, cursors by time (so one from before a restart still works), followers that get
 * what they missed as one batch and end when they leave or the history stops.
 */
import t, { test } from 'tap'
import { MetricsSampler } from '../../demo/metrics.js'
import { MetricsHistory } from '../../demo/metrics-history.js'

const COUNTERS = { open: 0, opened: 0, events: 0, bytes: 0, errors: 0, aborted: 0, heartbeats: 0, rejected: 0, resumes: 0, rejectedPerClient: 0, lingering: 0 }

// The history's timer is unref'd (it must not keep a server process alive); here nothing else
// would keep the process up while a test waits for a sample.
const keepAlive = setInterval(() => {}, 1000)
t.teardown(() => clearInterval(keepAlive))

function history (size = 5): MetricsHistory {
  return new MetricsHistory(new MetricsSampler({ ...COUNTERS }), { intervalMs: 25, size })
}

test('a follower gets the window as one batch, then one sample per interval', async t => {
  const metrics = history()
  metrics.start()
  t.teardown(() => metrics.stop())
  const controller = new AbortController()
  const batches: number[][] = []
  for await (const batch of metrics.follow(0, controller.signal)) {
    batches.push(batch.map(sample => sample.seq))
    if (batches.length === 3) break
  }
  t.same(batches.map(batch => batch.length), [1, 1, 1], 'nothing yet, so each sample as it is taken')

  const second = metrics.follow(0, controller.signal)
  const backlog = (await second.next()).value as Array<{ seq: number, time: number }>
  t.ok(backlog.length >= 3 && backlog.length <= 5, `the window, bounded by its size (${backlog.length})`)
  t.same(backlog.map(sample => sample.seq), backlog.map((_, i) => backlog[0]!.seq + i), 'consecutive, oldest first')
  t.ok(backlog.every((sample, i) => i === 0 || sample.time > backlog[i - 1]!.time), 'times increase')
  const next = (await second.next()).value as Array<{ seq: number }>
  t.same(next.map(sample => sample.seq), [backlog[backlog.length - 1]!.seq + 1], 'then the next sample alone')
  await second.return()
})

test('after(time): what came later; a cursor from the future (another process) gets nothing new', async t => {
  const metrics = history(10)
  metrics.start()
  t.teardown(() => metrics.stop())
  const controller = new AbortController()
  for await (const batch of metrics.follow(0, controller.signal)) if (batch[0]!.seq >= 3) break
  const all = metrics.after(0)
  t.ok(all.length >= 3)
  t.same(metrics.after(all[0]!.time).map(sample => sample.seq), all.slice(1).map(sample => sample.seq))
  t.same(metrics.after(all[all.length - 1]!.time), [])
  t.same(metrics.after(Date.now() + 60_000), [])
})

test('followers end when their signal aborts or the history stops', async t => {
  const metrics = history()
  metrics.start()
  const aborted = new AbortController()
  const leaving = metrics.follow(Date.now() + 60_000, aborted.signal)
  const waiting = leaving.next()
  aborted.abort()
  t.same(await waiting, { done: true, value: undefined }, 'an abort ends a follower that waits')

  const staying = metrics.follow(Date.now() + 60_000, new AbortController().signal)
  const pending = staying.next()
  metrics.stop()
  t.same(await pending, { done: true, value: undefined }, 'stop() ends the rest')
  metrics.stop()
  t.pass('stop() twice is fine')
})
