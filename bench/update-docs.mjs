/**
 * `node bench/update-readme.mjs [results.json] [--print]`: regenerates README.md's Benchmarks
 * section from a results file (default: the latest run) without measuring again. `--print`
 * writes the section to stdout instead, to review it first.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { RESULTS } from './lib/paths.mjs'
import { renderSection, writeReadmeSection } from './lib/readme.mjs'

const args = process.argv.slice(2)
const print = args.includes('--print')
const file = args.find(arg => !arg.startsWith('--')) ?? path.join(RESULTS, 'latest.json')
const run = JSON.parse(await readFile(file, 'utf8'))
process.stdout.write((print ? renderSection(run) : await writeReadmeSection(run)) + '\n')
