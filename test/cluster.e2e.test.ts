/**
 * Several servers, one timeline (`serve --cluster`): real CLI servers on loopback share a real
 * redis-server (Debian's package), and for the failover case sit behind a real nginx running the
 * shipped deploy/nginx.conf, with headless Chromium as the viewer. Every wait is bounded; each test
 * names its own cluster, so the tests cannot see each other's timelines on the shared Redis.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PageProbe, ProbeState } from '../src/client/browser/page-probe.js';
import { listen, sleep as wait } from './helpers/audio.js';
import { redisCommand, startNginx, startRedis, type NginxRig, type RedisRig } from './helpers/cluster-rig.js';
import { makeClip, tempDir } from './helpers/media.js';
import { CLI, getJson, serverPool, statuses, type CliServer, type TestViewer } from './helpers/server.js';
import { parseInit, parseStatus } from '../protocol/index.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const FPS = 30;
const tmp = tempDir('ascii360-cluster-');
let clip: string;
let otherClip: string;
let shortClip: string;
let toneClip: string;
let redis: RedisRig;
let pool: ReturnType<typeof serverPool>;

beforeAll(async () => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 20 });
  shortClip = makeClip(join(tmp.dir, 'short.mp4'), { seconds: 3 });
  toneClip = makeClip(join(tmp.dir, 'tone.mp4'), { seconds: 20, toneHz: 440 });
  // The same pictures under another file name: another source, so another cluster by default.
  otherClip = join(tmp.dir, 'other.mp4');
  copyFileSync(clip, otherClip);
  // The same file elsewhere (joins), and another file of the same name (does not).
  mkdirSync(join(tmp.dir, 'copy'));
  copyFileSync(clip, join(tmp.dir, 'copy', 'clip.mp4'));
  mkdirSync(join(tmp.dir, 'another'));
  // Its name, duration and frame size all the same: only its content differs (here, its sound).
  makeClip(join(tmp.dir, 'another', 'clip.mp4'), { seconds: 20, toneHz: 330 });
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  tmp.cleanup();
});

afterEach(async () => {
  await pool?.close();
});

function cluster(name: string | null, source = clip): string[] {
  return [source, '--loop', '--cluster', redis.url, ...(name ? ['--cluster-name', name] : [])];
}

type Health = Record<string, unknown> & { status: string; cluster: { name: string; id: string; connected: boolean; servers: { id: string }[]; offsetMs: number | null; timeline: { paused: boolean; cause: string } } };
const health = (s: CliServer): Promise<Health> => getJson(`${s.url}/healthz`) as Promise<Health>;

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The wire index of each frame a viewer received (raw ASCILINE frames start with it, u32 BE). */
const indexOf = (frame: Buffer): number => frame.readUInt32BE(0);

/** Seconds of the last STATUS with `code` a viewer got, or null. */
function lastStatus(v: TestViewer, code: string): number | null {
  const s = statuses(v).filter((t) => t.startsWith(`STATUS:${code}:`)).at(-1);
  return s === undefined ? null : Number(s.split(':')[2]);
}

/** When each frame index first arrived at a viewer (performance.now(), ms). */
function arrivals(v: TestViewer): Map<number, number> {
  const at = new Map<number, number>();
  v.messages.forEach((m, i) => {
    if (m.binary && !at.has(indexOf(m.data))) at.set(indexOf(m.data), v.times[i]!);
  });
  return at;
}

