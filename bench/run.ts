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
import { benchPicture } from './picture-bench.js';
import { benchCpu } from './cpu-bench.js';
import { benchKeyLatency } from './key-latency.js';
import { benchCrowd, benchFitting, benchLookAround, benchPipeline, benchRenderCost, benchStyleViewers, benchTableBuild, benchViewers } from './server-bench.js';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ascii360-bench-'));
  const print = (lines: string[]): void => console.log(lines.join('\n') + '\n');
  try {
    console.log(`ascii360 bench — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})\n`);
    print(await benchViewers());
    print(benchRenderCost());
    print(benchTableBuild());
    print(benchLayouts());
    print(benchFitting());
    print(await benchPipeline(dir));
    print(await benchStyleViewers(dir)); // reuses benchPipeline's clip
    print(await benchCrowd(dir));
    print(await benchLookAround(dir));
    print(await benchCpu(dir));
    print(await benchKeyLatency(dir));
    print(await benchAudio(dir));
    print(await benchBrowser());
    print(await benchCodec());
    print(await benchCluster(dir));
    try {
      const terminal = await import('./terminal-bytes.js');
      print(terminal.formatTerminalBytes(await terminal.measureTerminalBytes()));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
    print(await benchPicture());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
