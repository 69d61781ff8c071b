/**
 * `node bench/update-docs.mjs [results.json] [--print]`: regenerates the tables of
 * docs/benchmarks.md from a results file (default: the latest run) without measuring again.
 * `--print` writes them to stdout instead, to review them first.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { RESULTS } from './lib/paths.mjs'
import { renderSection, writeBenchmarksPage } from './lib/benchmarks-page.mjs'

const args = process.argv.slice(2)
const print = args.includes('--print')
const file = args.find(arg => !arg.startsWith('--')) ?? path.join(RESULTS, 'latest.json')
const run = JSON.parse(await readFile(file, 'utf8'))
process.stdout.write((print ? renderSection(run) : await writeBenchmarksPage(run)) + '\n')
