/**
 * Where the dashboard's files are. The demo runs both from source (tests load demo/*.ts)
 * and compiled (dist/demo/*.js), so paths are found from the package root, not this file.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: the nearest directory above this file holding package.json. */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/** The dashboard's HTML, scripts and styles. */
export const publicDir = join(packageRoot, 'demo', 'public')

/** uPlot's browser build, served as /vendor/uplot/ so the page works offline. */
export const uplotDir = dirname(createRequire(join(packageRoot, 'package.json')).resolve('uplot/dist/uPlot.esm.js'))

/** The built `fastify-stream/client` entry point and its modules, served as /vendor/fastify-stream/client/. */
export const clientDir = join(packageRoot, 'dist', 'lib', 'client')

/** eventsource-parser's ES module build, the client's one dependency, served as /vendor/eventsource-parser/. */
export const eventsourceParserDir = join(dirname(createRequire(join(packageRoot, 'package.json')).resolve('eventsource-parser/package.json')), 'dist')

function findPackageRoot (from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) return resolve(from, '..')
  }
}
