/**
 * Captures a Fastify (pino) logger's JSON lines in memory, so a test can wait for a line
 * instead of sleeping: `Fastify({ logger: { level: 'info', stream: lines } })`.
 */

/** One parsed pino line. */
export type LogRecord = Record<string, unknown> & { msg?: string, level?: number }

/** A pino destination that records lines and resolves waiters. */
export interface LogLines {
  readonly records: LogRecord[]
  write (line: string): void
  /** Resolves with the first record at index >= `from` whose msg includes `text`. */
  waitFor (text: string, from?: number): Promise<LogRecord>
}

/** Creates a {@link LogLines}. */
export function logLines (): LogLines {
  const records: LogRecord[] = []
  const waiters: Array<{ text: string, from: number, resolve: (record: LogRecord) => void }> = []
  const matches = (record: LogRecord, text: string): boolean => typeof record.msg === 'string' && record.msg.includes(text)
  return {
    records,
    write (line) {
      const record = JSON.parse(line) as LogRecord
      records.push(record)
      for (let i = waiters.length - 1; i >= 0; i--) {
        const waiter = waiters[i]!
        if (records.length > waiter.from && matches(record, waiter.text)) {
          waiters.splice(i, 1)
          waiter.resolve(record)
        }
      }
    },
    waitFor (text, from = 0) {
      const found = records.slice(from).find(record => matches(record, text))
      if (found !== undefined) return Promise.resolve(found)
      return new Promise(resolve => waiters.push({ text, from, resolve }))
    }
  }
}
