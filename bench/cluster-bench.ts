/**
 * The cluster's aims (issue: cluster), each beside a baseline measured in the same run:
 * - frame skew between viewers on two servers of one cluster, against two servers on their own
 *   (each with its own clock, joined a second apart as viewers do);
 * - a pause reaching the viewers of the other servers, against the pauser's own server's viewers;
 * - a killed server's viewers playing again through nginx (deploy/nginx.conf), with their view.
 * Real CLI servers, a real redis-server and a real nginx, all on loopback. When redis-server or
 * nginx is missing, the bench says so and skips.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { serveCli, type CliServer as Server } from './cli-server.js';
import { startNginx, startRedis, type RedisRig } from './cluster-rig.js';
import { fmt, median, percentile } from './stats.js';

const FPS = 30;
const SKEW_SECONDS = 8;
const PAUSES = 16;
const KILLS = 3;

/** A cluster server: quiet but for errors. */
const serve = (args: string[]): Promise<Server> => serveCli(['--log-level', 'error', ...args]);

/** A viewer recording when each frame index and each STATUS arrived (performance.now()). */
class Viewer {
  readonly frames = new Map<number, number>();
  readonly statuses: { text: string; at: number }[] = [];
  readonly ws: WebSocket;
  count = 0;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: Buffer, binary: boolean) => {
      const at = performance.now();
      if (binary) {
        this.count++;
        const index = data.readUInt32BE(0);
        if (!this.frames.has(index)) this.frames.set(index, at);
      } else {
        const text = data.toString();
        if (text.startsWith('STATUS:')) this.statuses.push({ text, at });
      }
    });
    this.ws.on('error', () => {});
  }

  async frameCount(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count < n) {
      if (Date.now() > deadline) throw new Error(`viewer got ${this.count} of ${n} frames`);
      await sleep(20);
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function makeClip(dir: string): string {
  const path = join(dir, 'bench-cluster.mp4');
  spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1024x512:rate=${FPS}:duration=30`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(FPS), path]);
  return path;
}

/** |Δt| in frames between the two viewers' arrivals of each frame index both got. */
function skews(a: Viewer, b: Viewer): number[] {
  const out: number[] = [];
  for (const [index, t] of a.frames) {
    const u = b.frames.get(index);
    if (u !== undefined) out.push((Math.abs(u - t) * FPS) / 1000);
  }
  return out;
}

async function measureSkew(clip: string, clusterArgs: string[] | null): Promise<{ p50: number; p95: number; common: number }> {
  const args = [clip, '--loop', ...(clusterArgs ?? [])];
  const servers = await Promise.all([serve(args), serve(args)]);
  const viewers: Viewer[] = [];
  try {
    viewers.push(new Viewer(`ws://127.0.0.1:${servers[0]!.port}/ws?cols=80&rows=24`));
    // A second apart, as real viewers arrive: on their own, each server starts its file then.
    await sleep(1000);
    viewers.push(new Viewer(`ws://127.0.0.1:${servers[1]!.port}/ws?cols=80&rows=24`));
    await Promise.all(viewers.map((v) => v.frameCount(15)));
    for (const v of viewers) v.frames.clear();
    await sleep(SKEW_SECONDS * 1000);
    const s = skews(viewers[0]!, viewers[1]!);
    return { p50: median(s), p95: percentile(s, 95), common: s.length };
  } finally {
    for (const v of viewers) v.close();
    for (const s of servers) s.stop();
  }
}

/** Pause and resume from a viewer of server A; how long each STATUS took to reach a viewer of A and of B and C. */
async function measurePause(clip: string, redis: RedisRig): Promise<{ own: number[]; others: number[] }> {
  const args = [clip, '--loop', '--cluster', redis.url, '--cluster-name', 'bench-pause'];
  const servers = await Promise.all([serve(args), serve(args), serve(args)]);
  const pauser = new Viewer(`ws://127.0.0.1:${servers[0]!.port}/ws?cols=40&rows=12`);
  const own = new Viewer(`ws://127.0.0.1:${servers[0]!.port}/ws?cols=40&rows=12`);
  const others = servers.slice(1).map((s) => new Viewer(`ws://127.0.0.1:${s.port}/ws?cols=40&rows=12`));
  const all = [pauser, own, ...others];
  const result = { own: [] as number[], others: [] as number[] };
  try {
    await Promise.all(all.map((v) => v.frameCount(10)));
    for (let i = 0; i < PAUSES; i++) {
      const paused = i % 2 === 0;
      const code = paused ? 'STATUS:PAUSED:' : 'STATUS:PLAYING:';
      const seen = all.map((v) => v.statuses.length);
      const sent = performance.now();
      pauser.ws.send(JSON.stringify({ type: 'pause', paused }));
      const arrival = async (v: Viewer, from: number): Promise<number> => {
        const deadline = Date.now() + 3000;
        for (;;) {
          const s = v.statuses.slice(from).find((x) => x.text.startsWith(code));
          if (s) return s.at - sent;
          if (Date.now() > deadline) return NaN;
          await sleep(2);
        }
      };
      const times = await Promise.all(all.map((v, k) => arrival(v, seen[k]!)));
      result.own.push(times[1]!);
      result.others.push(...times.slice(2));
      await sleep(400);
    }
    return result;
  } finally {
    for (const v of all) v.close();
    for (const s of servers) s.stop();
  }
}

