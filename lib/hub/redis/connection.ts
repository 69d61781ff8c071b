/**
 * The part of an ioredis connection (a `Redis` or a `Cluster`) the adapter uses, so the core
 * type-checks without ioredis installed.
 */

/** The commands and events of an ioredis connection the adapter uses. */
export interface RedisConnection {
  readonly status: string
  call (command: string, ...args: Array<string | number>): Promise<unknown>
  /** Registers a Lua script as a command that is sent with EVALSHA (ioredis `defineCommand`). */
  defineCommand (name: string, definition: { numberOfKeys: number, lua: string }): void
  /** Commands sent together on one connection (on a Cluster, to the node of their keys). */
  pipeline (): RedisPipeline
  subscribe (...channels: string[]): Promise<unknown>
  unsubscribe (...channels: string[]): Promise<unknown>
  ssubscribe (...channels: string[]): Promise<unknown>
  sunsubscribe (...channels: string[]): Promise<unknown>
  on (event: string, listener: (...args: any[]) => void): unknown
  once (event: string, listener: (...args: any[]) => void): unknown
  removeListener (event: string, listener: (...args: any[]) => void): unknown
  disconnect (): void
  /** Closes after the replies to every command already sent (ioredis `quit()`). */
  quit (): Promise<unknown>
}

/** The part of an ioredis pipeline the adapter uses. */
export interface RedisPipeline {
  call (command: string, ...args: Array<string | number>): RedisPipeline
  /** Each command's `[error, reply]`, in order. */
  exec (): Promise<Array<[Error | null, unknown]> | null>
}
