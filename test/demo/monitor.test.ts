/**
 * The monitor's timer lives exactly as long as its client: when the socket goes, the timer
 * stops, the stream is no longer open, and no further tick happens. Plus the rate maths.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'
import { test } from 'tap'
import { MetricsSampler, toSample, type MetricsReading } from '../../demo/metrics.js'
import { monitorChannel } from '../../demo/routes/monitor.js'
import { deferred, listenDemo, openStream } from '../helpers/demo-clients.js'

interface MonitorMessage {
  type: 'tick' | 'stop'
  requestId: string
  seq: number
}

/** Collects the monitor channel's messages, and lets a test wait for one that matches. */
function watchMonitor (): { messages: MonitorMessage[], next: (match: (m: MonitorMessage) => boolean) => Promise<MonitorMessage>, close: () => void } {
  const messages: MonitorMessage[] = []
  const waiting = new Set<{ match: (m: MonitorMessage) => boolean, resolve: (m: MonitorMessage) => void }>()
  const listener = (message: unknown): void => {
    const m = message as MonitorMessage
    messages.push(m)
    for (const waiter of waiting) {
      if (waiter.match(m)) {
        waiting.delete(waiter)
        waiter.resolve(m)
      }
    }
  }
  subscribe(monitorChannel.name, listener)
  return {
    messages,
    next: match => new Promise(resolve => { waiting.add({ match, resolve }) }),
    close: () => { unsubscribe(monitorChannel.name, listener) }
  }
}

test('the monitor timer stops when the client leaves, and never ticks again', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  const watch = watchMonitor()
  t.teardown(watch.close)

  const firstTick = watch.next(m => m.type === 'tick')
  const leaving = await openStream(`${url}/api/monitor?intervalMs=100`, { accept: 'text/event-stream' })
  const { requestId } = await firstTick
  await leaving.waitForEvents(2)
  t.equal(app.streams.open, 1)

  const stopped = watch.next(m => m.type === 'stop' && m.requestId === requestId)
  leaving.destroy()
  const stop = await stopped
  t.equal(app.streams.open, 0, 'the stream is closed by the time its generator has finished')
  t.equal(app.streams.aborted, 1, 'counted as a client that left')

  // Prove the negative with events, not a sleep: another monitor at the same interval ticks
  // three times, which spans three of the old one's intervals.
  const staying = await openStream(`${url}/api/monitor?intervalMs=100`, { accept: 'text/event-stream' })
  t.teardown(() => staying.destroy())
  await staying.waitForEvents(3)
  const lateTicks = watch.messages.filter(m => m.requestId === requestId && m.type === 'tick' && m.seq >= stop.seq)
  t.same(lateTicks, [], 'no tick after the stop')
  t.equal(watch.messages.filter(m => m.requestId === requestId && m.type === 'stop').length, 1, 'stopped once')
})

test('the event-loop histogram runs only while someone watches', async t => {
  const counters = { open: 0, opened: 0, events: 0, bytes: 0, errors: 0, aborted: 0, heartbeats: 0, rejected: 0, resumes: 0, rejectedPerClient: 0, lingering: 0 }
  const sampler = new MetricsSampler(counters)
  t.same(sampler.read().delay, { p50: 0, p99: 0 }, 'no histogram, no numbers')
  const releaseA = sampler.acquire()
  const releaseB = sampler.acquire()
  releaseA()
  // The histogram samples every 10 ms; poll readings until it has measured some delay.
  const measured = deferred<number>()
  const started = performance.now()
  const timer = setInterval(() => {
    const { p99 } = sampler.read().delay
    if (p99 > 0 || performance.now() - started > 2000) measured.resolve(p99)
  }, 25)
  const p99 = await measured.promise
  clearInterval(timer)
  t.ok(p99 > 0, 'one release of two keeps the histogram running')
  releaseB()
  t.same(sampler.read().delay, { p50: 0, p99: 0 }, 'released by the last user')
})

test('rates come from the difference of two readings', async t => {
  const counters = { open: 3, opened: 10, events: 1500, bytes: 90000, errors: 0, aborted: 1, heartbeats: 2, rejected: 0, resumes: 4, rejectedPerClient: 0, lingering: 0 }
  const elu = performance.eventLoopUtilization()
  const previous: MetricsReading = {
    at: 1000,
    time: 0,
    cpu: { user: 1_000_000, system: 500_000 },
    systemIdle: 10_000,
    systemTotal: 20_000,
    elu,
    delay: { p50: 0, p99: 0 },
    counters: { ...counters, events: 500, bytes: 30000 }
  }
  const current: MetricsReading = {
    ...previous,
    at: 3000,
    time: 2000,
    cpu: { user: 1_800_000, system: 700_000 },
    systemIdle: 11_000,
    systemTotal: 24_000,
    delay: { p50: 1.234, p99: 5.678 },
    counters
  }
  const sample = toSample(7, previous, current)
  t.equal(sample.seq, 7)
  t.equal(sample.elapsedSeconds, 2)
  t.equal(sample.cpu.process, 50, '1 s of CPU over 2 s is 50 % of a core')
  t.equal(sample.cpu.system, 75, '1000 idle of 4000 is 75 % busy')
  t.equal(sample.streams.eventsPerSecond, 500)
  t.equal(sample.streams.bytesPerSecond, 30000)
  t.equal(sample.streams.open, 3)
  t.equal(sample.streams.resumes, 4)
  t.same(sample.eventLoop, { delayP50Ms: 1.23, delayP99Ms: 5.68, utilization: 0 })
})
