/**
 * Interleaved rounds: ours, baseline, ours, baseline… so that noise from the rest of a shared
 * machine (other test runs, thermal drift) lands on both sides alike.
 */

/**
 * Runs `warmup` discarded rounds, then `rounds` measured ones, alternating A and B (and any
 * extra reference variants after them, in the same rhythm).
 * @template T
 * @param {{ rounds: number, warmup?: number, log?: (line: string) => void, label?: string }} options
 * @param {() => Promise<T>} ours
 * @param {() => Promise<T>} base
 * @param {Record<string, () => Promise<T>>} [more] further variants, by name.
 * @returns {Promise<{ ours: T[], base: T[], [name: string]: T[] }>}
 */
export async function interleave ({ rounds, warmup = 0, log, label = '' }, ours, base, more = {}) {
  const variants = { ours, base, ...more }
  for (let i = 0; i < warmup; i++) {
    for (const run of Object.values(variants)) await run()
  }
  const results = Object.fromEntries(Object.keys(variants).map(name => [name, []]))
  for (let round = 1; round <= rounds; round++) {
    log?.(`${label} round ${round}/${rounds}`)
    for (const [name, run] of Object.entries(variants)) results[name].push(await run())
  }
  return results
}

/**
 * One field of every result, e.g. `pick(results.ours, 'rate')`.
 * @param {object[]} list
 * @param {string} field
 * @returns {number[]}
 */
export function pick (list, field) {
  return list.map(item => item[field])
}
