/**
 * The real CLI's `serve` as a child process, for the benchmarks that measure whole processes or
 * kill them (cpu-bench.ts, cluster-bench.ts): started on a free port (a later `--port` in `args`
 * wins), resolved once it prints its address, bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface CliServer {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Kills it at once (SIGKILL): the benchmarks measure, they do not test shutdown. */
  stop(): void;
}

export function serveCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start: ${err}`));
    }, START_TIMEOUT_MS);
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / on (http:\/\/[^\s)]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      resolve({ url, port: Number(new URL(url).port), proc, stop: () => proc.kill('SIGKILL') });
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
}
