// fastify-stream/client is safe in browsers: its sources type-check with the DOM library and
// no Node types at all (a `Buffer`, `process` or `node:` import would fail), the built files
// import nothing but each other and eventsource-parser and add no global when loaded, and the
// whole stays within its size budget, minified and gzipped.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE = join(ROOT, 'lib', 'client')
const DIST = join(ROOT, 'dist', 'lib', 'client')
// What a browser project has: ES2022 and the DOM, no @types/node.
const BROWSER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  types: [],
  skipLibCheck: false
}
const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gm
const PARSER_BUILD = join(dirname(createRequire(import.meta.url).resolve('eventsource-parser/package.json')), 'dist', 'index.js')
// docs/client.md states the size; this keeps it honest. Measured 6.3 KB when written.
const GZIP_BUDGET = 7 * 1024
const IDENT_CHAR = /[\p{ID_Continue}$]/u

function diagnostics (files: string[]): string[] {
  const program = ts.createProgram(files, BROWSER_OPTIONS)
  return ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

t.test('the sources type-check as browser code, without Node types', async t => {
  const files = readdirSync(SOURCE).filter(name => name.endsWith('.ts')).map(name => join(SOURCE, name))
  t.ok(files.length > 5)
  t.same(diagnostics(files), [])
})

t.test('the same check fails on Node-only code, so it is a real check', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'client-portable-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const probe = join(dir, 'probe.ts')
  writeFileSync(probe, 'export const bytes = Buffer.byteLength(process.argv[0] ?? "")\n')
  const problems = diagnostics([probe])
  t.match(problems.join('\n'), /Buffer/)
  t.match(problems.join('\n'), /process/)
})

t.test('the built modules import only each other and eventsource-parser', async t => {
  const files = readdirSync(DIST).filter(name => name.endsWith('.js'))
  t.ok(files.includes('index.js'), 'dist/lib/client/index.js exists (npm run build)')
  for (const file of files) {
    const text = readFileSync(join(DIST, file), 'utf8')
    for (const [, specifier] of text.matchAll(IMPORT)) {
      t.ok(specifier === 'eventsource-parser' || /^\.\/[a-z-]+\.js$/.test(specifier as string), `${file} imports ${specifier}`)
    }
  }
})

t.test('importing the built entry point adds no global', async t => {
  const before = new Set(Object.getOwnPropertyNames(globalThis))
  const entry = new URL('../../dist/lib/client/index.js', import.meta.url).href
  const client = await import(entry) as Record<string, unknown>
  t.same(Object.keys(client).sort(), ['StreamClientError', 'isStreamClientError', 'readNdjson', 'subscribe'])
  t.same(Object.getOwnPropertyNames(globalThis).filter(name => !before.has(name)), [])
})

/**
 * `code` without comments and whitespace: its tokens (the leaves of TypeScript's syntax tree,
 * so regular expressions and template parts stay whole), with a space only where two would
 * merge. Names are not mangled, so a real minifier does better; none is installed here.
 */
function stripped (code: string): string {
  const source = ts.createSourceFile('module.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  let out = ''
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return
    const children = node.getChildren(source)
    if (children.length > 0) return children.forEach(visit)
    const text = node.getText(source)
    const last = out.at(-1) ?? ''
    const first = text[0] ?? ''
    const merges = (IDENT_CHAR.test(last) && IDENT_CHAR.test(first)) || (last === first && (last === '+' || last === '-')) || (last === '/' && (first === '/' || first === '*'))
    out += (merges ? ' ' : '') + text
  }
  visit(source)
  const reparsed = ts.createSourceFile('stripped.js', out, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS) as ts.SourceFile & { parseDiagnostics: ts.Diagnostic[] }
  if (reparsed.parseDiagnostics.length > 0) throw new Error(`stripping broke the code: ${String(reparsed.parseDiagnostics[0]?.messageText)}`)
  return out
}

t.test('the size: the client and eventsource-parser, minified and gzipped', async t => {
  const client = readdirSync(DIST).filter(name => name.endsWith('.js')).sort().map(name => stripped(readFileSync(join(DIST, name), 'utf8'))).join('\n')
  const parser = stripped(readFileSync(PARSER_BUILD, 'utf8'))
  const bundle = client + '\n' + parser
  const gzipped = (text: string): number => gzipSync(text, { level: 9 }).length
  t.comment(`client ${client.length} B minified, ${gzipped(client)} B gzipped; eventsource-parser ${parser.length} B, ${gzipped(parser)} B; together ${bundle.length} B, ${gzipped(bundle)} B`)
  t.ok(gzipped(bundle) <= GZIP_BUDGET, `${gzipped(bundle)} B gzipped, within ${GZIP_BUDGET} B`)
})
