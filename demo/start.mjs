// `npm start`: compiles the TypeScript when dist/ is missing or older than the sources, then
// runs the compiled server. Plain JavaScript, so it runs before anything is built.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const entry = join(root, 'dist', 'demo', 'server.js')
// Everything tsc reads: a change in any of these makes dist/ stale.
const SOURCE_DIRS = ['lib', 'plugin', 'demo']
const SOURCE_FILES = ['tsconfig.json', 'package.json']

if (isStale()) build()
await import(entry)

function isStale () {
  const built = mtimeOf(entry)
  if (built === undefined) return true
  const sources = SOURCE_FILES.map(file => join(root, file))
  for (const dir of SOURCE_DIRS) sources.push(...tsFilesUnder(join(root, dir)))
  return sources.some(file => (mtimeOf(file) ?? 0) > built)
}

function build () {
  let tsc
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  } catch {
    console.error('TypeScript is not installed: run `npm install` first.')
    process.exit(1)
  }
  console.log('Building (tsc -p tsconfig.json)…')
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error('The build failed; see the errors above.')
    process.exit(result.status ?? 1)
  }
}

function tsFilesUnder (dir) {
  const files = []
  for (const item of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (item.isFile() && item.name.endsWith('.ts')) files.push(join(item.parentPath ?? item.path, item.name))
  }
  return files
}

function mtimeOf (file) {
  try {
    return statSync(file).mtimeMs
  } catch {
    return undefined
  }
}
