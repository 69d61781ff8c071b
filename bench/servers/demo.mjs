/**
 * The demo service as users run it: `buildApp()` from the compiled dist/demo,
 * listening on loopback. If the demo is not built yet, it says so instead of failing.
 */
import { serveCalls } from '../lib/rpc.mjs'
import { probeHandlers } from './probe.mjs'

let port = 0
let unavailable
try {
  const { buildApp } = await import('../../dist/demo/app.js')
  if (typeof buildApp !== 'function') throw new Error('dist/demo/app.js exports no buildApp')
  // Silent: logging every request would measure pino, not the stream.
  // Every bench client comes from one address: the per-client cap would refuse most of them.
  const app = await buildApp({ logLevel: 'silent', maxStreams: 20000, maxStreamsPerClient: 20000 })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = app.server.address().port
} catch (err) {
  unavailable = `the demo app could not start: ${err.code === 'ERR_MODULE_NOT_FOUND' ? 'dist/demo/app.js is not built' : err.message}`
}
serveCalls(probeHandlers(), { port, unavailable })
