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
