/**
 * The import graph of the workspaces' sources, read with the TypeScript compiler: no module
 * imports itself through others (type-only imports count: they tie modules as much), and no
 * workspace reaches into another's source. ESLint says the same per file (eslint.config.mjs);
 * this sees the whole graph.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WORKSPACES = ['protocol', 'chaincode', 'gateway-api', 'network'] as const;
type Workspace = (typeof WORKSPACES)[number];

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourcesUnder(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** The file an import names, or undefined for a package (other than the protocol). */
function resolve(from: string, specifier: string): string | undefined {
  if (specifier === '@ehr/protocol') return path.join(ROOT, 'protocol', 'src', 'index.ts');
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts'), `${base}.d.ts`].find((file) => existsSync(file));
}

/** Every source file and the files it imports (or re-exports from). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const workspace of WORKSPACES) {
    for (const file of sourcesUnder(path.join(ROOT, workspace, 'src'))) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles.map((i) => resolve(file, i.fileName)).filter((t) => t !== undefined);
      graph.set(file, targets);
    }
  }
  return graph;
}

/** Strongly connected components of more than one module, or of one that imports itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found.map((c) => c.map((file) => path.relative(ROOT, file)).sort());
}

const workspaceOf = (file: string) => path.relative(ROOT, file).split(path.sep)[0] as Workspace;

/** Which workspaces each may import from. */
const ALLOWED: Record<Workspace, readonly Workspace[]> = {
  protocol: ['protocol'],
  chaincode: ['chaincode', 'protocol'],
  'gateway-api': ['gateway-api', 'protocol'],
  network: ['network', 'protocol'],
};

describe('the import graph of the sources', () => {
  const graph = importGraph();

  it('reads every workspace', () => {
    for (const workspace of WORKSPACES) expect([...graph.keys()].some((f) => workspaceOf(f) === workspace)).toBe(true);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const a = path.join(ROOT, 'gateway-api', 'src', 'a.ts');
    const b = path.join(ROOT, 'gateway-api', 'src', 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([['gateway-api/src/a.ts', 'gateway-api/src/b.ts']]);
  });

  it('keeps each workspace to the protocol and itself', () => {
    const crossings = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => !ALLOWED[workspaceOf(file)].includes(workspaceOf(target)))
        .map((target) => `${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`),
    );
    expect(crossings).toEqual([]);
  });

  it('keeps the protocol free of packages and Node APIs', () => {
    const imports = sourcesUnder(path.join(ROOT, 'protocol', 'src')).flatMap((file) =>
      ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((i) => i.fileName),
    );
    expect(imports.filter((name) => !name.startsWith('./'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'protocol', 'package.json'), 'utf8')) as object;
    expect(manifest).not.toHaveProperty('dependencies');
  });
});
