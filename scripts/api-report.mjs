#!/usr/bin/env node
// The public surface of every package, under version control: a listing of every export of every
// entry point (`api-report/<package>[-<subpath>].api.md`), with its kind and its type as the
// compiler sees it. `npm test` runs `--check`: a change of the surface that the listing does not
// show fails until `npm run api` writes it, so that every change of the API is deliberate.
//
// The same pass checks that no package's sources import each other in a cycle.
//
//   node scripts/api-report.mjs           # write the listings
//   node scripts/api-report.mjs --check   # fail when a listing is out of date, or on an import cycle
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const outDir = join(root, 'api-report');
const packages = ['packages/core', 'packages/algorithms', 'packages/adapters'];
const check = process.argv.includes('--check');

const entries = [];
for (const pkg of packages) {
  const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8'));
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue; // ./package.json
    const source = target['@mycontent/source'];
    const name = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    const file = `${manifest.name.replace('@mycontent/', '')}${subpath === '.' ? '' : `-${subpath.slice(2).replaceAll('/', '-')}`}.api.md`;
    entries.push({ name, source: join(root, pkg, source), file });
  }
}

const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram(
  entries.map((e) => e.source),
  { ...config.options, noEmit: true, customConditions: ['@mycontent/source'] },
);
const checker = program.getTypeChecker();
const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType | ts.TypeFormatFlags.WriteArrayAsGenericType;

/** One line per export: kind, name, and what the compiler sees of it. */
function describe(symbol) {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const declaration = target.declarations?.[0];
  const deprecated = ts.getJSDocTags(declaration ?? ts.factory.createEmptyStatement()).some((t) => t.tagName.text === 'deprecated');
  const lines = [];
  const text = (type) => checker.typeToString(type, declaration, flags).replaceAll(root, '');
  const typeParameters = declaration?.typeParameters ? `<${declaration.typeParameters.map((p) => p.getText()).join(', ')}>` : '';
  if (target.flags & ts.SymbolFlags.Class) {
    lines.push(`class ${symbol.name}${typeParameters}`);
    const instance = checker.getDeclaredTypeOfSymbol(target);
    for (const member of checker.getPropertiesOfType(instance)) {
      const decl = member.valueDeclaration ?? member.declarations?.[0];
      if (decl && ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      if (member.name.startsWith('#')) continue;
      lines.push(`  ${member.name}: ${text(checker.getTypeOfSymbolAtLocation(member, declaration))}`);
    }
    for (const signature of checker.getTypeOfSymbolAtLocation(target, declaration).getConstructSignatures()) {
      lines.push(`  new${checker.signatureToString(signature, declaration, flags).replaceAll(root, '')}`);
    }
  } else if (target.flags & ts.SymbolFlags.Interface) {
    lines.push(`interface ${symbol.name}${typeParameters}`);
    const type = checker.getDeclaredTypeOfSymbol(target);
    for (const member of checker.getPropertiesOfType(type)) {
      const optional = member.flags & ts.SymbolFlags.Optional ? '?' : '';
      lines.push(`  ${member.name}${optional}: ${text(checker.getTypeOfSymbolAtLocation(member, declaration))}`);
    }
  } else if (target.flags & ts.SymbolFlags.TypeAlias) {
    // The alias's own text: its name alone would hide what it stands for.
    lines.push(`type ${symbol.name}${typeParameters} = ${declaration.type.getText().replace(/\s+/g, ' ')}`);
  } else if (target.flags & ts.SymbolFlags.Function) {
    for (const signature of checker.getTypeOfSymbolAtLocation(target, declaration).getCallSignatures()) {
      lines.push(`function ${symbol.name}${checker.signatureToString(signature, declaration, flags).replaceAll(root, '')}`);
    }
  } else {
    lines.push(`const ${symbol.name}: ${text(checker.getTypeOfSymbolAtLocation(target, declaration))}`);
  }
  if (deprecated) lines[0] += '  // @deprecated';
  return lines.join('\n');
}

const reports = new Map();
for (const entry of entries) {
  const file = program.getSourceFile(entry.source);
  if (!file) throw new Error(`cannot read ${entry.source}`);
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(file)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const body = exports.map(describe).join('\n\n');
  reports.set(
    entry.file,
    `# API report: \`${entry.name}\`\n\nEvery export of \`${entry.name}\` (${exports.length}), as the compiler sees it. Generated by\n\`npm run api\`; \`npm test\` fails while this file and the sources disagree.\n\n\`\`\`ts\n${body}\n\`\`\`\n`,
  );
}

// Import cycles: relative imports between the source files of each package.
const cycles = [];
for (const pkg of packages) {
  const dir = join(root, pkg, 'src');
  const files = program.getSourceFiles().filter((f) => f.fileName.startsWith(dir + '/'));
  const graph = new Map();
  for (const file of files) {
    const targets = [];
    for (const statement of file.statements) {
      const spec = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
      if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) continue;
      const resolved = ts.resolveModuleName(spec.text, file.fileName, program.getCompilerOptions(), ts.sys).resolvedModule;
      if (resolved) targets.push(resolved.resolvedFileName);
    }
    graph.set(file.fileName, targets);
  }
  // Tarjan's strongly connected components: any component of two files or more is a cycle.
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const visit = (v) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indices.get(w)));
    }
    if (low.get(v) === indices.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(relative(root, w));
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
}

if (check) {
  const stale = [];
  for (const [file, text] of reports) {
    const path = join(outDir, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(file);
  }
  const extra = existsSync(outDir) ? readdirSync(outDir).filter((f) => !reports.has(f)) : [];
  if (stale.length > 0 || extra.length > 0) {
    console.error(
      `the public API changed: ${[...stale, ...extra.map((f) => `${f} (no such entry point)`)].join(', ')} ` +
        'disagree with the sources. If the change is deliberate, run `npm run api` and commit api-report/ (and add a changeset).',
    );
  }
  if (cycles.length > 0) console.error(`import cycles (value imports between source files):\n${cycles.map((c) => `- ${c.join(' ↔ ')}`).join('\n')}`);
  if (stale.length > 0 || extra.length > 0 || cycles.length > 0) process.exit(1);
  console.log(`api report: ${reports.size} entry points up to date; no import cycle`);
} else {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [file, text] of reports) writeFileSync(join(outDir, file), text);
  console.log(`api report: wrote ${reports.size} entry points to ${relative(root, outDir)}/`);
  if (cycles.length > 0) console.error(`import cycles:\n${cycles.map((c) => `- ${c.join(' ↔ ')}`).join('\n')}`);
}
