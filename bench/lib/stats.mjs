/**
 * Small statistics for benchmark samples. Medians and spreads, never means: one noisy round
 * on a shared machine must not move the result.
 */

/**
 * Median, min and max of a list of numbers (NaN-free).
 * @param {number[]} samples one value per round.
 * @returns {{ median: number, min: number, max: number, n: number, samples: number[] }}
 */
export function summarize (samples) {
  const sorted = samples.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0, samples }
  return { median: percentileOfSorted(sorted, 50), min: sorted[0], max: sorted.at(-1), n: sorted.length, samples }
}

/**
 * The p-th percentile (0–100) of an ascending array, by linear interpolation.
 * @param {ArrayLike<number>} sorted ascending values.
 * @param {number} p percentile, 0 to 100.
 * @returns {number} NaN for an empty array.
 */
export function percentileOfSorted (sorted, p) {
  if (sorted.length === 0) return NaN
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low)
}

/**
 * Ratio of two medians, ours over the baseline's; NaN when either is missing or zero.
 * @param {{ median: number } | null | undefined} ours
 * @param {{ median: number } | null | undefined} base
 * @returns {number}
 */
export function ratioOf (ours, base) {
  if (ours == null || base == null || !Number.isFinite(ours.median) || !base.median) return NaN
  return ours.median / base.median
}
