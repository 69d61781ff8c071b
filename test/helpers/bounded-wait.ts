/**
 * Bounded waits for tests: every wait on a real process (Redis, a cluster, a socket) ends,
 * and a wait that times out fails with the name of what it waited for.
 */

/** `promise`, or a rejection naming `what` after `ms`. */
export async function within<T> (promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Resolves once `check()` is true, asking every 25 ms: for state only a query shows (a
 * replica's link, a cluster's view), where there is no event to wait on.
 * @throws naming `what` after `ms`.
 */
export async function pollUntil (check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** The part of a tap test that {@link reached} records on. */
interface Asserts {
  pass: (message: string) => boolean
  fail: (message: string) => boolean
}

/**
 * Awaits `wait` (bounded by `ms`) and records it as one assertion named `message`: a pass
 * once it settles, or a failure that says what was awaited and why it did not come, rather
 * than a test that only times out.
 * @returns whether it came, so a test can skip what depends on it.
 */
export async function reached (t: Asserts, wait: Promise<unknown>, message: string, ms = 20_000): Promise<boolean> {
  try {
    await within(wait, message, ms)
    return t.pass(message)
  } catch (err) {
    return t.fail(`${message}: ${(err as Error).message}`)
  }
}
