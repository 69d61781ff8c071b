/**
 * The demo's entry point (`npm start` runs it through start.mjs): reads the environment,
 * listens, prints the banner, and closes gracefully on SIGINT/SIGTERM.
 */
import { buildApp } from './app.js'
import { baseUrlFor, formatBanner } from './banner.js'
import { loadConfig, type DemoConfig } from './config.js'
import { closeOnSignals } from './shutdown.js'

let config: DemoConfig
try {
  config = loadConfig()
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}

const app = await buildApp(config)
closeOnSignals(app)
try {
  await app.listen({ host: config.host, port: config.port })
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code
  const hint = code === 'EADDRINUSE' ? ` (port ${config.port} is taken; set PORT to another one)` : ''
  process.stderr.write(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}${hint}\n`)
  process.exit(1)
}
const address = app.server.address()
const port = typeof address === 'object' && address !== null ? address.port : config.port
// The one place the demo writes to stdout directly: the banner is for the person who ran it.
process.stdout.write(formatBanner(baseUrlFor(config.host, port), config))
