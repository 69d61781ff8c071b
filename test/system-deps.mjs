// Installs what the test suite needs beyond npm: Debian's chromium (the real-browser test),
// redis-server (the Redis hub tests), redis-tools (redis-cli, which joins the Redis Cluster
// tests' nodes) and nginx, caddy and haproxy (the proxy test runs the configs of
// docs/deploying.md in processes of its own, so the services these packages start, nginx's
// and caddy's on port 80, are stopped again). Runs before `npm test`; a no-op once installed.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const NEEDED = [
  { binary: '/usr/bin/chromium', pkg: 'chromium' },
  { binary: '/usr/bin/redis-server', pkg: 'redis-server' },
  { binary: '/usr/bin/redis-cli', pkg: 'redis-tools' },
  { binary: '/usr/sbin/nginx', pkg: 'nginx', service: true },
  { binary: '/usr/bin/caddy', pkg: 'caddy', service: true },
  { binary: '/usr/sbin/haproxy', pkg: 'haproxy', service: true }
]

const absent = NEEDED.filter(({ binary }) => !existsSync(binary))
const missing = absent.map(({ pkg }) => pkg)
if (missing.length > 0) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
  if (!canInstall) {
    console.error(`The test suite needs these Debian packages: ${missing.join(' ')}.\n` +
      `Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`)
    process.exit(1)
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  console.log(`Installing ${missing.join(', ')} with apt-get…`)
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
  for (const { pkg } of absent.filter(({ service }) => service)) {
    try {
      execFileSync('service', [pkg, 'stop'], { stdio: 'ignore' })
    } catch {
      // Not started (a container's policy-rc.d refuses), or no service manager: nothing to stop.
    }
  }
}
