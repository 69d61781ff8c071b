/**
 * One whole stream read by the client process, with the server's CPU around it: what the
 * one-stream scenarios (1 and 13) measure per round.
 */

/**
 * Reads `path` (with `?format=` and `&n=` added) from `server` once.
 * @param {{ call: Function }} client the load client (bench/clients/load.mjs).
 * @param {{ name: string, call: Function, url: (path: string) => string }} server
 * @param {string} path the route, without a query.
 * @param {'sse' | 'ndjson'} format
 * @param {number} events how many items the route streams.
 * @returns {Promise<{ rate: number, cpuPerEvent: number, bytes: number, clientBusy: number }>}
 * @throws when fewer lines arrived than `events` items make.
 */
export async function readOnce (client, server, path, format, events) {
  const before = await server.call('cpu')
  const result = await client.call('readStream', { url: server.url(`${path}?format=${format}&n=${events}`) })
  const after = await server.call('cpu')
  // An SSE event is a data line and a blank line.
  const expectedLines = format === 'sse' ? 2 * events : events
  if (result.lines < expectedLines) throw new Error(`${server.name} ${path}: ${result.lines} lines, expected at least ${expectedLines}`)
  return { rate: events / (result.ms / 1000), cpuPerEvent: (after - before) / events, bytes: result.bytes, clientBusy: result.clientBusy }
}
