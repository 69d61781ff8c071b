/**
 * Runs redis-server under a small shell guard that holds the test process's pipe, so a test
 * that dies without its teardown (a tap timeout, a SIGKILL) never leaves a server behind: the
 * pipe closes and the guard stops it. Shared by the single-node and the cluster helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

const READY = 'Ready to accept connections'
const START_TIMEOUT_MS = 10_000
// No signal may hang a test: the guard confirms within this.
const CONFIRM_TIMEOUT_MS = 2000
// One line on the guard's stdin: `stop` and `cont` freeze and thaw the node (and say so on
// stdout once signalled), `kill` ends it with SIGKILL, anything else (or the pipe closing
// because the test process died) with SIGTERM. A frozen process ignores SIGTERM until it is
// continued, hence the CONT after it.
const GUARD = '"$@" & pid=$!; ' +
  'while read how; do case "$how" in ' +
  'stop) kill -STOP $pid; echo "redis-guard: stop";; cont) kill -CONT $pid; echo "redis-guard: cont";; *) break;; esac; done; ' +
  'if [ "$how" = kill ]; then kill -KILL $pid; else kill -TERM $pid; kill -CONT $pid; fi; wait $pid'

/**
 * Starts `binary` (redis-server) with `args` under the guard; resolves once it is ready.
 * @param hint appended to the error when it cannot start (how to install it).
 */
export function launchGuarded (binary: string, args: string[], hint: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', GUARD, 'redis-guard', binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.stdin?.end('kill\n')
      reject(new Error(`redis-server could not be started (${why}); ${hint}\n${output.slice(-2000)}`))
    }
    const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes(READY)) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        // Keep draining its output so a chatty node never blocks on a full pipe.
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('error', err => fail(err.message))
    child.once('exit', code => { if (!output.includes(READY)) fail(`it exited with code ${code}`) })
  })
}

/** Asks the guard to freeze (stop) or thaw (cont) the server; resolves when the guard says it did. */
export async function signalGuarded (child: ChildProcess | undefined, how: 'stop' | 'cont'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const stdout = child.stdout as NodeJS.ReadableStream
  let onData: (chunk: Buffer) => void = () => {}
  const marker = `redis-guard: ${how}\n`
  const done = new Promise<void>(resolve => {
    // The node's own log lines share the pipe: keep only enough to find a split marker.
    let tail = ''
    onData = chunk => {
      const text = tail + chunk.toString()
      if (text.includes(marker)) resolve()
      tail = text.slice(-marker.length)
    }
  })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the node's guard did not confirm "${how}" within ${CONFIRM_TIMEOUT_MS} ms`)), CONFIRM_TIMEOUT_MS)
  })
  stdout.on('data', onData)
  child.stdin?.write(how + '\n')
  try {
    await Promise.race([done, timeout])
  } finally {
    clearTimeout(timer)
    stdout.removeListener('data', onData)
  }
}

/** Ends the server: `kill` with SIGKILL (data lost), `term` with SIGTERM; resolves once it exited. */
export async function terminateGuarded (child: ChildProcess | undefined, how: 'kill' | 'term'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.stdin?.end(how + '\n')
  await exited
}

/** A free TCP port on 127.0.0.1. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
