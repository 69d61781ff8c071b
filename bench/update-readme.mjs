/**
 * `node bench/update-readme.mjs [results.json]`: regenerates README.md's Benchmarks section
 * from a results file (default: the latest run) without measuring again.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { RESULTS } from './lib/paths.mjs'
import { writeReadmeSection } from './lib/readme.mjs'

const file = process.argv[2] ?? path.join(RESULTS, 'latest.json')
const run = JSON.parse(await readFile(file, 'utf8'))
process.stdout.write(await writeReadmeSection(run) + '\n')
