/**
 * The browser client's files: the page at `/` and its ES modules at `/app/…`, read from the
 * package (built by `npm install`). Only the folders the page needs are reachable, only by known
 * extensions, and no path can climb out of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the server files');
    dir = up;
  }
  return dir;
}

const ROOT = packageRoot();
const PAGE = join(ROOT, 'src', 'client', 'browser', 'index.html');
/** Folders under dist/ the page imports from: its own code, the shared client code, the wire format. */
const ALLOWED = [join('src', 'client', 'browser'), join('src', 'client', 'common'), 'protocol'].map((p) => join(ROOT, 'dist', p) + sep);
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
};

export interface StaticFile {
  type: string;
  body: Buffer;
}

/** Files are small and few: read once, keep. */
const cache = new Map<string, StaticFile>();

function load(path: string, type: string): StaticFile | null {
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) return null;
  const file = { type, body: readFileSync(path) };
  cache.set(path, file);
  return file;
}

/** The page, or null when the package was installed without it. */
export function pageFile(): StaticFile | null {
  return load(PAGE, 'text/html; charset=utf-8');
}

/** `/app/<path>` → a file under one of the allowed dist folders, or null. */
export function appFile(urlPath: string): StaticFile | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.slice('/app/'.length));
  } catch {
    return null;
  }
  const ext = /\.(js|map|css)$/.exec(rel)?.[0];
  if (!ext || rel.includes('\0')) return null;
  const path = normalize(join(ROOT, 'dist', rel));
  if (!ALLOWED.some((dir) => path.startsWith(dir))) return null;
  return load(path, TYPES[ext === '.map' ? '.map' : ext]!);
}
