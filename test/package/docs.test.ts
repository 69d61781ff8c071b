// The docs hold together: every relative link in README.md, CONTRIBUTING.md, CHANGELOG.md and
// docs/*.md points at a file that exists and, with a #fragment, at a heading that exists (as
// GitHub makes anchors); every example that starts a server is one the package test runs.
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { markdownFiles, readMarkdown, unmarkedServers } from '../helpers/doc-examples.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// [text](target): inline links and images, outside code blocks and code spans.
const LINK = /!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g

/** Markdown without fenced blocks and code spans, where a `[x](y)` is not a link. */
function prose (markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, -N for repeats. */
function anchorsOf (markdown: string): Set<string> {
  const anchors = new Set<string>()
  const counts = new Map<string, number>()
  for (const match of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = (match[1] as string).trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-')
    const seen = counts.get(base) ?? 0
    counts.set(base, seen + 1)
    anchors.add(seen === 0 ? base : `${base}-${seen}`)
  }
  return anchors
}

t.test('every relative link and anchor resolves', async t => {
  let checked = 0
  for (const file of markdownFiles()) {
    const text = readMarkdown(file)
    for (const match of prose(text).matchAll(LINK)) {
      const target = match[1] as string
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue
      const [filePart = '', fragment] = target.split('#')
      const resolved = filePart === '' ? path.join(ROOT, file) : path.join(ROOT, path.dirname(file), decodeURIComponent(filePart))
      checked++
      if (!existsSync(resolved)) {
        t.fail(`${file}: ${target} points at a missing file`)
        continue
      }
      if (fragment === undefined) continue
      const anchors = statSync(resolved).isFile() && resolved.endsWith('.md') ? anchorsOf(readMarkdown(path.relative(ROOT, resolved))) : new Set<string>()
      t.ok(anchors.has(fragment), `${file}: ${target} names a heading of ${path.relative(ROOT, resolved)}`)
    }
  }
  t.ok(checked > 20, `${checked} links checked, so the pattern finds them`)
})

t.test('the anchor rule matches GitHub\'s', async t => {
  t.same([...anchorsOf('# A `b` (c)\n## What "acknowledged" means\n## x\n## x\n## Browsers: six connections per origin\n')],
    ['a-b-c', 'what-acknowledged-means', 'x', 'x-1', 'browsers-six-connections-per-origin'])
})

t.test('every example that starts a server is marked to run', async t => {
  t.same(unmarkedServers(), [], 'no ```js block with .listen( lacks <!-- runs: NAME -->')
})
