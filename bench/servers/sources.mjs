/**
 * The sources both servers stream, shared so the plugin and the baseline pull exactly the
 * same items and differ only in how they write them.
 */

import { setTimeout as sleep } from 'node:timers/promises'
import { preciseNow } from './publish-series.mjs'

// A fixed epoch keeps every event the same length, so bytes per event are stable.
const EPOCH = 1_700_000_000_000
// Stalled streams must fill the socket buffers (several MiB each on loopback) before their
// pump blocks on drain; big events get there in milliseconds instead of seconds.
const PAD = 'x'.repeat(16 * 1024)
// The fairness scenario's big items: 64 KiB framed as SSE, four times the socket's 16 KiB
// high-water mark, so every write returns false. A loop that waits for drain still starves
// the server when the kernel takes the write at once: drain then comes on process.nextTick,
// not after an event-loop turn (the baseline's ping timeouts in that scenario).
const BIG_PAD = 'x'.repeat(64 * 1024 - 26)
const SENSORS = Array.from({ length: 64 }, (_, i) => `sensor-${String(i).padStart(2, '0')}`)

/** Counters the orchestrator reads over IPC: how far producers ran and when they finished. */
export const producers = {
  started: 0,
  finished: 0,
  produced: 0,
  /** `Date.now()` of each producer's `finally`, for the cleanup scenario. */
  finishedAt: [],
  reset () {
    this.started = 0
    this.finished = 0
    this.produced = 0
    this.finishedAt = []
  }
}

/**
 * One small event, about 80 bytes once framed as SSE (`data: …\n\n`).
 * @param {number} i sequence number.
 */
export function makeEvent (i) {
  return { seq: i, ts: EPOCH + i, sensor: SENSORS[i & 63], value: (i % 1000) / 8, ok: true }
}

/**
 * `n` small events from an async generator, the shape of scenario 1 and the bare route.
 * @param {number} n
 */
export async function * smallEvents (n) {
  for (let i = 0; i < n; i++) yield makeEvent(i)
}

/**
 * An endless producer that counts what it yields and records its `finally`.
 * @param {{ signal: AbortSignal }} context
 */
export async function * endlessEvents ({ signal }) {
  producers.started++
  try {
    for (let i = 0; !signal.aborted; i++) {
      producers.produced++
      yield makeEvent(i)
    }
  } finally {
    finished()
  }
}

/**
 * An endless producer of 16 KiB events, counted and tracked like {@link endlessEvents}.
 * @param {{ signal: AbortSignal }} context
 */
export async function * bulkyEvents ({ signal }) {
  producers.started++
  try {
    for (let i = 0; !signal.aborted; i++) {
      producers.produced++
      yield { seq: i, pad: PAD }
    }
  } finally {
    finished()
  }
}

/**
 * An endless *sync* generator, as users write one: it never awaits, so only its writer can
 * give the event loop a turn. Not counted in `producers`.
 * @param {{ signal: AbortSignal }} context
 * @param {string | null} size `big` for 64 KiB events, else small ~80 B ones.
 */
export function * endlessSyncEvents ({ signal }, size) {
  for (let i = 0; !signal.aborted; i++) yield size === 'big' ? { seq: i, pad: BIG_PAD } : makeEvent(i)
}

/**
 * A producer at a steady pace, 10 events every 10 ms: data is flowing when the client goes,
 * without the load starving the load generator. It sleeps without the signal on purpose:
 * cleanup must also work for a producer that ignores it.
 * @param {{ signal: AbortSignal }} context
 */
export async function * pacedEvents ({ signal }) {
  producers.started++
  try {
    for (let i = 0; !signal.aborted; i++) {
      producers.produced++
      yield makeEvent(i)
      if (i % 10 === 9) await sleep(10)
    }
  } finally {
    finished()
  }
}

/**
 * A producer with nothing to say: it waits for its signal, as a subscription does, and
 * records its `finally`. Waiting on the signal is the documented way to stay cancellable.
 * @param {{ signal: AbortSignal }} context
 * @param {boolean} [track] count it in `producers` (off for the memory scenario).
 */
export async function * idleEvents ({ signal }, track = true) {
  if (track) producers.started++
  try {
    if (!signal.aborted) await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
  } finally {
    if (track) finished()
  }
}

/**
 * An endless producer that waits `everyMs` between events, as a source fed by a timer, a
 * queue or a database would: each event carries `seq` and the moment it was made.
 * @param {{ signal: AbortSignal }} context
 * @param {number} everyMs
 */
export async function * tickingEvents ({ signal }, everyMs) {
  for (let seq = 0; !signal.aborted; seq++) {
    await sleep(everyMs, undefined, { signal })
    yield { seq, sentAt: preciseNow() }
  }
}

function finished () {
  producers.finished++
  producers.finishedAt.push(Date.now())
}
