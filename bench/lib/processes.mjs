/**
 * Starts the server and load-generator processes: pinned to their own core with `taskset`
 * when the machine has two or more, with a raised file-descriptor limit, and tracked so that
 * every one is killed at the end of a scenario, on failure and on Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process'
import os from 'node:os'
import { createCaller } from './rpc.mjs'

const READY_TIMEOUT_MS = 20_000
// 10k idle streams need 10k sockets on each side, plus the usual handful.
const WANTED_FDS = 65536

const live = new Set()
let pinning

/**
 * Whether processes are pinned: `taskset` works and there are at least two CPUs.
 * @returns {boolean}
 */
export function canPin () {
  if (pinning === undefined) {
    pinning = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
  }
  return pinning
}

/**
 * Starts `node script` as a child with an IPC channel and waits for its `ready` message.
 * @param {string} script absolute path of the .mjs file.
 * @param {object} [options]
 * @param {string} [options.name] label for logs and errors.
 * @param {number} [options.core] CPU to pin to (ignored when pinning is unavailable).
 * @param {string[]} [options.nodeFlags] e.g. `['--expose-gc']`.
 * @param {string[]} [options.args] arguments after the script.
 * @returns {Promise<{ name: string, pid: number, info: object, call: Function, stop: () => Promise<void> }>}
 * @throws when the process exits or stays silent before it is ready.
 */
export async function startNode (script, { name = script, core, nodeFlags = [], args = [] } = {}) {
  const command = [process.execPath, ...nodeFlags, script, ...args]
  if (core !== undefined && canPin()) command.unshift('taskset', '-c', String(core))
  // bash only raises the limit (to the hard limit if 65536 is refused) and then execs, so
  // the pid we hold is node's own and the IPC descriptor passes through untouched.
  const child = spawn('bash', ['-c', 'ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)"; shift; exec "$@"', 'bench', String(WANTED_FDS), ...command], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' }
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  const info = await waitReady(child, name)
  const call = createCaller(child, name)
  return { name, pid: child.pid, info, call, stop: () => stopChild(child) }
}

/** Kills every child still running; used in `finally` blocks and on exit. */
export async function stopAll () {
  await Promise.all(Array.from(live, stopChild))
}

// Last resort: a synchronous kill when the orchestrator itself exits.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

function waitReady (child, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
    function onMessage (message) {
      if (message?.ready !== true) return
      cleanup()
      const { ready, ...info } = message
      resolve(info)
    }
    function onExit (code, signal) {
      fail(new Error(`${name} exited (${signal ?? code}) before it was ready`))
    }
    function fail (err) {
      cleanup()
      stopChild(child)
      reject(err)
    }
    function cleanup () {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

function stopChild (child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => {
    child.once('exit', () => resolve())
    // SIGKILL: a benchmark child holds nothing worth a graceful shutdown, and it must not
    // linger with thousands of sockets open into the next scenario.
    child.kill('SIGKILL')
  })
}
