/**
 * Runs nginx, Caddy or HAProxy in the foreground with a config taken from docs/deploying.md,
 * on free loopback ports, so the deployment guide's configs are tested as users would run
 * them. Each proxy runs under a small shell guard that holds the test process's pipe: a test
 * that dies without its teardown never leaves a proxy behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { access, chmod, constants, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pollUntil, within } from './bounded-wait.js'
import { freePort } from './guarded-redis.js'

/** The proxies the guide covers. */
export type ProxyKind = 'nginx' | 'caddy' | 'haproxy'

/** The addresses the guide's configs use; a test swaps in real ports. */
export const DOC_UPSTREAM = '127.0.0.1:3000'
export const DOC_LISTEN = '127.0.0.1:8080'

const BINARIES: Record<ProxyKind, { binary: string, pkg: string, fence: string }> = {
  nginx: { binary: '/usr/sbin/nginx', pkg: 'nginx', fence: 'nginx' },
  caddy: { binary: '/usr/bin/caddy', pkg: 'caddy', fence: 'caddyfile' },
  haproxy: { binary: '/usr/sbin/haproxy', pkg: 'haproxy', fence: 'haproxy' }
}
const START_TIMEOUT_MS = 10_000
// SIGTERM first: nginx's master must pass it to its workers, which a SIGKILL would orphan.
// Caddy waits for open connections on SIGTERM, so a stream still open gets a SIGKILL.
const TERM_TIMEOUT_MS = 3000
// The guard: a line (or EOF, when the test process dies) sends SIGTERM, a second line
// SIGKILL. The proxy's exit ends the guard with the proxy's status.
const GUARD = 'exec 3<&0; "$@" 3<&- & pid=$!; ' +
  '{ read how <&3; kill -TERM $pid; read how <&3 || sleep 2; kill -KILL $pid; } >/dev/null 2>&1 & guard=$!; ' +
  'wait $pid; status=$?; kill $guard 2>/dev/null; exit $status'
// nginx reads the guide's server block inside this http block, as Debian's nginx.conf includes
// conf.d/*.conf. It compresses every stream type, to prove the server block turns gzip off.
const NGINX_MAIN = `events {}
http {
    client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    access_log off;
    gzip on;
    gzip_types text/event-stream application/x-ndjson text/csv;
    include site.conf;
}
`

/** A running proxy. */
export interface Proxy {
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops it (SIGTERM, then SIGKILL) and removes its directory; safe to call twice. */
  stop: () => Promise<void>
}

/**
 * The marked configs of `markdown`: each `<!-- proxy-config: KIND -->` line followed by a
 * fenced block tagged with the proxy's language.
 * @throws when a kind is missing, repeated, its fence has another language tag, or it does
 *   not use the addresses a test swaps ({@link DOC_UPSTREAM}, {@link DOC_LISTEN}).
 */
export function proxyConfigs (markdown: string): Record<ProxyKind, string> {
  const found: Partial<Record<ProxyKind, string>> = {}
  const marked = /^<!-- proxy-config: (\w+) -->\n```(\w*)\n([\s\S]*?)^```$/gm
  for (const [, kind, fence, body] of markdown.matchAll(marked)) {
    if (BINARIES[kind as ProxyKind] === undefined) throw new Error(`unknown proxy-config marker: ${kind}`)
    if (found[kind as ProxyKind] !== undefined) throw new Error(`two ${kind} configs are marked`)
    found[kind as ProxyKind] = checkedConfig(kind as ProxyKind, kind, fence, body)
  }
  for (const kind of Object.keys(BINARIES) as ProxyKind[]) {
    if (found[kind] === undefined) throw new Error(`no <!-- proxy-config: ${kind} --> block followed by a fenced config`)
  }
  return found as Record<ProxyKind, string>
}

/**
 * The config of `markdown` marked `<!-- proxy-config: KIND NAME -->`: a variant for one case
 * (a site with gzip on, say), which {@link proxyConfigs} leaves out.
 * @throws when it is missing or repeated, its fence has another language tag, or it does not
 *   use the addresses a test swaps.
 */
