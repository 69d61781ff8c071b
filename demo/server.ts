/**
 * The demo's entry point (`npm start` runs it through start.mjs): reads the environment,
 * listens, prints the banner, and closes gracefully on SIGINT/SIGTERM. A configuration
 * mistake (a bad variable, a Redis that does not answer, a port in use) ends the process
 * with exit code 1 and one line on stderr naming the variable, not a stack trace.
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { baseUrlFor, formatBanner } from './banner.js'
import { ConfigError, loadConfig, type DemoConfig } from './config.js'
import { closeOnSignals } from './shutdown.js'

let config: DemoConfig
let app: FastifyInstance
try {
  config = loadConfig()
  app = await buildApp(config)
} catch (err) {
  // Anything else is a bug, and its stack is what a bug report needs.
  if (!(err instanceof ConfigError)) throw err
  exitWith(err.message)
}
closeOnSignals(app)
try {
  await app.listen({ host: config.host, port: config.port })
} catch (err) {
  exitWith(listenError(err as NodeJS.ErrnoException, config))
}
const address = app.server.address()
const port = typeof address === 'object' && address !== null ? address.port : config.port
// The one place the demo writes to stdout directly: the banner is for the person who ran it.
process.stdout.write(formatBanner(baseUrlFor(config.host, port), config))

function exitWith (message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

// The variable to change depends on why listen() failed.
function listenError (err: NodeJS.ErrnoException, { host, port }: DemoConfig): string {
  const reason = `${host}:${port}: ${err.message}`
  if (err.code === 'EADDRINUSE') return `demo config: PORT ${port} is in use (${reason}); set PORT to a free port, or 0 for any`
  if (err.code === 'EACCES') return `demo config: PORT ${port} needs privileges (${reason}); set PORT above 1023`
  return `demo config: HOST ${host} cannot be listened on (${reason}); set HOST to an address of this machine, such as 127.0.0.1`
}
