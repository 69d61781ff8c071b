/**
 * What one hub process received of a numbered series: each event carries `seq` (0 to
 * count-1, published to topic `seq % topics`, in order) and `sentAt`, the publisher's clock
 * just before `hub.publish()`. It counts what was lost, duplicated or out of order, and keeps
 * the delivery latency of every first receipt.
 */
import { percentileOfSorted } from '../lib/stats.mjs'

/**
 * @param {{ count: number, topics: number }} series
 */
export function createReceipts ({ count, topics }) {
  const seen = new Uint8Array(count)
  const lastSeq = new Float64Array(topics).fill(-1)
  const latencies = new Float64Array(count)
  const totals = { distinct: 0, duplicates: 0, outOfOrder: 0, foreign: 0, failures: 0, firstError: undefined, lastAt: 0 }
  return {
    /**
     * Counts one event of topic number `topic`, received at `at` (ms, preciseNow()).
     * @param {number} topic
     * @param {{ event?: string, data: unknown }} event
     * @param {number} at
     */
    receive (topic, event, at) {
      const seq = event.data?.seq
      // A reset (or anything not of this series) is neither a receipt nor a loss: it is counted apart.
      if (!Number.isInteger(seq) || seq < 0 || seq >= count || seq % topics !== topic) {
        totals.foreign++
        return
      }
      if (seen[seq] === 1) {
        totals.duplicates++
        return
      }
      if (seq < lastSeq[topic]) totals.outOfOrder++
      else lastSeq[topic] = seq
      seen[seq] = 1
      latencies[totals.distinct++] = at - event.data.sentAt
      if (at > totals.lastAt) totals.lastAt = at
    },
    /** Counts a subscription that ended with an error. */
    fail (err) {
      totals.failures++
      totals.firstError ??= String(err?.code ?? err?.message ?? err)
    },
    /** True once every event has arrived at least once. */
    get complete () {
      return totals.distinct === count
    },
    /**
     * Counts and latency percentiles (ms) so far; with `withLatencies`, every latency too
     * (ascending), so that several processes' can be pooled.
     * @param {{ withLatencies?: boolean }} [options]
     */
    summary ({ withLatencies = false } = {}) {
      const sorted = latencies.slice(0, totals.distinct).sort()
      return {
        ...totals,
        lost: count - totals.distinct,
        p50: percentileOfSorted(sorted, 50),
        p99: percentileOfSorted(sorted, 99),
        max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
        ...(withLatencies ? { latencies: Array.from(sorted) } : {})
      }
    }
  }
}
