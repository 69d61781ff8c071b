/**
 * The runnable examples of the docs: a ```js block right after `<!-- runs: NAME -->` in
 * README.md or docs/*.md. The package test runs each one from the installed tarball, as a
 * user would paste it; the docs test makes sure no example that starts a server is left
 * unmarked.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MARKED = /<!-- runs: ([\w-]+) -->\n```js\n([\s\S]*?)```/g
const JS_BLOCK = /(<!-- runs: [\w-]+ -->\n)?```js\n([\s\S]*?)```/g

/** One runnable example: its name, the file it is in, and its code as written. */
export interface DocExample {
  name: string
  file: string
  code: string
}

/** README.md, CONTRIBUTING.md and every docs/*.md, as paths relative to the repository. */
export function markdownFiles (): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)
  return ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...docs.sort()]
}

/** The text of a markdown file of the repository. */
export function readMarkdown (file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
}

/** Every marked example, in file order. */
export function docExamples (): DocExample[] {
  return markdownFiles().flatMap(file =>
    [...readMarkdown(file).matchAll(MARKED)].map(match => ({ name: match[1] as string, file, code: match[2] as string })))
}

/** The ```js blocks that start a server (`.listen(`) but carry no `runs:` marker. */
export function unmarkedServers (): Array<{ file: string, code: string }> {
  return markdownFiles().flatMap(file =>
    [...readMarkdown(file).matchAll(JS_BLOCK)]
      .filter(match => match[1] === undefined && (match[2] as string).includes('.listen('))
      .map(match => ({ file, code: match[2] as string })))
}
