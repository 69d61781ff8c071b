/**
 * One table row: a metric measured for ours and the baseline, with medians, spreads, the
 * ratio, and whether the target holds.
 */
import { ratioOf, summarize } from './stats.mjs'

/**
 * @typedef {object} Row
 * @property {string} metric what is measured, with its unit.
 * @property {string} unit the unit used for formatting (`/s`, `ms`, `B`, `MB`, `µs`, `count`).
 * @property {ReturnType<typeof summarize> | null} ours
 * @property {ReturnType<typeof summarize> | null} base
 * @property {number} ratio ours' median over the baseline's.
 * @property {string} target the bar, as the issue states it, or `—`.
 * @property {boolean | null} met null when the row has no target.
 * @property {string} [unavailable] why this row could not be measured.
 */

/**
 * Builds a row from per-round samples.
 * @param {object} spec
 * @param {string} spec.metric
 * @param {string} spec.unit
 * @param {number[]} spec.ours
 * @param {number[] | null} [spec.base]
 * @param {string} [spec.target]
 * @param {(row: Row) => boolean | null} [spec.check] decides `met` from the finished row.
 * @returns {Row}
 */
export function makeRow ({ metric, unit, ours, base = null, target = '—', check }) {
  const row = { metric, unit, ours: summarize(ours), base: base === null ? null : summarize(base), ratio: NaN, target, met: null }
  row.ratio = ratioOf(row.ours, row.base)
  row.met = check === undefined ? null : check(row)
  return row
}

/**
 * A row that could not be measured because its subject is missing.
 * @param {string} metric
 * @param {string} reason
 * @param {string} [target]
 * @returns {Row}
 */
export function unavailableRow (metric, reason, target = '—') {
  return { metric, unit: '', ours: null, base: null, ratio: NaN, target, met: null, unavailable: reason }
}
