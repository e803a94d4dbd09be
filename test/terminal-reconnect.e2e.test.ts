/**
 * The terminal client through a failover, in a real terminal (tmux): `ascii360 view` watches a
 * server on a fixed port; the server is killed (SIGKILL: no close frame, as when a machine behind a
 * front dies) and a new one starts on the same port. The client must come back by itself, within
 * the backoff, with the view it had (PROTOCOL-NOTES.md §6.2; src/client/terminal/server-link.ts).
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { encodeInit, encodeStatus, parseClientMessage } from '../protocol/index.js';
import { freePort } from './helpers/cluster-rig.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, stopProcess, TestViewer, type CliServer } from './helpers/server.js';
import { privateTmux, until } from './helpers/tmux.js';

const tmp = tempDir();
let clip = '';
const { tmux, start, capture, flags, killSessions, open, close } = privateTmux('ascii360-reconnect');
const servers: CliServer[] = [];

beforeAll(() => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 5 });
  open();
});

afterEach(async () => {
  killSessions();
  await Promise.all(servers.splice(0).map((s) => stopProcess(s.proc, 'SIGKILL')));
});

afterAll(() => {
  close();
  tmp.cleanup();
});

async function serve(port: number, extra: string[] = []): Promise<CliServer> {
  // startCli passes --port 0 first; the later --port wins.
  const s = await startCli([clip, '--loop', '--port', String(port), '--log-level', 'warn', ...extra]);
  servers.push(s);
  return s;
}

async function kill(s: CliServer, signal: NodeJS.Signals): Promise<void> {
  await stopProcess(s.proc, signal);
}

type HealthView = { id: number; yaw: number; pitch: number; roll: number; fov: number; camera: string; cols: number; rows: number; mode: number; style: string; palette: string };

async function views(s: CliServer): Promise<HealthView[]> {
  try {
    return ((await getJson(`${s.url}/healthz`))['views'] ?? []) as HealthView[];
  } catch {
    return [];
  }
}

/** What must survive a reconnect: the view, the grid, the colour mode, the style and the palette. */
const kept = (v: HealthView): Omit<HealthView, 'id'> => ({ yaw: v.yaw, pitch: v.pitch, roll: v.roll, fov: v.fov, camera: v.camera, cols: v.cols, rows: v.rows, mode: v.mode, style: v.style, palette: v.palette });

