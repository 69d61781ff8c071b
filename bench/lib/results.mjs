/**
 * Writes a run's results as JSON under bench/results/ (git-ignored): one file per run plus
 * `latest.json`, which the docs writer (bench/update-docs.mjs) reads.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { RESULTS } from './paths.mjs'

/**
 * @param {object} run everything the run produced: machine, args, scenarios.
 * @returns {Promise<string>} the path of the per-run file.
 */
export async function writeResults (run) {
  await mkdir(RESULTS, { recursive: true })
  const stamp = run.date.replace(/[:.]/g, '-')
  const file = path.join(RESULTS, `${stamp}${run.quick ? '-quick' : ''}.json`)
  const text = JSON.stringify(run, null, 2) + '\n'
  await writeFile(file, text)
  await writeFile(path.join(RESULTS, 'latest.json'), text)
  return file
}
