/**
 * `npm run bench`: every benchmark, each against a baseline run side by side in the same run.
 * Figures are medians; the machine is shared, so compare ratios rather than absolute numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchAudio } from './audio-bench.js';
import { benchBrowser } from './browser-bench.js';
import { benchCluster } from './cluster-bench.js';
import { benchCodec } from './codec-bench.js';
import { benchLayouts } from './layout-bench.js';
import { benchLipSync } from './lip-sync-bench.js';
import { benchPicture } from './picture-bench.js';
import { benchCpu } from './cpu-bench.js';
import { benchGpu } from './gpu-bench.js';
import { benchKeyLatency } from './key-latency.js';
import { benchCrowd, benchFitting, benchJoin, benchLookAround, benchPipeline, benchRenderCost, benchStyleViewers, benchTableBuild, benchViewers } from './server-bench.js';

/** The sections in the order they run; `npm run bench -- codec picture` runs only those named. */
const SECTIONS: [name: string, run: (dir: string) => Promise<string[]> | string[]][] = [
  ['viewers', () => benchViewers()],
  ['render', (dir) => benchRenderCost(dir)],
  ['tables', () => benchTableBuild()],
  ['layouts', () => benchLayouts()],
  ['fitting', () => benchFitting()],
  ['pipeline', (dir) => benchPipeline(dir)],
  ['styles', (dir) => benchStyleViewers(dir)],
  ['crowd', (dir) => benchCrowd(dir)],
  ['look', (dir) => benchLookAround(dir)],
  ['join', (dir) => benchJoin(dir)],
  ['cpu', (dir) => benchCpu(dir)],
  ['gpu', (dir) => benchGpu(dir)],
  ['keys', (dir) => benchKeyLatency(dir)],
  ['audio', (dir) => benchAudio(dir)],
  ['browser', () => benchBrowser()],
  ['lipsync', (dir) => benchLipSync(dir)],
  ['codec', () => benchCodec()],
  ['cluster', (dir) => benchCluster(dir)],
  ['terminal', () => terminalBytes()],
  ['picture', () => benchPicture()],
];

async function terminalBytes(): Promise<string[]> {
  try {
    const terminal = await import('./terminal-bytes.js');
    return terminal.formatTerminalBytes(await terminal.measureTerminalBytes());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return [];
  }
}

async function main(): Promise<void> {
  const names = SECTIONS.map(([name]) => name);
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown bench section "${unknown[0]}"; sections: ${names.join(', ')}`);
    process.exit(2);
  }
  // ASCII360_BENCH_DIR keeps the generated media for the next run (and lets a machine without
  // libx264 use clips made elsewhere); otherwise they go with the run.
  const kept = process.env['ASCII360_BENCH_DIR'];
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'ascii360-bench-'));
  const print = (lines: string[]): void => {
    if (lines.length > 0) console.log(lines.join('\n') + '\n');
  };
  try {
    console.log(`ascii360 bench — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})\n`);
    for (const [name, run] of SECTIONS) if (asked.length === 0 || asked.includes(name)) print(await run(dir));
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
