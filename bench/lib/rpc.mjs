/**
 * Request/response over a child process's IPC channel: the orchestrator asks, the server or
 * load-generator process answers. Every call has a deadline, so a wedged child fails the
 * scenario instead of hanging the run.
 */

const DEFAULT_TIMEOUT_MS = 60_000

/**
 * Wraps a ChildProcess (spawned with an `ipc` stdio slot) in a `call()` function.
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} name used in error messages.
 * @returns {(cmd: string, args?: object, timeoutMs?: number) => Promise<any>}
 */
export function createCaller (child, name) {
  let nextId = 0
  const waiting = new Map()
  child.on('message', message => {
    if (message?.reply === undefined) return
    const entry = waiting.get(message.reply)
    if (entry === undefined) return
    waiting.delete(message.reply)
    clearTimeout(entry.timer)
    if (message.error !== undefined) entry.reject(new Error(`${name}: ${message.error}`))
    else entry.resolve(message.result)
  })
  child.once('exit', (code, signal) => {
    for (const entry of waiting.values()) {
      clearTimeout(entry.timer)
      entry.reject(new Error(`${name} exited (${signal ?? code}) during ${entry.cmd}`))
    }
    waiting.clear()
  })
  return function call (cmd, args = {}, timeoutMs = DEFAULT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${name} is not running (${cmd})`))
      const id = ++nextId
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`${name}: ${cmd} took longer than ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, { resolve, reject, timer, cmd })
      child.send({ id, cmd, args })
    })
  }
}

/**
 * Child side: answers the orchestrator's calls with `handlers[cmd](args)`, reports ready
 * with `info`, and exits when the orchestrator goes away, so no child outlives a crashed run.
 * @param {Record<string, (args: any) => any>} handlers
 * @param {object} info sent once as `{ ready: true, ...info }`.
 */
export function serveCalls (handlers, info = {}) {
  process.on('message', async message => {
    if (message?.id === undefined) return
    const handler = handlers[message.cmd]
    try {
      if (handler === undefined) throw new Error(`unknown command ${message.cmd}`)
      const result = await handler(message.args ?? {})
      process.send({ reply: message.id, result })
    } catch (err) {
      process.send({ reply: message.id, error: err?.stack ?? String(err) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: true, ...info })
}
