/**
 * docs/benchmarks.md's generated part, from a run's results (as pino does): machine, Node,
 * date, method, the tables with ratios, and the command that reproduces them. The prose
 * around the markers is written by hand and survives a rewrite.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { RESULTS, ROOT } from './paths.mjs'
import { renderScenario } from './table.mjs'

const START = '<!-- bench:start -->'
const END = '<!-- bench:end -->'

/** How the numbers are made, stated once for the JSON and the docs. */
export const METHOD = 'The server under test and the load generator are separate processes, pinned to different cores with taskset. ' +
  'Each scenario runs the plugin and a hand-written node:http baseline (same bytes, one res.write per event, honouring drain) in the same run, ' +
  'in interleaved rounds (ours, baseline, ours, baseline…). Tables give the median over the rounds, the min–max spread and the ratio ours/baseline; ' +
  'targets are the project\'s performance bars. Loopback only, every load bounded in count and time.'

/**
 * Renders the section's markdown (without the markers).
 * @param {object} run a results object as written by run.mjs.
 * @returns {string}
 */
export function renderSection (run) {
  const m = run.machine
  const lines = [
    `Measured on ${run.date.slice(0, 10)} with \`npm run bench${run.quick ? ' -- --quick' : ''}\`: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ` +
      `${run.rounds} rounds${m.pinned ? ', server and load generator pinned to separate cores' : ', no CPU pinning'}.` +
      (run.quick ? ' This was a quick run (smaller loads, fewer rounds): a smoke check, not the reference numbers.' : ''),
    '',
    METHOD,
    '',
    'Reproduce with `npm run bench` (about 20 minutes; `npm run bench -- --quick` for a 4-minute check; `--only NAME` for one scenario), then `npm run bench -- --docs` or `node bench/update-docs.mjs` to regenerate this section.',
    ''
  ]
  for (const scenario of run.scenarios) lines.push(renderScenario(scenario), '')
  return lines.join('\n').trimEnd()
}

/**
 * Rewrites docs/benchmarks.md between `<!-- bench:start -->` and `<!-- bench:end -->`.
 * Without the page or without the markers it writes bench/results/benchmarks-section.md
 * instead, so a run never loses its tables.
 * @param {object} run
 * @returns {Promise<string>} what was written, for the log.
 */
export async function writeBenchmarksPage (run) {
  const section = renderSection(run)
  const page = path.join(ROOT, 'docs', 'benchmarks.md')
  const text = existsSync(page) ? await readFile(page, 'utf8') : null
  const start = text?.indexOf(START) ?? -1
  const end = text?.indexOf(END) ?? -1
  if (text === null || start === -1 || end < start) {
    await mkdir(RESULTS, { recursive: true })
    const fallback = path.join(RESULTS, 'benchmarks-section.md')
    await writeFile(fallback, section + '\n')
    return `${text === null ? 'docs/benchmarks.md does not exist' : `docs/benchmarks.md has no ${START} … ${END} markers`}: wrote ${fallback} instead`
  }
  await writeFile(page, text.slice(0, start + START.length) + '\n' + section + '\n' + text.slice(end))
  return 'docs/benchmarks.md: generated tables rewritten'
}