const STATUS_ROW = 27;
/** The screen with its colours (SGR sequences kept). */
const colours = (name: string): string[] => tmux('capture-pane', '-p', '-e', '-t', name).split('\n');
/** The status line while the connection is down: why, the try coming next, and the seconds until it (0: trying now). */
const downLine = (line: string | undefined): { why: string; attempt: number; wait: number } | null => {
  const m = /^ (\S.*?): reconnecting(?:…| in (\d+) s) \((?:Enter: now; )?attempt (\d+)/.exec(line ?? '');
  return m ? { why: m[1]!, wait: Number(m[2] ?? 0), attempt: Number(m[3]) } : null;
};
/** Picture rows drawn with half blocks (the style the test switches to). */
const halfRows = (screen: string[]): number => screen.slice(0, STATUS_ROW).filter((l) => (l.match(/▀/g) ?? []).length > 80).length;

describe('ascii360 view: a lost server', () => {
  it('reconnects to the server that replaces a killed one, with the view on screen; stops at a refusal', async () => {
    const port = await freePort();
    const first = await serve(port);
    const name = 'a360-failover';
    start(name, 120, 28, `view 'ws://127.0.0.1:${port}/ws' --style ramp`);
    await until('the picture', () => /fps/.test(capture(name)[STATUS_ROW] ?? '') && capture(name).slice(0, STATUS_ROW).filter((l) => l.trim().length > 60).length >= 25);

    // Move the view, and change what else the URL must carry: zoom out, half blocks, mode 4.
    tmux('send-keys', '-t', name, 'Right', 'Right', 'Right', 'Up', '-', 's', 'm');
    const before = await until('the server to have the new view', async () => {
      const v = await views(first);
      return v.length === 1 && v[0]!.yaw > 15 && v[0]!.pitch > 0 && v[0]!.fov > 90 && v[0]!.style === 'half' && v[0]!.mode === 4 ? v[0]! : null;
    });
    await until('half blocks at mode 4', () => {
      const screen = capture(name);
      return / half m4 /.test(screen[STATUS_ROW] ?? '') && halfRows(screen) >= 25;
    });

    // Killed: no close frame, the socket just drops.
    const killedAt = Date.now();
    await kill(first, 'SIGKILL');
    const lost = await until('the reconnecting status', () => {
      const screen = capture(name);
      const d = downLine(screen[STATUS_ROW]);
      return d ? { screen, attempt: d.attempt } : null;
    });
    const shownAfterMs = Date.now() - killedAt;
    const down = await until('more tries', () => {
      const screen = capture(name);
      const d = downLine(screen[STATUS_ROW]);
      return d && d.attempt > Math.max(1, lost.attempt) ? { screen, ...d } : null;
    });
    // The refused tries while no server listens; the last picture stays on screen meanwhile.
    expect(down.why).toBe('server not answering (connection refused)');
    const frozen = down.screen;
    // Half blocks look alike without their colours: the picture is compared with them.
    const frozenColours = colours(name);
    expect(halfRows(frozen)).toBeGreaterThanOrEqual(25);
    expect(frozen.slice(0, STATUS_ROW)).toEqual(lost.screen.slice(0, STATUS_ROW));
    expect(flags(name).alternate).toBe('1');

    const second = await serve(port);
    const listeningAt = Date.now();
    const back = await until('the viewer on the new server', async () => {
      const v = await views(second);
      return v.length === 1 ? v[0]! : null;
    }, 10_000);
    const backAfterMs = Date.now() - listeningAt;
    const downMs = Date.now() - killedAt;
    // The backoff caps at 4 s: the next try after the server listens comes within that.
    expect(backAfterMs).toBeLessThan(6000);
    expect(kept(back)).toEqual(kept(before));

    // Frames drawn again: the new server sends them, the status line is back to normal, frames come
    // and are shown (received/shown fps), the picture moves. The down time can be under the fps
    // window, so the figures alone may still count the old server's frames, and the redraw on INIT
    // alone changes colours (the tolerance): the picture must move after the new server's first frame.
    await until('frames sent by the new server', async () => ((await getJson(`${second.url}/healthz`))['frames'] as { sent: number }).sent > 0);
    const firstColours = colours(name);
    const again = await until('frames on screen again', () => {
      const screen = capture(name);
      const line = screen[STATUS_ROW] ?? '';
      const now = colours(name).slice(0, STATUS_ROW);
      const changed = now.filter((l, i) => l !== frozenColours[i]).length;
      const moved = now.filter((l, i) => l !== firstColours[i]).length;
      return !/reconnecting/.test(line) && /\b[1-9]\d*\/[1-9]\d* fps/.test(line) && halfRows(screen) >= 25 && changed > 10 && moved > 0 ? screen : null;
    });
    expect(again[STATUS_ROW]).toMatch(/ > \d\d:\d\d \/ 00:05  half m4 truecolor +yaw \d+ pitch \d+ (roll 0 )?fov 99 /);
    console.log(`failover: reconnecting shown ${shownAfterMs} ms after the kill (attempt ${down.attempt}); back ${backAfterMs} ms after the new server listened, ${downMs} ms after the kill`);

    // A server shutting down says 1001 ("going away"): also retried.
    await kill(second, 'SIGTERM');
    await until('reconnecting after 1001', () => downLine(capture(name)[STATUS_ROW]) !== null);
    // The server that comes back wants a token this client does not have: HTTP 401 is a refusal, not
    // a lost connection, so the client stops with one line.
    await serve(port, ['--token', 'not-the-clients']);
    const after = await until('the exit', () => {
      const screen = capture(name);
      return screen.some((l) => l.startsWith('EXIT=')) ? screen : null;
    }, 15_000);
    // One line, wrapped by the terminal where it is longer than the screen is wide.
    expect(after.filter((l) => l.trim().length > 0).join('')).toBe(`ascii360: cannot reconnect to ws://127.0.0.1:${port}/ws: HTTP 401: a valid token is required (add ?token=<secret> to the URL)EXIT=1`);
    expect(flags(name)).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
  }, 90_000);

  it('after a reconnect the time is where the new server says until its first frame, not the old picture\'s moment, and ] steps from there', async () => {
    const port = await freePort();
    const first = await serve(port);
    const name = 'a360-told-time';
    start(name, 120, 28, `view 'ws://127.0.0.1:${port}/ws' --style ramp`);
    await until('the picture', () => /[1-9]\d*\/[1-9]\d* fps/.test(capture(name)[STATUS_ROW] ?? ''));
    await kill(first, 'SIGKILL');
    // The server reached next is slow to send its first frame (busy, or its decoder starting at a
    // seek): INIT and STATUS come at once, the frame later; here never.
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    const seeks: number[] = [];
    wss.on('connection', (ws) => {
      ws.send(encodeInit({ fps: 30, mode: 5, cols: 120, rows: 27, pixel: false, duration: 60, startSec: 42.5, live: false, style: 'ramp', palette: 'rgb', camera: 'flat' }));
      ws.send(encodeStatus({ code: 'PLAYING', position: 42.5 }));
      ws.on('message', (data) => {
        const m = parseClientMessage(String(data));
        if (m.type === 'seek') seeks.push(m.time);
      });
    });
    try {
      // Before, the clock stayed at the old picture's moment (the 5 s clip's) until a frame came.
      await until('the new time', () => /00:42 \/ 01:00/.test(capture(name)[STATUS_ROW] ?? ''), 15_000);
      tmux('send-keys', '-t', name, ']');
      await until('the seek', () => seeks.length > 0);
      expect(seeks[0]).toBe(52.5);
      tmux('send-keys', '-t', name, 'q');
      await until('the exit', () => capture(name).some((l) => l === 'EXIT=0'), 5000);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  }, 60_000);

  it('a server gone without a close (stopped: its socket open and silent) is said and tried again, and the view comes back when it answers', async () => {
    const port = await freePort();
    const server = await serve(port);
    const name = 'a360-silent-server';
    start(name, 130, 24, `view 'ws://127.0.0.1:${port}/ws' --style ramp`);
    await until('the picture', () => /[1-9]\d*\/[1-9]\d* fps/.test(capture(name)[23] ?? ''));
    const stoppedAt = Date.now();
    server.proc.kill('SIGSTOP');
    try {
      // Before, the last picture stayed as playing (`>`, 0/0 fps) for as long as the server was silent.
      const d = await until('the silent server said', () => downLine(capture(name)[23]), 20_000);
      expect(d.why).toBe('server not answering (silent for 10 s)');
      console.log(`silent server said ${Date.now() - stoppedAt} ms after its stop`);
    } finally {
      server.proc.kill('SIGCONT');
    }
    await until('frames again', () => {
      const line = capture(name)[23] ?? '';
      return !/reconnecting/.test(line) && /\b[1-9]\d*\/[1-9]\d* fps/.test(line);
    }, 20_000);
    tmux('send-keys', '-t', name, 'q');
    await until('the exit', () => capture(name).some((l) => l === 'EXIT=0'), 5000);
  }, 60_000);

  it('while reconnecting the status line counts down to the next try, and Enter tries at once; q quits at once and restores the terminal', async () => {
    const port = await freePort();
    const server = await serve(port);
    const name = 'a360-quit-down';
    // Wide enough for the whole why, the countdown and the attempt (at 120 an attempt past 9 shortens the why).
    start(name, 130, 24, `view 'ws://127.0.0.1:${port}/ws' --style ramp`);
    await until('the picture', () => /fps/.test(capture(name)[23] ?? ''));
    await kill(server, 'SIGKILL');
    // Long enough that the backoff is at its cap (attempts 1–4 take 3.75 s): q must not wait for it.
    // 3.75 s of backoff, and each refused connect on a loaded machine: 10 s was once too short.
    await until('the 4th attempt', () => (downLine(capture(name)[23])?.attempt ?? 0) >= 4, 25_000);
    // At the cap a try waits 4 s, and the line counts it down.
    const waiting = await until('a try waiting 4 s', () => {
      const line = capture(name)[23] ?? '';
      const d = downLine(line);
      return d && d.wait === 4 ? { ...d, line, seenAt: Date.now() } : null;
    }, 15_000);
    expect(waiting.why).toBe('server not answering (connection refused)');
    // Not playing while lost: the clock where the last frame left it, with no `>` (nor `||`: the
    // server's timeline is unknown until it answers).
    expect(waiting.line).toMatch(/\|  \d\d:\d\d \/ 00:05  ramp/);
    expect(waiting.line).not.toMatch(/(>|\|\|) \d\d:\d\d/);
    await until('the countdown to move', () => {
      const d = downLine(capture(name)[23]);
      return d !== null && d.attempt === waiting.attempt && d.wait === 3;
    }, 3000);
    // Narrower, the why's bracketed detail goes before the countdown is cut.
    tmux('resize-window', '-t', name, '-x', '100', '-y', '24');
    const narrow = await until('the short why at 100 columns', () => {
      const line = capture(name)[23] ?? '';
      return downLine(line)?.why === 'server not answering' ? line : null;
    }, 3000);
    expect(narrow).toMatch(/^ server not answering: reconnecting in \d s \(Enter: now; attempt \d+\)  \|  \d\d:\d\d \/ 00:05  ramp  \? help$/);
    // Enter: this try starts now, refused at once, and the next one is waited for. Its own time had
    // at least 2 s to go (it showed 3 s): the next attempt must come well before.
    const entered = Date.now();
    tmux('send-keys', '-t', name, 'Enter');
    await until('the next attempt after Enter', () => (downLine(capture(name)[23])?.attempt ?? 0) > waiting.attempt, 5000);
    expect(Date.now() - entered).toBeLessThan(1500);
    const pressed = Date.now();
    tmux('send-keys', '-t', name, 'q');
    await until('the exit', () => capture(name).some((l) => l.startsWith('EXIT=')), 5000);
    const quitMs = Date.now() - pressed;
    expect(quitMs).toBeLessThan(1500);
    expect(capture(name).filter((l) => l.trim().length > 0)).toEqual(['EXIT=0']);
    expect(flags(name)).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
    console.log(`quit while reconnecting: ${quitMs} ms`);
  }, 60_000);

  it('a full server at the first connect: its own words, one line, exit 1, not a retry loop before any picture', async () => {
    const port = await freePort();
    const server = await serve(port, ['--max-clients', '1']);
    const taken = new TestViewer(`${server.wsUrl}?cols=20&rows=6`);
    try {
      await taken.moreFrames(1);
      const name = 'a360-full';
      start(name, 90, 24, `view 'ws://127.0.0.1:${port}/ws'`);
      const screen = await until('the exit', () => {
        const s = capture(name);
        return s.some((l) => l.startsWith('EXIT=')) ? s : null;
      }, 15_000);
      expect(screen.filter((l) => l.trim().length > 0)).toEqual(['ascii360: server full (at most 1 client); try again later', 'EXIT=1']);
      expect(flags(name)).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
    } finally {
      taken.close();
    }
  }, 30_000);
});
