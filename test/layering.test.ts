/**
 * The folder layering of STYLE.md §3, checked on the import lines: data flows source → projection →
 * quantise → transport → clients, server folders never import clients and clients never import the
 * server, protocol/ and client/common/ stay platform-free.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Folder of a file, as the layering names it. */
function layer(path: string): string {
  const rel = relative(root, path).replace(/\\/g, '/');
  if (rel.startsWith('protocol/')) return 'protocol';
  const m = /^src\/(client\/[a-z]+|[a-z]+)\//.exec(rel);
  return m ? m[1]! : rel;
}

/** What each folder may import besides itself; node:* and packages are checked separately. */
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  shared: ['protocol'],
  // A source decodes one eye and sizes its frames by the layout table (projection/layouts/index.ts:
  // STYLE.md §4.1, layouts own the working size and the stereo sub-rectangle); angles come from protocol.
  source: ['shared', 'protocol', 'projection'],
  projection: ['shared', 'protocol'],
  quantise: ['protocol', 'shared'],
  // The codec keeps each view's shown frame and sends what changed (PROTOCOL-NOTES.md §3.7).
  encode: ['protocol', 'shared'],
  workers: ['projection', 'quantise', 'encode', 'shared', 'protocol'],
  // Transport sends what the workers made through shared contracts (frame-payload.ts, view-key.ts):
  // a frame runs down source → workers → transport and never climbs back.
  transport: ['protocol', 'shared'],
  audio: ['shared', 'source', 'protocol'],
  // A cluster shares one timeline record through Redis; the playback follows it (app/playback.ts).
  cluster: ['shared'],
  app: ['shared', 'source', 'transport', 'workers', 'protocol', 'audio', 'cluster'],
  'client/common': ['protocol'],
  'client/terminal': ['client/common', 'protocol'],
  'client/browser': ['client/common', 'protocol'],
  cli: ['app', 'cluster', 'shared', 'source', 'protocol', 'transport', 'client/terminal'],
};

/** Platform-free folders: no node:* built-ins, no packages. */
const PURE = new Set(['protocol', 'client/common', 'projection', 'quantise', 'client/browser']);

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const statics = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  // Dynamic import('…') too: a lazy import still ties the folders together.
  const dynamics = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...statics, ...dynamics];
}

describe('layering', () => {
  const all = [...files(join(root, 'src')), ...files(join(root, 'protocol'))];

  it('finds the sources', () => {
    expect(all.length).toBeGreaterThan(30);
  });

  it.each(all.map((f) => [relative(root, f), f]))('%s imports only what its folder may', (_rel, path) => {
    const from = layer(path);
    const allowed = ALLOWED[from];
    expect(allowed, `no layering rule for ${from}`).toBeDefined();
    for (const spec of imports(path)) {
      if (!spec.startsWith('.')) {
        if (PURE.has(from)) expect.fail(`${from} must stay platform-free but imports ${spec}`);
        continue;
      }
      const to = layer(resolve(dirname(path), spec));
      if (to === from) continue;
      expect(allowed, `${relative(root, path)} imports ${spec} (${to})`).toContain(to);
    }
  });
});
