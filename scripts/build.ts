// `npm run build` (npm runs it before `npm pack` and `npm publish`, as `prepack`): compiles the
// library, the functions and the built-in jobs (tsconfig.build.json) into dist/ as JavaScript plus
// .d.ts, in the same tree as the sources (dist/src, dist/functions, dist/jobs), so that what the
// code finds relative to import.meta.url (jobs/index, functions/index, the task worker) is there
// too. The sources have no non-TypeScript assets to copy.
//
// Relative imports are written `./x.ts`; tsc rewrites them to `./x.js` in the JavaScript
// (rewriteRelativeImportExtensions) but not in the declarations (microsoft/TypeScript#61037).
// TypeScript 5.x accepts `.ts` there, but editors and older compilers do not, so the declaration
// transformer below rewrites them too, on the syntax tree.
//
//   node scripts/build.ts

import { rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = join(ROOT, 'tsconfig.build.json');
/** The trees the build writes under dist/ (and removes first, so a deleted source leaves nothing behind). */
const BUILT_TREES = ['src', 'functions', 'jobs'] as const;

function rewriteSpecifier(text: string): string {
  return (text.startsWith('./') || text.startsWith('../')) && text.endsWith('.ts') && !text.endsWith('.d.ts')
    ? `${text.slice(0, -3)}.js`
    : text;
}

/** Declaration transformer: `from './x.ts'` and `import('./x.ts')` become `./x.js`. */
const rewriteDeclarationImports: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => {
  const f = context.factory;
  const specifier = (node: ts.Expression | undefined): ts.Expression | undefined =>
    node && ts.isStringLiteral(node) && rewriteSpecifier(node.text) !== node.text
      ? f.createStringLiteral(rewriteSpecifier(node.text))
      : node;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      const moduleSpecifier = specifier(node.moduleSpecifier)!;
      return f.updateImportDeclaration(
        node,
        node.modifiers,
        node.importClause,
        moduleSpecifier,
        node.attributes,
      );
    }
    if (ts.isExportDeclaration(node)) {
      return f.updateExportDeclaration(
        node,
        node.modifiers,
        node.isTypeOnly,
        node.exportClause,
        specifier(node.moduleSpecifier),
        node.attributes,
      );
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal) && rewriteSpecifier(literal.text) !== literal.text) {
        const argument = f.updateLiteralTypeNode(
          node.argument,
          f.createStringLiteral(rewriteSpecifier(literal.text)),
        );
        return f.updateImportTypeNode(
          node,
          argument,
          node.attributes,
          node.qualifier,
          ts.visitNodes(node.typeArguments, visit, ts.isTypeNode),
          node.isTypeOf,
        );
      }
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (root) => ts.visitNode(root, visit) as ts.SourceFile | ts.Bundle;
};

async function build(): Promise<{ files: number }> {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const config = ts.getParsedCommandLineOfConfigFile(CONFIG, {}, host)!;
  const outDir = config.options.outDir!;
  await Promise.all(BUILT_TREES.map((tree) => rm(join(outDir, tree), { recursive: true, force: true })));
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const written: string[] = [];
  const emitted = program.emit(
    undefined,
    (path, text, bom) => {
      written.push(path);
      ts.sys.writeFile(path, text, bom);
    },
    undefined,
    false,
    { afterDeclarations: [rewriteDeclarationImports] },
  );
  const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const formatHost: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (p) => p,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => '\n',
    };
    throw new Error(
      `The build found ${diagnostics.length} TypeScript errors:\n${ts.formatDiagnostics(diagnostics, formatHost)}`,
    );
  }
  // A source that imports a test, script or benchmark file would pull it into the package.
  const stray = written.filter(
    (p) => !BUILT_TREES.some((tree) => relative(outDir, p).startsWith(tree + sep)),
  );
  if (stray.length > 0) {
    throw new Error(
      `The build emitted files outside ${BUILT_TREES.map((t) => `dist/${t}`).join(', ')}: ${stray.map((p) => relative(ROOT, p)).join(', ')}. ` +
        'Something in src/, functions/ or jobs/ imports them; what the package runs must live in those folders.',
    );
  }
  return { files: written.length };
}

const started = Date.now();
build().then(
  ({ files }) =>
    console.log(`built ${files} files into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
