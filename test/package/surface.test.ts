// The public surface is one list: each `exports` entry's names, read from its built .d.ts by
// the TypeScript compiler as a user's editor would, must equal the committed snapshot
// (surface.json) and the README's list for that entry. A name added, removed or moved fails
// here until the snapshot, the README and CHANGELOG.md say so. After a deliberate change:
// `SURFACE_UPDATE=1 npx tap test/package/surface.test.ts` rewrites the snapshot.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SNAPSHOT = path.join(ROOT, 'test', 'package', 'surface.json')
// The budget the surface was cut to before the first publish (125 names before).
const MAX_NAMES = 85

interface EntrySurface { values: string[], types: string[] }
type Surface = Record<string, EntrySurface>

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string }> }
const entries = Object.entries(manifest.exports).flatMap(([entry, target]) => typeof target === 'string' ? [] : [[entry, path.join(ROOT, target.types)] as const])
const missing = entries.filter(([, file]) => !existsSync(file))
if (missing.length > 0) throw new Error(`no build: ${missing.map(([, file]) => file).join(', ')}; run npm run build first`)

const program = ts.createProgram(entries.map(([, file]) => file), {
  module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, types: ['node']
})
const checker = program.getTypeChecker()

/** The declaration a name finally stands for, and whether any hop exports it as a type only. */
function resolve (symbol: ts.Symbol): { target: ts.Symbol, typeOnly: boolean } {
  let current = symbol
  let typeOnly = false
  while ((current.flags & ts.SymbolFlags.Alias) !== 0) {
    typeOnly ||= (current.declarations ?? []).some(declaration => ts.isExportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly))
    current = checker.getImmediateAliasedSymbol(current) ?? checker.getAliasedSymbol(current)
  }
  return { target: current, typeOnly }
}

/** Where a symbol is declared, as `file:name`, to tell one definition from two. */
function definitionOf (symbol: ts.Symbol): string {
  const declaration = symbol.declarations?.[0]
  return `${path.relative(ROOT, declaration?.getSourceFile().fileName ?? '?')}:${symbol.name}`
}

const surface: Surface = {}
const definitions = new Map<string, Set<string>>()
for (const [entry, file] of entries) {
  const module = checker.getSymbolAtLocation(program.getSourceFile(file) as ts.SourceFile) as ts.Symbol
  const values: string[] = []
  const types: string[] = []
  for (const exported of checker.getExportsOfModule(module)) {
    const { target, typeOnly } = resolve(exported)
    if (!typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0) values.push(exported.name)
    else types.push(exported.name)
    if (exported.name === 'default') continue
    const seen = definitions.get(exported.name) ?? new Set()
    definitions.set(exported.name, seen.add(definitionOf(target)))
  }
  surface[entry] = { values: values.sort(), types: types.sort() }
}

if (process.env.SURFACE_UPDATE === '1') writeFileSync(SNAPSHOT, JSON.stringify(surface, null, 2) + '\n')

t.test('each entry exports exactly its snapshot', async t => {
  const snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Surface
  t.same(Object.keys(surface), Object.keys(snapshot), 'the same entries')
  for (const [entry, names] of Object.entries(surface)) {
    t.same(names, snapshot[entry], `${entry}: the built .d.ts exports what surface.json says (after a deliberate change: SURFACE_UPDATE=1, the README list and CHANGELOG.md)`)
  }
})

t.test(`at most ${MAX_NAMES} names over all entries`, async t => {
  const total = Object.values(surface).reduce((sum, { values, types }) => sum + values.length + types.length, 0)
  t.ok(total <= MAX_NAMES, `${total} names`)
})

t.test('a name means one thing everywhere, and one thing has one name', async t => {
  for (const [name, where] of definitions) t.equal(where.size, 1, `${name} is defined once (${[...where].join(', ')})`)
  const names = new Map<string, string[]>()
  for (const [name, where] of definitions) {
    for (const definition of where) names.set(definition, [...(names.get(definition) ?? []), name])
  }
  for (const [definition, aliases] of names) t.equal(aliases.length, 1, `${definition} is exported under one name (${aliases.join(', ')})`)
})

t.test('the README lists every entry\'s names, and only those', async t => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  for (const [entry, { values, types }] of Object.entries(surface)) {
    const specifier = entry === '.' ? 'fastify-stream' : `fastify-stream/${entry.slice(2)}`
    const marker = `<!-- exports: ${specifier} -->`
    const at = readme.indexOf(marker)
    t.ok(at >= 0, `the README has ${marker}`)
    if (at < 0) continue
    // The list is the paragraph after the marker: every `Name` in backticks.
    const paragraph = readme.slice(at + marker.length).trimStart().split(/\n\s*\n/)[0] ?? ''
    const listed = [...paragraph.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map(match => match[1] as string)
    t.same([...new Set(listed)].sort(), [...values, ...types].filter(name => name !== 'default').sort(), `${specifier}: the README's list matches the build`)
  }
})
