/**
 * Fast readers in a child process (see fast-reader.mjs), with their progress as events.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('./fast-reader.mjs', import.meta.url))

/** What a reader saw of one socket when it closed. */
export interface ReaderEnd {
  ended: number
  bytes: number
  /** The last few hundred bytes, as latin1. */
  tail: string
}

/** A running group of fast readers. */
export interface FastReaders {
  /** Resolves once every socket has read at least 1 MiB. */
  flowing: Promise<void>
  /** Resolves with every socket's end, once all have closed. */
  ended: Promise<ReaderEnd[]>
  /** Kills the child (its sockets reset). */
  stop: () => Promise<void>
}

/** Starts `connections` readers of `url`'s path with `accept`. */
export function startFastReaders (url: string, path: string, connections: number, accept: string): FastReaders {
  const port = new URL(url).port
  const child = spawn(process.execPath, [SCRIPT, port, path, String(connections), accept], { stdio: ['pipe', 'pipe', 'inherit'] })
  const ends: ReaderEnd[] = []
  let markFlowing!: () => void
  let markEnded!: (ends: ReaderEnd[]) => void
  const flowing = new Promise<void>(resolve => { markFlowing = resolve })
  const ended = new Promise<ReaderEnd[]>(resolve => { markEnded = resolve })
  createInterface({ input: child.stdout }).on('line', line => {
    const message = JSON.parse(line) as { flowing?: true } & ReaderEnd
    if (message.flowing === true) markFlowing()
    else if (ends.push(message) === connections) markEnded(ends)
  })
  return {
    flowing,
    ended,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  }
}