describe('one timeline across servers', () => {
  it('a pause, a seek and a resume on one server reach the viewers of the others', async () => {
    pool = serverPool();
    const [a, b, c] = await Promise.all([pool.serve(cluster('pause')), pool.serve(cluster('pause')), pool.serve(cluster('pause'))]);
    const [va, vb, vc] = [a, b, c].map((s) => pool.viewer(s, 'cols=40&rows=12'));
    await Promise.all([va!.moreFrames(5), vb!.moreFrames(5), vc!.moreFrames(5)]);

    va!.send({ type: 'pause', paused: true });
    for (const v of [vb!, vc!]) await v.until(() => lastStatus(v, 'PAUSED') !== null, 'STATUS:PAUSED on another server', 3000);
    // One record: the same position everywhere, to the millisecond.
    const paused = lastStatus(va!, 'PAUSED');
    expect(lastStatus(vb!, 'PAUSED')).toBe(paused);
    expect(lastStatus(vc!, 'PAUSED')).toBe(paused);
    // Paused means no more moving frames: at most the one that shows the paused moment.
    await sleep(300);
    const before = vb!.frames.length;
    await sleep(700);
    expect(vb!.frames.length - before).toBeLessThanOrEqual(1);
    expect((await health(b)).cluster.timeline.paused).toBe(true);

    // With ASCILINE's requestId: the asker's SEEKED answer follows the STATUS the cluster sends back.
    vc!.send({ type: 'seek', time: 5, requestId: 9 });
    for (const v of [va!, vb!]) await v.until(() => lastStatus(v, 'SEEKED') === 5, 'STATUS:SEEKED:5.000 on another server', 3000);
    await vc!.until(() => vc!.texts.includes('SEEKED:9:5.000000000'), 'the SEEKED answer', 3000);
    expect(vc!.texts.indexOf('STATUS:SEEKED:5.000')).toBeLessThan(vc!.texts.indexOf('SEEKED:9:5.000000000'));

    vb!.send({ type: 'pause', paused: false });
    for (const v of [va!, vc!]) await v.until(() => lastStatus(v, 'PLAYING') === 5, 'STATUS:PLAYING:5.000 on another server', 3000);
    const frames = await va!.moreFrames(10, 5000);
    // Playing on from where the seek put it: index round(5 s × 30).
    expect(indexOf(frames.at(-1)!)).toBeGreaterThanOrEqual(5 * FPS);
    expect(indexOf(frames.at(-1)!)).toBeLessThan(5 * FPS + 4 * FPS);
  });

  it("a first viewer on a server is told, in its INIT, where the shared timeline is now, not where that server last was", async () => {
    pool = serverPool();
    const [a, b] = await Promise.all([pool.serve(cluster('join')), pool.serve(cluster('join'))]);
    // b shows a frame, loses its viewer, and the timeline plays on through a for 2 s more.
    const early = pool.viewer(b, 'cols=8&rows=4');
    await early.moreFrames(5);
    early.close();
    const va = pool.viewer(a, 'cols=8&rows=4');
    await va.moreFrames(5);
    await sleep(2000);
    const late = pool.viewer(b, 'cols=8&rows=4');
    await late.until(() => statuses(late).length >= 1, 'the STATUS');
    const startSec = parseInit(late.texts[0]!).startSec;
    expect(startSec).toBeCloseTo(parseStatus(statuses(late)[0]!).position!, 0);
    expect(statuses(late)).toHaveLength(1);
  });

  it('viewers on different servers get the same frame at the same time (p95 skew ≤ 3 frames)', async () => {
    pool = serverPool();
    const [a, b] = await Promise.all([pool.serve(cluster('skew')), pool.serve(cluster('skew'))]);
    const va = pool.viewer(a, 'cols=40&rows=12');
    const vb = pool.viewer(b, 'cols=40&rows=12');
    await Promise.all([va.moreFrames(10), vb.moreFrames(10)]);
    await Promise.all([va.moreFrames(90, 8000), vb.moreFrames(90, 8000)]);
    const atA = arrivals(va);
    const atB = arrivals(vb);
    const skews: number[] = [];
    for (const [index, t] of atA) {
      const u = atB.get(index);
      if (u !== undefined) skews.push((Math.abs(u - t) * FPS) / 1000);
    }
    skews.sort((x, y) => x - y);
    expect(skews.length).toBeGreaterThan(60);
    expect(skews[Math.floor(skews.length * 0.95)]).toBeLessThanOrEqual(3);
    // Each server measures itself against the shared position too, and says so to Prometheus.
    for (const s of [a, b]) {
      expect(Math.abs((await health(s)).cluster.offsetMs ?? Infinity)).toBeLessThan((3 * 1000) / FPS);
      const metrics = await (await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      expect(metrics).toMatch(/^ascii360_cluster_connected 1$/m);
      expect(metrics).toMatch(/^ascii360_cluster_servers 2$/m);
      expect(metrics).toMatch(/^ascii360_cluster_viewers 2$/m);
      expect(Math.abs(Number(/^ascii360_cluster_offset_seconds (\S+)$/m.exec(metrics)?.[1]))).toBeLessThan(3 / FPS);
    }
  });

  /** Two servers of cluster `name` on a Redis of their own, a viewer on each playing, then Redis stopped and both noticing. */
  async function outage(own: RedisRig, name: string): Promise<{ a: CliServer; b: CliServer; va: TestViewer; vb: TestViewer }> {
    pool = serverPool();
    const args = [clip, '--loop', '--cluster', own.url, '--cluster-name', name];
    const [a, b] = await Promise.all([pool.serve(args), pool.serve(args)]);
    const va = pool.viewer(a, 'cols=40&rows=12');
    const vb = pool.viewer(b, 'cols=40&rows=12');
    await Promise.all([va.moreFrames(5), vb.moreFrames(5)]);
    await own.stop();
    await until('both servers to notice', async () => (await health(a)).cluster.connected === false && (await health(b)).cluster.connected === false, 5000);
    return { a, b, va, vb };
  }

  it('servers play on without Redis, and the newest change wins when it is back', async () => {
    const own = await startRedis();
    try {
      const { a, b, va, vb } = await outage(own, 'outage');
      const h = await health(a);
      expect(h.status).toBe('degraded');
      // Still playing, from the last known timeline.
      await Promise.all([va.moreFrames(15, 3000), vb.moreFrames(15, 3000)]);

      // Others' beats are not heard meanwhile: past the window each lists only itself.
      await until('the others to drop out of the list', async () => (await health(a)).cluster.servers.length === 1, 10_000);
      expect((await health(a)).cluster.servers.map((x) => x.id)).toEqual([(await health(a)).cluster.id]);
      // A change while Redis is away holds on its own server, and waits.
      va.send({ type: 'pause', paused: true });
      await va.until(() => lastStatus(va, 'PAUSED') !== null, 'the pause on its own server', 2000);
      await sleep(500);
      expect(lastStatus(vb, 'PAUSED')).toBeNull();

      await own.restart();
      await vb.until(() => lastStatus(vb, 'PAUSED') !== null, 'the pause made during the outage', 10_000);
      expect(lastStatus(vb, 'PAUSED')).toBe(lastStatus(va, 'PAUSED'));
      await until('both back in the cluster', async () => (await health(a)).cluster.connected && (await health(b)).cluster.connected, 5000);
    } finally {
      await own.stop();
    }
  });

  it('a seek that wins over a pause made elsewhere during an outage: the paused server\'s viewers hear SEEKED and then PLAYING', async () => {
    const own = await startRedis();
    try {
      const { a, va, vb } = await outage(own, 'seek-wins');
      // a pauses, then b (playing) seeks: the seek is newer, and it plays.
      va.send({ type: 'pause', paused: true });
      await va.until(() => lastStatus(va, 'PAUSED') !== null, 'the pause on its own server', 2000);
      await sleep(100);
      vb.send({ type: 'seek', time: 1 });
      await vb.until(() => lastStatus(vb, 'SEEKED') !== null, 'the seek on its own server', 2000);
      await own.restart();
      await va.until(() => lastStatus(va, 'SEEKED') === 1, 'the seek made during the outage', 10_000);
      // SEEKED leaves the play state as it was; a's viewers were told PAUSED, so PLAYING must follow.
      await va.until(() => parseStatus(statuses(va).at(-1)!).code === 'PLAYING', 'PLAYING after the SEEKED', 3000);
      expect((await health(a)).cluster.timeline.paused).toBe(false);
      await va.moreFrames(10, 5000);
    } finally {
      await own.stop();
    }
  });

  it('/audio listeners of another server follow the timeline: a pause stops their sound, a resume brings it back', async () => {
    pool = serverPool();
    const args = [toneClip, '--loop', '--cluster', redis.url, '--cluster-name', 'sound'];
    const [a, b] = await Promise.all([pool.serve(args), pool.serve(args)]);
    const va = pool.viewer(a, 'cols=8&rows=4');
    await va.moreFrames(5);
    const heard = await listen(`${b.url}/audio`);
    try {
      await until('sound on the other server', () => heard.chunks.length > 10, 5000);
      const pausedAt = performance.now();
      va.send({ type: 'pause', paused: true });
      await wait(1200);
      // Within 300 ms of the pause on the other server, as the aim for the picture.
      expect(heard.chunks.filter((c) => c.at > pausedAt + 300)).toEqual([]);
      const resumedAt = performance.now();
      va.send({ type: 'pause', paused: false });
      await until('the sound again', () => heard.chunks.some((c) => c.at > resumedAt), 3000);
    } finally {
      heard.stop();
    }
  });

  it('a newcomer on a server nobody watched sees the moment the cluster paused at', async () => {
    pool = serverPool();
    const [a, b] = await Promise.all([pool.serve(cluster('paused-join')), pool.serve(cluster('paused-join'))]);
    const va = pool.viewer(a, 'cols=40&rows=12');
    await va.moreFrames(5);
    va.send({ type: 'pause', paused: true });
    await va.until(() => lastStatus(va, 'PAUSED') !== null, 'the pause', 3000);
    va.send({ type: 'seek', time: 5 });
    await va.until(() => lastStatus(va, 'SEEKED') === 5, 'the seek', 3000);
    // The newcomer comes once the seek has reached its server (else it hears SEEKED, not PAUSED).
    await until('the seek on the other server', async () => {
      const t = (await health(b)).cluster.timeline as { cause: string; position?: number };
      return t.cause === 'seek' && t.position === 5;
    }, 3000);
    const vb = pool.viewer(b, 'cols=40&rows=12');
    await vb.until(() => lastStatus(vb, 'PAUSED') === 5 && vb.frames.length > 0, 'the paused moment on the other server', 5000);
    expect(indexOf(vb.frames.at(-1)!)).toBe(5 * FPS);
  });

  it('a file that does not loop ends on every server, and only a newcomer starts it again', async () => {
    pool = serverPool();
    const args = [shortClip, '--cluster', redis.url, '--cluster-name', 'end'];
    const [a, b] = await Promise.all([pool.serve(args), pool.serve(args)]);
    // Two viewers on one server: the first of them to go must not restart the file for the other.
    const viewers = [pool.viewer(a, 'cols=40&rows=12'), pool.viewer(a, 'cols=40&rows=12'), pool.viewer(b, 'cols=40&rows=12')];
    for (const v of viewers) await v.until(() => v.closeCode !== null, 'the end of the file', 10_000);
    for (const v of viewers) {
      expect(v.closeCode).toBe(1000);
      expect(lastStatus(v, 'ENDED')).toBe(3);
    }
    await sleep(500);
    for (const s of [a, b]) {
      const h = await health(s);
      expect(h['timeline']).toMatchObject({ code: 'ENDED' });
      expect(h.cluster.timeline).toMatchObject({ cause: 'start' });
    }
    const late = pool.viewer(b, 'cols=40&rows=12');
    await late.until(() => lastStatus(late, 'PLAYING') !== null && late.frames.length > 0, 'the file again', 5000);
    expect(lastStatus(late, 'PLAYING')).toBeLessThan(1);
    expect((await health(a)).cluster.timeline).toMatchObject({ cause: 'restart' });
  });

  it('clusters with another name or another source on the same Redis do not see each other', async () => {
    pool = serverPool();
    const [a, b, named, other, sameName] = await Promise.all([
      pool.serve(cluster(null)),
      // The same file under another path: the same cluster by default.
      pool.serve(cluster(null, join(tmp.dir, 'copy', 'clip.mp4'))),
      pool.serve(cluster('elsewhere')),
      pool.serve(cluster(null, otherClip)),
      pool.serve(cluster(null, join(tmp.dir, 'another', 'clip.mp4'))),
    ]);
    const va = pool.viewer(a, 'cols=40&rows=12');
    const watchers = [named, other, sameName].map((s) => pool.viewer(s, 'cols=40&rows=12'));
    const vb = pool.viewer(b, 'cols=40&rows=12');
    await Promise.all([va, vb, ...watchers].map((v) => v.moreFrames(3)));
    va.send({ type: 'pause', paused: true });
    await vb.until(() => lastStatus(vb, 'PAUSED') !== null, 'the pause in the same cluster', 3000);
    await sleep(1000);
    for (const w of watchers) expect(lastStatus(w, 'PAUSED')).toBeNull();
    const alone = async (s: CliServer): Promise<boolean> => (await health(s)).cluster.servers.length === 1;
    await until('heartbeats', async () => (await health(a)).cluster.servers.length === 2 && (await alone(named)) && (await alone(other)) && (await alone(sameName)), 5000);
  });

  it('refuses with one line a server that would read the timeline otherwise: without --loop among looping ones, or another length under one name', async () => {
    pool = serverPool();
    const a = await pool.serve(cluster('terms'));
    await until('its first beat', async () => (await health(a)).cluster.servers.length === 1, 5000);
    const refusal = (args: string[]): { status: number; stderr: string } => {
      try {
        execFileSync(process.execPath, [CLI, 'serve', ...args, '--port', '0', '--log-level', 'error', '--cluster', redis.url, '--cluster-name', 'terms'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15_000 });
        return { status: 0, stderr: '' };
      } catch (error) {
        const e = error as { status: number; stderr: Buffer };
        return { status: e.status, stderr: e.stderr.toString() };
      }
    };
    // It took the looping timeline for ended after one pass, and its next viewer restarted the file for everyone.
    const once = refusal([clip]);
    expect(once.status).toBe(1);
    expect(once.stderr.trim().split('\n')).toHaveLength(1);
    expect(once.stderr).toMatch(/^ascii360: --cluster: cannot join the timeline "terms": its servers loop the source \(--loop\) and this one plays it once \(no --loop\)/);
    const shorter = refusal([shortClip, '--loop']);
    expect(shorter.status).toBe(1);
    expect(shorter.stderr).toMatch(/its servers play a source 20\.\d{3} s long and this one 3\.\d{3} s/);
    // The timeline is untouched: still the first server's, playing.
    expect((await health(a)).cluster.timeline).toMatchObject({ cause: 'start', paused: false });
  });
});

describe('starting without Redis', () => {
  it('refuses to start with one line when Redis is unreachable', async () => {
    const closed = await startRedis();
    await closed.stop();
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [CLI, 'serve', clip, '--port', '0', '--log-level', 'error', '--cluster', closed.url], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15_000 });
    } catch (error) {
      const e = error as { status: number; stderr: Buffer };
      status = e.status;
      stderr = e.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^ascii360: cannot reach the cluster's Redis at redis:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('refuses with one line a database Redis does not have, rather than use database 0', async () => {
    const own = await startRedis();
    try {
      let stderr = '';
      let status = 0;
      try {
        execFileSync(process.execPath, [CLI, 'serve', clip, '--port', '0', '--log-level', 'error', '--cluster', `${own.url}/99`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15_000 });
      } catch (error) {
        const e = error as { status: number; stderr: Buffer };
        status = e.status;
        stderr = e.stderr.toString();
      }
      expect(status).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^ascii360: --cluster redis:\/\/127\.0\.0\.1:\d+\/99: Redis refused database 99: ERR DB index is out of range/);
    } finally {
      await own.stop();
    }
  });

  it('with --cluster-optional it starts alone and joins when Redis comes', async () => {
    const late = await startRedis();
    await late.stop();
    pool = serverPool();
    try {
      const s = await pool.serve([clip, '--loop', '--cluster', late.url, '--cluster-optional']);
      const v = pool.viewer(s, 'cols=40&rows=12');
      await v.moreFrames(5);
      const alone = await health(s);
      expect(alone.status).toBe('degraded');
      expect(alone.cluster.connected).toBe(false);
      await late.restart();
      await until('the server to join', async () => (await health(s)).cluster.connected && (await health(s)).cluster.servers.length === 1, 10_000);
      await v.moreFrames(5, 5000);
      // Subscribed too, so changes reach it by message, not only with the next heartbeat.
      const name = (await health(s)).cluster.name;
      await until('the subscription', async () => /:1\r\n$/.test(await redisCommand(late.port, ['PUBSUB', 'NUMSUB', `ascii360:${name}:changes`])), 5000);
    } finally {
      await late.stop();
    }
  });
});

