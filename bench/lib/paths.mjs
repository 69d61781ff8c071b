/**
 * Where things are, resolved from this file so the harness runs from any working directory.
 */
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** bench/ itself. */
export const BENCH = fileURLToPath(new URL('../', import.meta.url))
/** The git-ignored results folder. */
export const RESULTS = fileURLToPath(new URL('../results/', import.meta.url))

/**
 * Absolute path of a file under bench/.
 * @param {string} relative e.g. `servers/ours.mjs`.
 * @returns {string}
 */
export function benchFile (relative) {
  return fileURLToPath(new URL('../' + relative, import.meta.url))
}
