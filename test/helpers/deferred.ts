/** A promise with its resolve function exposed (Promise.withResolvers is Node 22+). */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
}

/** Creates a {@link Deferred}. */
export function deferred<T = void> (): Deferred<T> {
  let settle!: (value: T) => void
  const promise = new Promise<T>(resolve => { settle = resolve })
  return { promise, resolve: settle }
}
