/**
 * What a scenario gets to work with: the run's settings, a logger, and starters for the
 * server under test (core 0) and the load generator (core 1).
 */
import { benchFile } from './paths.mjs'
import { startNode } from './processes.mjs'

const SERVER_CORE = 0
const CLIENT_CORE = 1

/**
 * The servers a scenario can start, by kind: file under bench/servers/ and label.
 * `demo` and `demo-baseline` exist only once the demo app is built.
 */
const SERVERS = {
  ours: 'servers/ours.mjs',
  baseline: 'servers/baseline.mjs',
  demo: 'servers/demo.mjs',
  'demo-baseline': 'servers/demo-baseline.mjs'
}

/**
 * @param {{ quick: boolean, rounds: number, log: (line: string) => void }} settings
 */
export function createContext ({ quick, rounds, log }) {
  return {
    quick,
    rounds,
    log,
    /**
     * Starts a server process pinned to core 0, with `--expose-gc` so memory can be read
     * after a full collection.
     * @param {keyof SERVERS} kind
     */
    async startServer (kind) {
      const proc = await startNode(benchFile(SERVERS[kind]), { name: `${kind} server`, core: SERVER_CORE, nodeFlags: ['--expose-gc'] })
      const base = `http://127.0.0.1:${proc.info.port}`
      return { ...proc, url: path => base + path }
    },
    /** Starts the load-generator process pinned to core 1. */
    startClient () {
      return startNode(benchFile('clients/load.mjs'), { name: 'load generator', core: CLIENT_CORE })
    }
  }
}
