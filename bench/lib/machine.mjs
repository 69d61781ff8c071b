/**
 * The facts a benchmark number is meaningless without: CPU, cores, memory, Node, pinning.
 */
import os from 'node:os'
import { canPin } from './processes.mjs'

/**
 * @returns {{ cpu: string, cores: number, memoryGiB: number, os: string, node: string, pinned: boolean, load: number[] }}
 */
export function describeMachine () {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    pinned: canPin(),
    load: os.loadavg().map(value => Math.round(value * 100) / 100)
  }
}
