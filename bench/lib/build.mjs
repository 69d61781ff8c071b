/**
 * Makes sure dist/ is current before measuring: the bench imports the package by its name,
 * which resolves to the compiled dist/, so a stale build would measure old code.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from './paths.mjs'

const SOURCE_DIRS = ['lib', 'plugin', 'demo']
const ENTRY = path.join(ROOT, 'dist/plugin/index.js')

/**
 * Runs `npm run build` when dist/ is missing or older than any .ts source. A build with
 * type errors (others may be mid-change) still emits; that is reported, not fatal, as long
 * as the plugin's entry exists.
 * @param {(line: string) => void} log
 * @throws when there is still no dist/plugin/index.js after building.
 */
export function ensureBuilt (log) {
  const built = existsSync(ENTRY) ? statSync(ENTRY).mtimeMs : 0
  const newest = Math.max(0, ...SOURCE_DIRS.map(dir => newestSource(path.join(ROOT, dir))))
  if (built >= newest) return
  log(built === 0 ? 'dist/ is missing: building' : 'dist/ is older than the sources: building')
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) {
    log(`build reported errors (continuing with what it emitted):\n${(result.stdout + result.stderr).trim().split('\n').slice(0, 10).join('\n')}`)
  }
  if (!existsSync(ENTRY)) throw new Error('npm run build did not produce dist/plugin/index.js')
}

function newestSource (dir) {
  if (!existsSync(dir)) return 0
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
    }
  }
  return newest
}