export function proxyVariant (markdown: string, kind: ProxyKind, name: string): string {
  const marked = /^<!-- proxy-config: (\w+) ([\w-]+) -->\n```(\w*)\n([\s\S]*?)^```$/gm
  const bodies = [...markdown.matchAll(marked)].filter(match => match[1] === kind && match[2] === name)
  if (bodies.length !== 1) throw new Error(`${bodies.length} <!-- proxy-config: ${kind} ${name} --> blocks followed by a fenced config; want 1`)
  const [, , , fence = '', body = ''] = bodies[0]!
  return checkedConfig(kind, `${kind} ${name}`, fence, body)
}

/**
 * Starts `kind` with `config`, its upstream pointed at `upstreamPort` and its listen address
 * at a free loopback port; resolves once that port accepts connections.
 * @throws when the binary is missing (saying how to install it), or the proxy exits or is
 *   not listening within 10 s (with its output).
 */
export async function startProxy (kind: ProxyKind, config: string, upstreamPort: number): Promise<Proxy> {
  const { binary, pkg } = BINARIES[kind]
  try {
    await access(binary, constants.X_OK)
  } catch {
    throw new Error(`${binary} is missing; install it with: sudo apt-get update && sudo apt-get install -y ${pkg} ` +
      '(npm test runs test/system-deps.mjs, which does this on Debian)')
  }
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), `fastify-stream-${kind}-`))
  // nginx's workers run as nobody when the master is root, and must reach temp/.
  await chmod(dir, 0o755)
  const text = config.replaceAll(DOC_UPSTREAM, `127.0.0.1:${upstreamPort}`).replaceAll(DOC_LISTEN, `127.0.0.1:${port}`)
  const args = await writeConfig(kind, dir, text)
  const child = spawn('/bin/sh', ['-c', GUARD, `${kind}-guard`, binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Caddy keeps its state under XDG dirs: keep them in the temp dir too.
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = once(child, 'exit')
  let stopped = false
  const proxy: Proxy = {
    url: `http://127.0.0.1:${port}`,
    async stop () {
      if (stopped) return
      stopped = true
      await terminate(child, exited)
      await rm(dir, { recursive: true, force: true })
    }
  }
  const listening = async (): Promise<boolean> => {
    if (child.exitCode !== null) throw new Error(`${kind} exited with code ${child.exitCode}`)
    return accepts(port)
  }
  try {
    await pollUntil(listening, `${kind} to listen on 127.0.0.1:${port}`, START_TIMEOUT_MS)
  } catch (err) {
    await proxy.stop()
    throw new Error(`${kind} did not start: ${(err as Error).message}\n${output.slice(-2000)}`)
  }
  return proxy
}

/** `body`, once its fence is the proxy's language and it uses the addresses a test swaps. */
function checkedConfig (kind: ProxyKind, label: string, fence: string, body: string): string {
  const spec = BINARIES[kind]
  if (fence !== spec.fence) throw new Error(`the ${label} config must be fenced as ${spec.fence}, not "${fence}"`)
  if (!body.includes(DOC_UPSTREAM) || !body.includes(DOC_LISTEN)) throw new Error(`the ${label} config must use ${DOC_UPSTREAM} and ${DOC_LISTEN}`)
  return body
}

/** Writes the config files into `dir`; returns the proxy's arguments to run in the foreground. */
async function writeConfig (kind: ProxyKind, dir: string, text: string): Promise<string[]> {
  if (kind === 'nginx') {
    await mkdir(join(dir, 'temp'))
    await writeFile(join(dir, 'site.conf'), text)
    await writeFile(join(dir, 'nginx.conf'), NGINX_MAIN)
    return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`]
  }
  if (kind === 'caddy') {
    await writeFile(join(dir, 'Caddyfile'), text)
    return ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile']
  }
  await writeFile(join(dir, 'haproxy.cfg'), text)
  return ['-f', join(dir, 'haproxy.cfg'), '-db']
}

async function terminate (child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    child.stdin?.end()
    return
  }
  child.stdin?.write('term\n')
  try {
    await within(exited, 'the proxy to exit on SIGTERM', TERM_TIMEOUT_MS)
  } catch {
    child.stdin?.end('kill\n')
    await within(exited, 'the proxy to exit on SIGKILL', TERM_TIMEOUT_MS)
  }
  child.stdin?.end()
}

function accepts (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}
