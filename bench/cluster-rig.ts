/**
 * A deployment in miniature for the tests and the cluster benchmark: redis-server and nginx (with
 * the shipped deploy/nginx.conf) in front of servers on loopback, on free ports, in temporary directories. Every start waits a bounded time; every
 * `stop()` ends the whole process group (SIGTERM, then SIGKILL), so a test file can call it from
 * afterAll and leave nothing behind, nginx workers included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shipped config, from bench/ (tests run the sources) or from dist/bench/ (the benchmark). */
export const NGINX_CONF = [new URL('../deploy/nginx.conf', import.meta.url), new URL('../../deploy/nginx.conf', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((path) => existsSync(path)) ?? fileURLToPath(new URL('../deploy/nginx.conf', import.meta.url));

/** Debian puts nginx in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** How long a daemon may take to answer after it was started. */
const START_TIMEOUT_MS = 10_000;
/** How long a daemon may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 3000;
/** Starts retried on a new port: another process may take a free port before the daemon binds it. */
const START_ATTEMPTS = 3;

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Sends `PING` to a redis on 127.0.0.1:`port`; true when it answers `+PONG` within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

interface Daemon {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Process groups still running, killed if the test process exits without calling stop(). */
const running = new Set<number>();
process.on('exit', () => {
  for (const pgid of running) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs `command` in its own process group and resolves once `ready()` holds; rejects with the
 * daemon's output when it exits first or is not ready in time. The group matters for nginx: its
 * workers outlive a master killed by SIGKILL.
 */
async function startDaemon(command: string, args: string[], ready: () => Promise<boolean>): Promise<Daemon> {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  if (proc.pid === undefined) {
    const error = await new Promise<Error>((resolve) => proc.once('error', resolve));
    throw new Error(`${command} could not be started (${error.message}); is it installed?`);
  }
  const pgid = proc.pid;
  running.add(pgid);
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const daemon: Daemon = {
    proc,
    output: () => output,
    async stop() {
      // Once stopped, the group id may belong to someone else: never signal it again.
      if (!running.has(pgid)) return;
      if (proc.exitCode === null && proc.signalCode === null) {
        const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), STOP_TIMEOUT_MS);
        killGroup(pgid, 'SIGTERM');
        await exited;
        clearTimeout(timer);
      }
      // The leader is gone; anything left in its group (an orphaned worker) goes too.
      killGroup(pgid, 'SIGKILL');
      running.delete(pgid);
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ready())) {
    if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`${command} ${proc.exitCode !== null ? `exited with ${proc.exitCode}` : `did not answer in ${START_TIMEOUT_MS} ms`}: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return daemon;
}

/** Tries `start` on fresh ports until one binds. */
async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !/in use/i.test(String(error))) throw error;
    }
  }
}

export interface RedisRig {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server and starts a fresh one (empty: nothing is saved) on the same port. */
  restart(): Promise<void>;
}

/** redis-server on a free loopback port, persisting nothing, its directory temporary. */
export async function startRedis(): Promise<RedisRig> {
  const dir = mkdtempSync(join(tmpdir(), 'ascii360-redis-'));
  const launch = (port: number): Promise<Daemon> =>
    startDaemon('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], () => pingRedis(port));
  let port = 0;
  let daemon = await onFreePort(async (p) => {
    port = p;
    return launch(p);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await daemon.stop();
      mkdirSync(dir, { recursive: true });
      daemon = await launch(port);
    },
  };
}

export interface NginxRig {
  url: string;
  port: number;
  /** nginx's prefix: its configuration, pid file, access log and temporary files. */
  dir: string;
  /** The configuration nginx runs: deploy/nginx.conf with the substitutions of renderNginxConf. */
  conf: string;
  /** nginx's error log (its stderr) so far. */
  errors(): string;
  /** The access log so far (format `ascii360` of deploy/nginx.conf: one line per request). */
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * Replaces exactly one match of `pattern`; throws when deploy/nginx.conf no longer has it, so the
 * tests fail instead of running some other configuration.
 */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'));
  if (matches?.length !== 1) {
    throw new Error(`deploy/nginx.conf should have exactly one ${what} (${pattern}), found ${matches?.length ?? 0}; update bench/cluster-rig.ts with it`);
  }
  return text.replace(pattern, replacement);
}

/**
 * deploy/nginx.conf as the tests run it: listening on 127.0.0.1:`port`, the upstream's server lines
 * replaced by one per port in `upstreams` (same parameters), pid, logs and temporary files in
 * `prefix`. Everything else is the shipped file, byte for byte.
 */
export function renderNginxConf(shipped: string, port: number, upstreams: number[], prefix: string): string {
  if (upstreams.length === 0) throw new Error('nginx needs at least one upstream port');
  let conf = shipped;
  conf = replaceOnce(conf, /^pid \/run\/nginx\.pid;$/m, `pid ${prefix}/nginx.pid;`, 'pid line');
  conf = replaceOnce(conf, /^error_log \/var\/log\/nginx\/error\.log (\w+);$/m, 'error_log stderr $1;', 'error_log line');
  conf = replaceOnce(conf, /^(\s*)access_log \/var\/log\/nginx\/access\.log (\w+);$/m, `$1access_log ${prefix}/access.log $2;`, 'access_log line');
  conf = replaceOnce(conf, /^(\s*)listen 8360;$/m, `$1listen 127.0.0.1:${port};`, 'listen line');
  // The compiled-in temporary directories are under /var/lib/nginx; nginx creates them at start.
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${prefix}/${kind}_temp;`).join('\n');
  conf = replaceOnce(conf, /^http \{$/m, `http {\n${temp}`, '"http {" line');

  const block = /^(\s*)upstream ascii360 \{\n([\s\S]*?)^\1\}$/m.exec(conf);
  if (!block) throw new Error('deploy/nginx.conf should have an "upstream ascii360 { … }" block; update bench/cluster-rig.ts');
  const serverLine = /^(\s*)server 127\.0\.0\.1:\d+((?: [^;]*)?);$/gm;
  const servers = [...block[2]!.matchAll(serverLine)];
  if (servers.length < 2) throw new Error(`the upstream block of deploy/nginx.conf should list several "server 127.0.0.1:<port> …;" lines, found ${servers.length}`);
  const [indent, params] = [servers[0]![1]!, servers[0]![2]!];
  if (servers.some((s) => s[2] !== params)) throw new Error('the upstream servers of deploy/nginx.conf should all have the same parameters');
  let first = true;
  const body = block[2]!.replace(/^(\s*)server 127\.0\.0\.1:\d+((?: [^;]*)?);\n/gm, () => {
    if (!first) return '';
    first = false;
    return upstreams.map((p) => `${indent}server 127.0.0.1:${p}${params};\n`).join('');
  });
  conf = conf.replace(block[2]!, body);

  const outside = /(?:^|\s)\/(?:var|run|etc)\//m.exec(conf);
  if (outside) throw new Error(`the rendered nginx.conf still names a system path (${outside[0].trim()}…); render it into the prefix`);
  return conf;
}

/** nginx running deploy/nginx.conf on a free loopback port in front of servers on `upstreams`. */
export async function startNginx(upstreams: number[]): Promise<NginxRig> {
  const prefix = mkdtempSync(join(tmpdir(), 'ascii360-nginx-'));
  // Run as root, nginx's workers switch to an unprivileged user: they must reach the temp dirs.
  chmodSync(prefix, 0o755);
  const shipped = readFileSync(NGINX_CONF, 'utf8');
  const confPath = join(prefix, 'nginx.conf');
  let conf = '';
  let port = 0;
  const daemon = await onFreePort(async (p) => {
    port = p;
    conf = renderNginxConf(shipped, p, upstreams, prefix);
    writeFileSync(confPath, conf);
    // -e: the log for messages before the configuration is read (Debian's default is stderr too).
    return startDaemon(NGINX, ['-p', prefix, '-e', 'stderr', '-c', confPath, '-g', 'daemon off;'], () => accepts(p));
  });
  const readLog = (): string => {
    try {
      return readFileSync(join(prefix, 'access.log'), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir: prefix,
    conf,
    errors: daemon.output,
    accessLog: readLog,
    async stop() {
      await daemon.stop();
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