/**
 * A viewer through nginx that reconnects the way our clients do (at once, then with backoff) with
 * the view it had; its server is killed, and the time to its next frame is measured.
 */
async function measureFailover(clip: string, redis: RedisRig): Promise<{ ms: number[]; viewKept: number; kills: number } | string> {
  // With a token, as behind any proxy: nginx's requests come from loopback for strangers (§1.5).
  const token = 'bench-failover';
  const args = [clip, '--loop', '--cluster', redis.url, '--cluster-name', 'bench-failover', '--token', token];
  const servers = await Promise.all([serve(args), serve(args)]);
  let nginx;
  try {
    nginx = await startNginx(servers.map((s) => s.port));
  } catch (error) {
    for (const s of servers) s.stop();
    return `nginx did not start: ${(error as Error).message.split('\n')[0]}`;
  }
  const ms: number[] = [];
  let viewKept = 0;
  try {
    for (let k = 0; k < KILLS; k++) {
      const yaw = 20 + k * 30;
      const url = `ws://127.0.0.1:${nginx.port}/ws?cols=40&rows=12&yaw=${yaw}&token=${token}`;
      let viewer = new Viewer(url);
      await viewer.frameCount(5);
      // Which server has it: the one whose /healthz lists this view.
      let victim: Server | undefined;
      for (const s of servers) {
        const h = (await (await fetch(`${s.url}/healthz`)).json()) as { views: { yaw: number }[] };
        if (h.views.some((v) => Math.abs(v.yaw - yaw) < 0.01)) victim = s;
      }
      if (!victim) throw new Error('the viewer is on no server');
      const killed = performance.now();
      victim.proc.kill('SIGKILL');
      await new Promise((r) => viewer.ws.once('close', r));
      // Reconnect as the clients do: the first try at once, then 250 ms doubling.
      let delay = 0;
      for (;;) {
        await sleep(delay);
        viewer = new Viewer(url);
        const opened = await new Promise<boolean>((r) => {
          viewer.ws.once('open', () => r(true));
          viewer.ws.once('close', () => r(false));
        });
        if (opened) break;
        delay = Math.max(250, delay * 2);
        if (performance.now() - killed > 15_000) throw new Error('no reconnection within 15 s');
      }
      await viewer.frameCount(1, 10_000);
      ms.push(viewer.frames.values().next().value! - killed);
      const survivor = servers.find((s) => s !== victim)!;
      const h = (await (await fetch(`${survivor.url}/healthz`)).json()) as { views: { yaw: number }[] };
      if (h.views.some((v) => Math.abs(v.yaw - yaw) < 0.01)) viewKept++;
      viewer.close();
      // Back to two servers for the next round, on the killed one's port.
      const index = servers.indexOf(victim);
      servers[index] = await serve([...args, '--port', String(victim.port)]);
      await sleep(3500); // nginx's fail_timeout: the port is tried again after it
    }
    return { ms, viewKept, kills: KILLS };
  } finally {
    await nginx.stop();
    for (const s of servers) s.stop();
  }
}

export async function benchCluster(dir: string): Promise<string[]> {
  const lines = ['Cluster (issue: cluster): two or three servers on this machine, one Redis, nginx in front (deploy/nginx.conf)'];
  const missing = ['redis-server', 'nginx'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0);
  if (missing.length) return [...lines, `  skipped: ${missing.join(' and ')} not installed (apt-get install redis-server nginx)`];
  const clip = makeClip(dir);
  const redis = await startRedis();
  try {
    const alone = await measureSkew(clip, null);
    const shared = await measureSkew(clip, ['--cluster', redis.url, '--cluster-name', 'bench-skew']);
    lines.push(`  frame skew between viewers on two servers, frames: cluster p50 ${fmt(shared.p50)} p95 ${fmt(shared.p95)} (${shared.common} frames); `
      + `baseline two servers alone p50 ${fmt(alone.p50)} p95 ${fmt(alone.p95)}; aim p95 ≤ 3: ${shared.p95 <= 3 ? 'met' : 'NOT met'}`);
    const pause = await measurePause(clip, redis);
    const others = pause.others.filter(Number.isFinite);
    lines.push(`  pause/resume to viewers of the other servers, ${PAUSES} changes × 2 servers: p50 ${fmt(median(others), 1)} ms, p95 ${fmt(percentile(others, 95), 1)} ms`
      + ` (${pause.others.length - others.length} missed); baseline the pauser's own server p50 ${fmt(median(pause.own), 1)} ms, p95 ${fmt(percentile(pause.own, 95), 1)} ms;`
      + ` aim p50 ≤ 100, p95 ≤ 300: ${median(others) <= 100 && percentile(others, 95) <= 300 && others.length === pause.others.length ? 'met' : 'NOT met'}`);
    const failover = await measureFailover(clip, redis);
    if (typeof failover === 'string') lines.push(`  failover: skipped, ${failover}`);
    else {
      lines.push(`  failover through nginx, server SIGKILLed, ${failover.kills} times: first frame again after median ${fmt(median(failover.ms), 0)} ms, max ${fmt(Math.max(...failover.ms), 0)} ms;`
        + ` view kept ${failover.viewKept}/${failover.kills}; aim ≤ 3000 ms: ${Math.max(...failover.ms) <= 3000 && failover.viewKept === failover.kills ? 'met' : 'NOT met'}`);
    }
  } finally {
    await redis.stop();
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'ascii360-bench-'));
  try {
    console.log((await benchCluster(dir)).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
