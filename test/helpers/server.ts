/**
 * Starts the real CLI (`dist/src/cli/main.js serve`) on a free loopback port and talks to it over
 * real sockets. Every wait is bounded in time.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from './media.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliServer {
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  stderr(): string;
  stdout(): string;
  stop(): Promise<number | null>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000, cwd?: string): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / on (http:\/\/[^\s)]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = m[1]!;
        resolve({
          url,
          wsUrl: url.replace(/^http/, 'ws') + '/ws',
          proc,
          stderr: () => err,
          stdout: () => out,
          stop: () => stopProcess(proc),
        });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening: ${err}`));
    });
  });
}

export function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    proc.kill(signal);
  });
}

export type Message = { text: string; binary: false } | { data: Buffer; binary: true };

/** A viewer that records everything it receives, with bounded waits. */
export class TestViewer {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  /** When each message arrived (performance.now(), ms), in step with `messages`. */
  readonly times: number[] = [];
  closeCode: number | null = null;
  closeReason = '';
  private waiters: (() => void)[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.messages.push(isBinary ? { data, binary: true } : { text: data.toString(), binary: false });
      this.times.push(performance.now());
      this.wake();
    });
    this.ws.on('close', (code, reason: Buffer) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
    this.ws.on('error', () => this.wake());
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get texts(): string[] {
    return this.messages.flatMap((m) => (m.binary ? [] : [m.text]));
  }

  get frames(): Buffer[] {
    return this.messages.flatMap((m) => (m.binary ? [m.data] : []));
  }

  /** Waits until `predicate` holds, checking after each message; rejects after `timeoutMs`. */
  async until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages, close ${this.closeCode}, texts ${JSON.stringify(this.texts.slice(-3)).slice(0, 300)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for `count` more binary frames than there are now. */
  async moreFrames(count: number, timeoutMs = 10_000): Promise<Buffer[]> {
    const start = this.frames.length;
    await this.until(() => this.frames.length >= start + count, `${count} frames`, timeoutMs);
    return this.frames.slice(start);
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  close(): void {
    this.ws.close();
  }
}

export async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as Record<string, unknown>;
}

/** One viewer's view as /healthz lists it. */
export interface HealthView {
  id: number;
  yaw: number;
  pitch: number;
  roll: number;
  fov: number;
  cols: number;
  rows: number;
  mode: number;
  pixel: boolean;
  style: string;
  camera: string;
}

/** The newest viewer's view as the server has it (/healthz), or null with no viewer. */
export async function newestView(server: { url: string }): Promise<HealthView | null> {
  const views = ((await getJson(`${server.url}/healthz`))['views'] ?? []) as HealthView[];
  return views.reduce<HealthView | null>((a, v) => (!a || v.id > a.id ? v : a), null);
}

/** Mean R, G, B of a raw cell frame (`[u32 index][char, R, G, B]…`). */
export function meanCellColour(frame: Buffer): [number, number, number] {
  const sum = [0, 0, 0];
  const n = (frame.length - 4) / 4;
  for (let i = 4; i < frame.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += frame[i + 1 + c]!;
  return sum.map((v) => v / n) as [number, number, number];
}

/** The INIT texts a viewer received, in order. */
export const inits = (v: TestViewer): string[] => v.texts.filter((t) => t.startsWith('INIT:'));
/** The `Error:` texts a viewer received, in order. */
export const errors = (v: TestViewer): string[] => v.texts.filter((t) => t.startsWith('Error: '));

export const statuses = (v: TestViewer): string[] => v.texts.filter((t) => t.startsWith('STATUS:'));

/**
 * Servers and viewers a test file starts, closed together at its end: `serve` runs the CLI with
 * `--log-level warn` after the given arguments, `viewer` connects to a server's /ws with a query.
 */
export function serverPool(): {
  serve(args: string[]): Promise<CliServer>;
  viewer(server: CliServer, query: string): TestViewer;
  close(): Promise<void>;
} {
  const servers: CliServer[] = [];
  const viewers: TestViewer[] = [];
  return {
    async serve(args) {
      const s = await startCli([...args, '--log-level', 'warn']);
      servers.push(s);
      return s;
    },
    viewer(server, query) {
      const v = new TestViewer(`${server.wsUrl}?${query}`);
      viewers.push(v);
      return v;
    },
    async close() {
      for (const v of viewers.splice(0)) v.close();
      await Promise.all(servers.splice(0).map((s) => s.stop()));
    },
  };
}

/**
 * A real server on a still photo whose western half (longitude −180…0) is white and eastern half
 * black, started before the calling file's tests and stopped, with the viewers they opened, after
 * them. Call at a test file's top level.
 */
export function halvesPhotoServer(): { server(): CliServer; photo(): string; viewer(query: string): TestViewer } {
  const tmp = tempDir();
  const photo = join(tmp.dir, 'halves.png');
  let server: CliServer | undefined;
  const viewers: TestViewer[] = [];
  beforeAll(async () => {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=white:s=1024x512,drawbox=x=512:y=0:w=512:h=512:color=black:t=fill', '-frames:v', '1', photo]);
    server = await startCli([photo, '--log-level', 'warn']);
  }, 30_000);
  afterAll(async () => {
    for (const v of viewers) v.close();
    await server?.stop();
    tmp.cleanup();
  });
  return {
    server: () => server!,
    photo: () => photo,
    viewer(query: string): TestViewer {
      const v = new TestViewer(`${server!.wsUrl}?${query}`);
      viewers.push(v);
      return v;
    },
  };
}