describe('behind nginx', () => {
  let browser: Browser;
  let nginx: NginxRig | undefined;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'], timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await nginx?.stop();
    nginx = undefined;
  });

  it('when a server is killed, its viewers play again through the front within 3 s, with their view', async () => {
    pool = serverPool();
    const servers = await Promise.all([pool.serve(cluster('failover')), pool.serve(cluster('failover'))]);
    nginx = await startNginx(servers.map((s) => Number(new URL(s.url).port)));
    const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    try {
      const state = (): Promise<ProbeState> => page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.state());
      await page.goto(`${nginx.url}/`, { timeout: 15_000 });
      await until('frames on the page', async () => (await state()).shown > 5, 15_000);
      for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
      const view = await until('the turned view at its server', async () => {
        const yaw = (await state()).view.yaw;
        if (Math.abs(yaw) < 10) return null;
        for (const s of servers) {
          const views = (await health(s))['views'] as { yaw: number }[];
          if (views.length === 1 && Math.abs(views[0]!.yaw - yaw) < 0.5) return { server: s, yaw };
        }
        return null;
      }, 5000);
      const survivor = servers.find((s) => s !== view.server)!;
      const before = await state();

      const killedAt = Date.now();
      view.server.proc.kill('SIGKILL');
      // Playing again: a new INIT and frames arriving, within 3 s. Painting them is the page's
      // own pace (a starved software rasteriser may paint a few a second), so it is waited for apart.
      await until('the page to play again', async () => {
        const now = await state();
        return now.inits > before.inits && now.received > before.received + 2 ? now : null;
      }, 3000);
      expect(Date.now() - killedAt).toBeLessThanOrEqual(3000);
      await until('frames painted again', async () => ((await state()).shown > before.shown + 2 ? true : null), 15_000);
      const views = (await health(survivor))['views'] as { yaw: number; fov: number }[];
      expect(views).toHaveLength(1);
      expect(views[0]!.yaw).toBeCloseTo(view.yaw, 1);
    } finally {
      await page.close();
    }
  });
});
