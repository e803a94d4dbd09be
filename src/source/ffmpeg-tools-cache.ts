/**
 * What `findFfmpeg` learnt about an ffmpeg and ffprobe pair, kept on disk between runs.
 *
 * Asking costs four runs of the binaries (`-version` twice, `-hwaccels`, `-filters`): Debian's
 * ffmpeg loads about a hundred shared libraries each time, so they took 0.6 s of CPU and 0.5–0.7 s
 * of every start before the source was even probed. The answers change only with the binaries, so
 * they are kept under a key made of each binary's resolved path, size, modification time and inode:
 * an upgrade, a rebuild or another ffmpeg on PATH asks again.
 *
 * The cache is a convenience only: a home without a writable cache directory, a torn or foreign
 * file, or a binary not found on PATH (whose error the asking gives) all just ask.
 */
import { accessSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The answers, as findFfmpeg reads them from the binaries. */
export interface ToolAnswers {
  /** `ffmpeg -version`'s first line. */
  versionLine: string;
  /** `ffmpeg -hwaccels`' list. */
  hwaccels: string[];
  /** `ffmpeg -filters`' lines for the filters findFfmpeg asks about (the whole list is 40 KB). */
  filterLines: string[];
}

/** Bumped when ToolAnswers changes shape: an older file is then asked again, not misread. */
const FORMAT = 2;

/** Where the answers live: `$XDG_CACHE_HOME/ascii360`, else `~/.cache/ascii360` (as mpv and fontconfig keep theirs). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'ascii360');
}

/** `cmd` as the shell would run it: a path as given (against the working directory), a bare name found on PATH. */
export function resolveCommand(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (cmd.includes('/')) return resolve(cmd);
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, cmd);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here: the next directory.
    }
  }
  return null;
}

/** The binaries' identity, or null where one cannot be found (then nothing is cached). */
export function toolsKey(ffmpeg: string, ffprobe: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const parts: string[] = [];
  for (const cmd of [ffmpeg, ffprobe]) {
    const path = resolveCommand(cmd, env);
    if (!path) return null;
    try {
      // statSync follows links: Debian's /usr/bin/ffmpeg is the file itself, Homebrew's a link to a versioned one.
      const s = statSync(path);
      parts.push(`${path}:${s.size}:${s.mtimeMs}:${s.ino}`);
    } catch {
      return null;
    }
  }
  return parts.join('|');
}

function fileFor(dir: string): string {
  return join(dir, 'ffmpeg-tools.json');
}

/**
 * Pairs kept at once: a user with a second ffmpeg (ASCII360_FFMPEG, a static build beside the
 * distribution's) switching between them is not asked each time.
 */
const MAX_PAIRS = 8;

interface KeptAnswers {
  key: string;
  answers: ToolAnswers;
}

/** Every pair's answers in the file, newest first; none where it is missing, torn or another format's. */
function readAll(dir: string): KeptAnswers[] {
  try {
    const kept = JSON.parse(readFileSync(fileFor(dir), 'utf8')) as { format?: unknown; pairs?: unknown };
    if (kept.format !== FORMAT || !Array.isArray(kept.pairs)) return [];
    return kept.pairs.filter((p): p is KeptAnswers => {
      const a = (p as Partial<KeptAnswers> | null)?.answers;
      return typeof (p as Partial<KeptAnswers>).key === 'string' && !!a && typeof a.versionLine === 'string' && isStrings(a.hwaccels) && isStrings(a.filterLines);
    });
  } catch {
    return [];
  }
}

/** The answers kept for `key`, or null (none kept, or unreadable). */
export function readAnswers(key: string, dir = cacheDir()): ToolAnswers | null {
  return readAll(dir).find((p) => p.key === key)?.answers ?? null;
}

/** Keeps `answers` for `key` with the other pairs' newest; a failure to write is ignored (the next start asks again). */
export function writeAnswers(key: string, answers: ToolAnswers, dir = cacheDir()): void {
  try {
    const pairs = [{ key, answers }, ...readAll(dir).filter((p) => p.key !== key)].slice(0, MAX_PAIRS);
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed over: a start reading at the same moment sees the old file or the new, never half of one.
    const aside = `${fileFor(dir)}.${process.pid}.tmp`;
    writeFileSync(aside, JSON.stringify({ format: FORMAT, pairs }));
    renameSync(aside, fileFor(dir));
  } catch {
    // A read-only home, a full disk: asking each time is only slower.
  }
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}
