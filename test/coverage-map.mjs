// tap's 100% coverage gate applies to the published code: every file of the core (lib/)
// and the plugin (plugin/). Demo, bench and test helpers are exercised but not gated.
// tap matches exact file paths here, not folders, so list the files.
import { readdirSync } from 'node:fs'

const GATED = ['lib', 'plugin']
const files = GATED.flatMap(dir =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(name => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map(name => `${dir}/${name}`))

export default function coverageMap () {
  return files
}
