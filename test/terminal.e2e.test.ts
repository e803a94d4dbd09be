/**
 * The terminal client end to end in a real terminal: tmux runs `ascii360 play` on a generated clip;
 * capture-pane reads the screen, send-keys types.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { encodeInit, encodeStatus } from '../protocol/index.js';
import { HELP_LINES } from '../src/client/common/keymap.js';
import { makeClip, tempDir } from './helpers/media.js';
import { CLI, startCli } from './helpers/server.js';
import { privateTmux, until } from './helpers/tmux.js';

const tmp = tempDir();
let clip = '';
const { tmux, start, capture, flags, sessions, killSessions, open, close } = privateTmux();

beforeAll(() => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 5 });
  open();
});

afterEach(() => killSessions());

afterAll(() => {
  close();
  tmp.cleanup();
});

describe('ascii360 play in tmux', () => {
  it('shows the picture, turns with Right, quits with q and restores the terminal', async () => {
    // The ramp's characters show on capture-pane; fitted styles draw flat areas as coloured spaces.
    start('a360-play', 110, 28, `play '${clip}' --loop --log-level silent --style ramp`);
    const first = await until('a picture and a status line', () => {
      const screen = capture('a360-play');
      const picture = screen.slice(0, 27);
      const filled = picture.filter((line) => line.trim().length > 60).length;
      return filled >= 25 && /fps/.test(screen[27] ?? '') && /yaw 0 /.test(screen[27] ?? '') ? screen : null;
    });
    expect(flags('a360-play').alternate).toBe('1');
    // The status line: position / duration, angles, fps, drops, bytes.
    expect(first[27]).toMatch(/\d\d:\d\d \/ 00:05 +ramp m5 truecolor +yaw 0 pitch 0 roll 0 fov 90 +\d+\/\d+ fps +dropped \d+ +[\d.]+ KB\/frame/);

    tmux('send-keys', '-t', 'a360-play', 'Right', 'Right', 'Right');
    // The picture moves: most rows differ once the new view arrives (testsrc2 is not symmetric).
    const turned = await until('yaw and picture to change', () => {
      const screen = capture('a360-play');
      const m = /yaw (-?\d+) /.exec(screen[27] ?? '');
      const changedRows = screen.slice(0, 27).filter((line, i) => line !== first[i]).length;
      return m && Number(m[1]) > 0 && changedRows > 20 ? screen : null;
    });
    expect(Number(/yaw (-?\d+) /.exec(turned[27]!)![1])).toBeGreaterThan(15);

    // Blocks style: half-block cells from pixel frames.
    tmux('send-keys', '-t', 'a360-play', 'b');
    await until('half blocks', () => {
      const screen = capture('a360-play');
      return screen.slice(0, 27).filter((l) => (l.match(/▀/g) ?? []).length > 80).length >= 25 && / half m5/.test(screen[27] ?? '');
    });

    // Resize: the picture follows the terminal within a frame, status line on the new last row.
    tmux('resize-window', '-t', 'a360-play', '-x', '70', '-y', '20');
    const resized = await until('the new layout', () => {
      const screen = capture('a360-play');
      const picture = screen.slice(0, 19);
      return /yaw/.test(screen[19] ?? '') && picture.every((l) => (l.match(/▀/g) ?? []).length === 70) ? screen : null;
    });
    expect(resized.slice(0, 19).every((l) => [...l].length === 70)).toBe(true);

    tmux('send-keys', '-t', 'a360-play', 'q');
    const after = await until('the shell after quit', () => {
      const screen = capture('a360-play');
      return screen.some((l) => l.startsWith('EXIT=')) ? screen : null;
    });
    expect(after.find((l) => l.startsWith('EXIT='))).toBe('EXIT=0');
    // Restored: primary screen, cursor shown, mouse reporting off, and no picture left behind.
    expect(flags('a360-play')).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
    expect(after.filter((l) => l.trim().length > 0)).toEqual(['EXIT=0']);
  });

  it('shows a notice instead of garbage in a terminal smaller than 20x6', async () => {
    start('a360-small', 16, 5, `play '${clip}' --loop --log-level silent`);
    const text = await until('too-small notice', () => {
      const t = capture('a360-small').join(' ').replace(/\s+/g, ' ');
      return t.includes('too small') ? t : null;
    });
    expect(text.trim()).toBe('too small: needs 20x7');
    tmux('send-keys', '-t', 'a360-small', 'q');
    await until('exit', () => capture('a360-small').some((l) => l === 'EXIT=0'));
  });
});

describe('ascii360 play: the link to its own server', () => {
  const cases: [args: string, codec: string, why: string][] = [
    ['', 'raw', 'asks for raw frames by default (its server is in the same process)'],
    ['--codec tagged', 'tagged', 'asks for coded frames when told'],
    ['--quality high', 'tagged', 'asks for coded frames when given a --quality, which only they have'],
  ];
  for (const [i, [extra, codec, why]] of cases.entries()) {
    it(why, async () => {
      const log = join(tmp.dir, `link-${i}.log`);
      const name = `a360-link-${i}`;
      start(name, 90, 28, `play '${clip}' --loop --log-level info --log-file '${log}' --style half ${extra}`);
      const joined = await until('the viewer in the log', () => {
        try {
          return readFileSync(log, 'utf8').split('\n').find((l) => l.includes('viewer.joined')) ?? null;
        } catch {
          return null;
        }
      });
      expect(/ codec=(\w+)/.exec(joined)?.[1], extra || 'no option').toBe(codec);
      // Keys once the client shows its status line: before that the terminal is not yet its.
      await until('the status line', () => / fps /.test(capture(name)[27] ?? ''));
      tmux('send-keys', '-t', name, 'q');
      await until('exit', () => capture(name).some((l) => l === 'EXIT=0'));
    });
  }
});

describe('ascii360 play: styles', () => {
  /** Characters on the picture rows, by the range they come from. */
  const count = (rows: string[], re: RegExp): number => rows.join('').match(re)?.length ?? 0;

  it('a terminal known to draw sextants gets mosaic (sextants and block eighths); s and S step through the styles live', async () => {
    // A terminal not known to draw sextants (here plain xterm-256color) gets quadrants.
    start('a360-quad', 90, 28, `play '${clip}' --loop --log-level silent`);
    await until('quadrants', () => {
      const screen = capture('a360-quad');
      return / quadrant m5 truecolor/.test(screen[27] ?? '') && count(screen.slice(0, 27), /[▘▝▀▖▌▞▛▗▚▐▜▄▙▟]/g) > 20;
    });
    tmux('send-keys', '-t', 'a360-quad', 'q');
    await until('exit', () => capture('a360-quad').some((l) => l === 'EXIT=0'));

    // Inside tmux TERM is tmux's own; kitty is known by the KITTY_WINDOW_ID it leaves in the environment.
    // A yaw past 180 turns round (400 is 40), as a drag or the browser's address would.
    start('a360-styles', 90, 28, `play '${clip}' --loop --log-level silent --yaw 400 --fov 60`, ['KITTY_WINDOW_ID=1']);
    const first = await until('mosaic', () => {
      const screen = capture('a360-styles');
      return / mosaic m5/.test(screen[27] ?? '') && count(screen.slice(0, 27), /[\u{1FB00}-\u{1FB3B}]/gu) > 50 && count(screen.slice(0, 27), /[▁▂▃▅▆▇▎▊▘▝▀▖▞▗▚▄]/g) > 10 ? screen : null;
    });
    expect(first[27]).toMatch(/yaw 40 pitch 0 roll 0 fov 60/);
    tmux('send-keys', '-t', 'a360-styles', 's');
    // tmux 3.3 (Debian 12) drops Unicode 16's octants it has no width for, so only the status is read
    // here; test/terminal-renderer.test.ts replays octant frames into a terminal emulator instead.
    await until('octants', () => / octant m5/.test(capture('a360-styles')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-styles', 's');
    await until('braille', () => {
      const screen = capture('a360-styles');
      return / braille m5/.test(screen[27] ?? '') && count(screen.slice(0, 27), /[\u2801-\u28ff]/g) > 50;
    });
    tmux('send-keys', '-t', 'a360-styles', 'S', 'S', 'S', 'S');
    await until('quadrants', () => / quadrant m5/.test(capture('a360-styles')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-styles', 'q');
    await until('exit', () => capture('a360-styles').some((l) => l === 'EXIT=0'));
  });

  it('--camera starts with a camera at its own FOV; c steps through the cameras, the status names each', async () => {
    start('a360-cam', 100, 28, `play '${clip}' --loop --log-level silent --camera stereographic --pitch -90 --style quadrant`);
    await until('the little planet', () => / quadrant m5 truecolor stereographic +yaw 0 pitch -90 (roll 0 )?fov 200 /.test(capture('a360-cam')[27] ?? ''));
    for (const [camera, fov] of [['fisheye', 180], ['pannini', 120], ['equirect', 360]] as const) {
      tmux('send-keys', '-t', 'a360-cam', 'c');
      await until(camera, () => new RegExp(` truecolor ${camera} +yaw .* fov ${fov} `).test(capture('a360-cam')[27] ?? ''));
    }
    // Back to flat, the default, which the status line leaves unsaid.
    tmux('send-keys', '-t', 'a360-cam', 'c');
    await until('flat', () => / quadrant m5 truecolor +yaw .* fov 90 /.test(capture('a360-cam')[27] ?? ''));
    // The picture comes back after the round (quadrant glyphs drawn; a new camera's INIT clears it first).
    await until('the picture', () => count(capture('a360-cam').slice(0, 27), /[▘▝▀▖▌▞▛▗▚▐▜▄▙▟█]/g) > 500);
    tmux('send-keys', '-t', 'a360-cam', 'q');
    await until('exit', () => capture('a360-cam').some((l) => l === 'EXIT=0'));
  });

  it('ASCII360_STYLE names the default; --style wins over it; a bad one is one line', async () => {
    start('a360-ascii', 90, 28, `play '${clip}' --loop --log-level silent`, ['ASCII360_STYLE=ascii', 'KITTY_WINDOW_ID=1']);
    const screen = await until('ascii style', () => {
      const s = capture('a360-ascii');
      return / ascii m5/.test(s[27] ?? '') && count(s.slice(0, 27), /[!-~]/g) > 50 ? s : null;
    });
    // Still ASCII: every picture character is printable ASCII.
    expect(screen.slice(0, 27).join('')).toMatch(/^[\x20-\x7e]*$/);
    tmux('send-keys', '-t', 'a360-ascii', 'q');
    await until('exit', () => capture('a360-ascii').some((l) => l === 'EXIT=0'));

    start('a360-flag', 90, 28, `play '${clip}' --loop --log-level silent --style ramp`, ['ASCII360_STYLE=octant']);
    await until('ramp style', () => / ramp m5/.test(capture('a360-flag')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-flag', 'q');
    await until('exit', () => capture('a360-flag').some((l) => l === 'EXIT=0'));

    const bad = spawnSync(process.execPath, [CLI, 'play', '--style', 'hexagons'], { encoding: 'utf8', timeout: 15_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/style must be one of ramp, half, quadrant, sextant, mosaic, octant, braille, ascii$/);
    const badEnv = spawnSync(process.execPath, [CLI, 'play'], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, ASCII360_STYLE: 'hexagons' } });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr.trim()).toMatch(/^ascii360: ASCII360_STYLE=hexagons: style must be one of/);
  });
});

describe('ascii360 play: more ways in and out', () => {
  it.each([
    ['Ctrl-C', (name: string) => tmux('send-keys', '-t', name, 'C-c')],
    ['SIGTERM', (name: string) => {
      const pid = tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim();
      // The pane runs a shell running node: signal the node child.
      execFileSync('pkill', ['-TERM', '-P', pid, '-f', 'main.js play']);
    }],
  ])('%s restores the terminal and exits 0', async (_how, stop) => {
    const name = `a360-stop-${_how.replace(/\W/g, '')}`;
    start(name, 80, 24, `play '${clip}' --loop --log-level silent`);
    await until('the picture', () => /fps/.test(capture(name)[23] ?? ''));
    expect(flags(name).alternate).toBe('1');
    stop(name);
    await until('exit', () => capture(name).some((l) => l.startsWith('EXIT=')));
    expect(capture(name).find((l) => l.startsWith('EXIT='))).toBe('EXIT=0');
    expect(flags(name)).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
  });

  it('shows a server Error: in the status line and carries on', async () => {
    const photo = join(tmp.dir, 'pano.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=400x200', '-frames:v', '1', photo]);
    start('a360-error', 90, 28, `play '${photo}' --log-level silent`);
    // A photo's time: "still", after its own mark, not the playing one.
    await until('the picture', () => /^ = still /.test(capture('a360-error')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-error', 'Space');
    await until('the notice', () => /server: pause is not possible on a still photo/.test(capture('a360-error')[27] ?? ''));
    // Still running: the view still turns.
    tmux('send-keys', '-t', 'a360-error', 'Right');
    await until('yaw to change', () => /yaw 8 /.test(capture('a360-error')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-error', 'q');
    await until('exit', () => capture('a360-error').some((l) => l === 'EXIT=0'));
  });

  it('a mouse drag (SGR mouse reports) turns the view; the wheel zooms', async () => {
    start('a360-mouse', 90, 28, `play '${clip}' --loop --log-level silent`);
    await until('the picture', () => /fps/.test(capture('a360-mouse')[27] ?? ''));
    // What a terminal sends for: press at (40,10), drag to (30,12), release; then wheel up twice.
    const esc = '\u001b';
    tmux('send-keys', '-t', 'a360-mouse', '-l', `${esc}[<0;40;10M${esc}[<32;30;12M${esc}[<0;30;12m`);
    // Dragging left by 10 columns turns right by 10 columns' worth of FOV (90°/90 cols = 1° each).
    await until('yaw after drag', () => /yaw 10 pitch 5 /.test(capture('a360-mouse')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-mouse', '-l', `${esc}[<64;40;10M${esc}[<64;40;10M`);
    await until('fov after wheel', () => /fov 74/.test(capture('a360-mouse')[27] ?? ''));
    tmux('send-keys', '-t', 'a360-mouse', 'q');
    await until('exit', () => capture('a360-mouse').some((l) => l === 'EXIT=0'));
  });
});

describe('ascii360 play --audio', () => {
  it('plays /audio through ffplay while watching and stops it on quit', async () => {
    sessions.push('a360-audio');
    const withSound = makeClip(join(tmp.dir, 'tone.mp4'), { seconds: 4, toneHz: 440 });
    const command = `'${process.execPath}' '${CLI}' play '${withSound}' --loop --audio --log-level silent; echo EXIT=$?; sleep 60`;
    // SDL's dummy driver: ffplay decodes and "plays" without a sound card.
    tmux('new-session', '-d', '-s', 'a360-audio', '-x', '90', '-y', '28', '-e', 'LANG=C.UTF-8', '-e', 'TERM=xterm-256color', '-e', 'SDL_AUDIODRIVER=dummy', command);
    const players = (): string[] => {
      const r = spawnSync('pgrep', ['-af', 'ffplay .*http://127\\.0\\.0\\.1:[0-9]+/audio'], { encoding: 'utf8' });
      return r.stdout.split('\n').filter(Boolean);
    };
    await until('the picture', () => /fps/.test(capture('a360-audio')[27] ?? ''));
    await until('ffplay on /audio', () => players().length === 1);
    expect(capture('a360-audio')[27]).toMatch(/audio: ffplay/);
    tmux('send-keys', '-t', 'a360-audio', 'q');
    await until('exit', () => capture('a360-audio').some((l) => l === 'EXIT=0'));
    await until('ffplay stopped', () => players().length === 0, 5000);
  });
});

describe('Ctrl-Z in tmux', () => {
  const position = (line: string): number | null => {
    const m = /^ [>|]+ (\d\d):(\d\d) \//.exec(line);
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  };

  it('suspends to the shell with the terminal restored and the timeline paused; fg brings the picture back at the size the terminal has now', async () => {
    const long = makeClip(join(tmp.dir, 'suspend.mp4'), { seconds: 30 });
    // An interactive shell with job control, as a user has (the other tests run the client with no shell above it).
    sessions.push('a360-suspend');
    tmux('new-session', '-d', '-s', 'a360-suspend', '-x', '100', '-y', '30', '-e', 'LANG=C.UTF-8', '-e', 'TERM=xterm-256color', '-e', 'COLORTERM=truecolor', 'bash --norc --noprofile -i');
    tmux('send-keys', '-t', 'a360-suspend', `PS1='$ '; '${process.execPath}' '${CLI}' play '${long}' --log-level silent --style ramp`, 'Enter');
    const before = await until('playing past 00:01', () => {
      const p = position(capture('a360-suspend')[29] ?? '');
      return p !== null && p >= 1 ? p : null;
    }, 20_000);
    tmux('send-keys', '-t', 'a360-suspend', 'C-z');
    await until('the shell\'s prompt', () => {
      const screen = capture('a360-suspend');
      return screen.some((l) => /Stopped/.test(l)) && screen.some((l) => l === '$');
    });
    // The terminal as the shell had it: main screen, cursor shown, no mouse reports.
    expect(flags('a360-suspend')).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
    // Stopped for 4 s, and resized meanwhile: only the shell hears of that.
    tmux('resize-window', '-t', 'a360-suspend', '-x', '80', '-y', '24');
    tmux('send-keys', '-t', 'a360-suspend', 'sleep 4; fg', 'Enter');
    const back = await until('the picture and status line at 80x24', () => {
      const screen = capture('a360-suspend');
      const picture = screen.slice(0, 23);
      return position(screen[23] ?? '') !== null && picture.every((l) => l.trim().length === 80) ? screen : null;
    });
    expect(flags('a360-suspend')).toMatchObject({ alternate: '1', keypad: '1 1' });
    // Paused while stopped: the position goes on from where it was, not 4 s further.
    expect(position(back[23]!)!).toBeLessThanOrEqual(before + 2);
    await until('playing on', () => (position(capture('a360-suspend')[23] ?? '') ?? 0) >= before + 2);
    tmux('send-keys', '-t', 'a360-suspend', 'q');
    await until('the prompt after quit', () => capture('a360-suspend').some((l) => l === '$'));
  }, 60_000);

  it('suspended, then `kill %1` (SIGTERM and SIGCONT to a background job): it ends, and leaves the terminal as the shell has it', async () => {
    sessions.push('a360-suspend-kill');
    tmux('new-session', '-d', '-s', 'a360-suspend-kill', '-x', '100', '-y', '30', '-e', 'LANG=C.UTF-8', '-e', 'TERM=xterm-256color', '-e', 'COLORTERM=truecolor', 'bash --norc --noprofile -i');
    tmux('send-keys', '-t', 'a360-suspend-kill', `PS1='$ '; '${process.execPath}' '${CLI}' play '${clip}' --loop --log-level silent --style ramp`, 'Enter');
    await until('the picture', () => /fps/.test(capture('a360-suspend-kill')[29] ?? ''), 20_000);
    tmux('send-keys', '-t', 'a360-suspend-kill', 'C-z');
    await until('stopped', () => capture('a360-suspend-kill').some((l) => /Stopped/.test(l)));
    tmux('send-keys', '-t', 'a360-suspend-kill', 'kill %1; sleep 3; jobs -l; echo JOBS-END', 'Enter');
    // Before, it took the terminal back from the background (alternate screen, mouse reports) and
    // was stopped again, by SIGTTOU, in Node's own exit.
    const after = await until('the job gone', () => {
      const screen = capture('a360-suspend-kill');
      return screen.some((l) => l === 'JOBS-END') ? screen : null;
    }, 20_000);
    expect(after.filter((l) => /Stopped|Running/.test(l))).toHaveLength(1); // only the line from Ctrl-Z
    expect(flags('a360-suspend-kill')).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
    expect(spawnSync('pgrep', ['-f', `play ${clip}`], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });

  it('`view` of a shared server, which plays on: the frames sent while stopped, read in a rush on `fg`, are not counted as dropped, nor in the fps', async () => {
    // Raw frames (the largest) so the backlog is more than one read: before, every frame of it
    // that came after the resume replaced the one waiting, and counted as a drop (0 became 40-100).
    const server = await startCli([makeClip(join(tmp.dir, 'shared.mp4'), { seconds: 10 }), '--loop', '--log-level', 'warn']);
    try {
      const name = 'a360-suspend-view';
      sessions.push(name);
      tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '40', '-e', 'LANG=C.UTF-8', '-e', 'TERM=xterm-256color', '-e', 'COLORTERM=truecolor', 'bash --norc --noprofile -i');
      tmux('send-keys', '-t', name, `PS1='$ '; '${process.execPath}' '${CLI}' view '${server.wsUrl}' --codec raw --style ramp`, 'Enter');
      const dropped = (line: string): { n: number } | null => {
        const m = / (\d+)\/(\d+) fps +dropped (\d+) /.exec(line);
        return m && Number(m[2]) > 0 ? { n: Number(m[3]) } : null;
      };
      await until('the picture', () => dropped(capture(name)[39] ?? ''), 20_000);
      // Past the first frames, which a busy machine's terminal may well drop.
      await new Promise((r) => setTimeout(r, 1500));
      const before = dropped(capture(name)[39] ?? '')!.n;
      tmux('send-keys', '-t', name, 'C-z');
      await until('stopped', () => capture(name).some((l) => /Stopped/.test(l)));
      tmux('send-keys', '-t', name, 'sleep 4; fg', 'Enter');
      // The fps figures for 2.5 s after the picture is back: the backlog is read within the first.
      await until('the picture back', () => dropped(capture(name)[39] ?? ''), 10_000);
      let fastest = 0;
      for (const end = Date.now() + 2500; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
        const m = / (\d+)\/(\d+) fps /.exec(capture(name)[39] ?? '');
        if (m) fastest = Math.max(fastest, Number(m[1]), Number(m[2]));
      }
      const after = dropped(capture(name)[39] ?? '')!.n;
      // A few for a slow moment of a busy machine's terminal; the backlog was 120 frames.
      expect(after - before, `dropped ${before} before, ${after} after`).toBeLessThan(5);
      // The stream's 30 a second: before, the second with the backlog in it read `212/29 fps`.
      expect(fastest, 'the fastest fps figure').toBeLessThanOrEqual(40);
      tmux('send-keys', '-t', name, 'q');
      await until('the prompt after quit', () => capture(name).some((l) => l === '$'));
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('with no shell to suspend to, Ctrl-Z says so and the picture plays on', async () => {
    start('a360-nosuspend', 100, 24, `play '${clip}' --loop --log-level silent --style ramp`);
    await until('the picture', () => /fps/.test(capture('a360-nosuspend')[23] ?? ''));
    tmux('send-keys', '-t', 'a360-nosuspend', 'C-z');
    await until('the notice', () => /Ctrl-Z: no shell with job control to suspend to/.test(capture('a360-nosuspend')[23] ?? ''));
    expect(flags('a360-nosuspend')).toEqual({ alternate: '1', cursor: '0', mouse: '1', keypad: '1 1' });
    tmux('send-keys', '-t', 'a360-nosuspend', 'Right');
    await until('yaw to change', () => /yaw [1-9]/.test(capture('a360-nosuspend')[23] ?? ''));
    tmux('send-keys', '-t', 'a360-nosuspend', 'q');
    await until('exit', () => capture('a360-nosuspend').some((l) => l === 'EXIT=0'));
  });
});

describe('the help box', () => {
  it('covers the picture whole, fits a small terminal, and frames passed over while it is open are not drops', async () => {
    start('a360-help', 100, 30, `play '${clip}' --loop --log-level silent --style ramp`);
    // As an object: until() waits for a truthy value, and 0 is the usual count.
    const droppedNow = (screen: string[]): { n: number } | null => {
      const m = / dropped (\d+) /.exec(screen[29] ?? '');
      return m ? { n: Number(m[1]) } : null;
    };
    // Frames the terminal was too slow to show before the box opened are drops (a loaded machine has some).
    const before = await until('the picture', () => droppedNow(capture('a360-help')));
    tmux('send-keys', '-t', 'a360-help', '?');
    const open = await until('the help box', () => {
      const screen = capture('a360-help');
      return screen.some((l) => l.includes('(any key closes)')) ? screen : null;
    });
    // Inside the border, only the help's own text: no picture character shows through, not even
    // where the box has blanks (the label's spaces).
    expect(open.find((l) => l.includes('ascii360 keys'))).toMatch(/lq ascii360 keys q+k/);
    const inside = (screen: string[]): string[] => screen.filter((l) => /x .* x/.test(l)).map((l) => l.slice(l.indexOf('x ') + 2, l.lastIndexOf(' x')).trim()).filter(Boolean);
    const every = [...HELP_LINES, '(any key closes)'].map((l) => l.replace(/ +/g, ' ')).map((l) => expect.stringMatching(new RegExp(`^${l.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, ' +')}$`)));
    expect(inside(open)).toEqual(every);
    expect(inside(open)).toEqual(expect.arrayContaining([expect.stringMatching(/^q, Ctrl-C +quit$/), expect.stringMatching(/^Ctrl-L +redraw the screen$/)]));
    // The usual 80x24: every key still shown, none cut, above the status line.
    tmux('resize-window', '-t', 'a360-help', '-x', '80', '-y', '24');
    const classic = await until('the whole box at 80x24', () => {
      const screen = capture('a360-help');
      return screen.some((l) => l.includes('(any key closes)')) && / \? help$/.test(screen[23] ?? '') ? screen : null;
    });
    expect(inside(classic)).toEqual(every);
    await new Promise((r) => setTimeout(r, 1500));
    tmux('resize-window', '-t', 'a360-help', '-x', '30', '-y', '10');
    const small = await until('the box cut to 30x9, the status line below it', () => {
      const screen = capture('a360-help');
      return screen[0]?.startsWith('lq ascii360 keys') && screen[8]?.startsWith('mqq') && /^ > /.test(screen[9] ?? '') ? screen : null;
    });
    // The descriptions moved left, the hint wrapped at its words, and q among the keys kept.
    expect(small.slice(1, 8).every((l) => /^x( \S|    \S| +x$)/.test(l) && [...l].length === 30)).toBe(true);
    expect(small.slice(1, 8).map((l) => l.slice(2, 28).trimEnd())).toEqual(expect.arrayContaining(['Q / E  roll', 'q, Ctrl-C  quit', '(more if taller; any key', 'closes)']));
    // The status line at 30 columns, as README says: `? help` goes before the style, the time stays
    // (fitted at its next refresh: until then blessed wraps the wide line's words).
    await until('the status line fitted to 30 columns', () => /^ > \d\d:\d\d \/ 00:05  ramp$/.test(capture('a360-help')[9] ?? ''), 3000);
    tmux('resize-window', '-t', 'a360-help', '-x', '100', '-y', '30');
    // About 90 frames came while the box was open, all passed over: none counted. One frame may have
    // come in the moment between reading the count and the box opening.
    const whileOpen = await until('the count, the box still open at full size', () => {
      const screen = capture('a360-help');
      return screen.some((l) => l.includes('any key closes')) ? droppedNow(screen) : null;
    });
    expect(whileOpen.n - before.n).toBeLessThanOrEqual(1);
    tmux('send-keys', '-t', 'a360-help', 'x');
    await until('the picture back', () => {
      const screen = capture('a360-help');
      return !screen.some((l) => l.includes('any key closes')) && screen.slice(0, 29).filter((l) => l.trim().length > 90).length > 25 && droppedNow(screen) !== null;
    });
    tmux('send-keys', '-t', 'a360-help', 'q');
    await until('exit', () => capture('a360-help').some((l) => l === 'EXIT=0'));
  });

  it('wraps at word boundaries: at 40, 60 and 80 columns every key reads whole, no word cut at the border', async () => {
    const name = 'a360-help-wrap';
    start(name, 40, 30, `play '${clip}' --loop --log-level silent --style ramp`);
    await until('the picture', () => / ramp/.test(capture(name)[29] ?? ''));
    tmux('send-keys', '-t', name, '?');
    /** The text inside the box, a key's continuation lines (indented) joined to its first. */
    const entries = (screen: string[]): string[] | null => {
      const top = screen.findIndex((l) => /lq ascii360 keys q*k/.test(l));
      const label = /lq ascii360 keys q*k/.exec(screen[top] ?? '');
      if (!label) return null;
      const left = label.index;
      const right = left + label[0].length - 1;
      const bottom = screen.findIndex((l, i) => i > top && l.slice(left).startsWith('mq'));
      if (bottom < 0) return null;
      const joined: string[] = [];
      for (const line of screen.slice(top + 1, bottom).map((l) => l.slice(left + 2, right - 1).trimEnd())) {
        if (line === '') continue;
        if (/^ /.test(line) && joined.length > 0) joined[joined.length - 1] += `${joined.at(-1)!.includes('  ') ? ' ' : '  '}${line.trim()}`;
        else joined.push(line.replace(/ {2,}/, '  '));
      }
      return joined;
    };
    const every = [...HELP_LINES.map((l) => l.replace(/ {2,}/, '  ')), '(any key closes)'];
    for (const cols of [40, 60, 80]) {
      tmux('resize-window', '-t', name, '-x', String(cols), '-y', '30');
      const shown = await until(`the box at ${cols} columns`, () => {
        const screen = capture(name);
        return screen.some((l) => l.includes('(any key closes)')) && [...(screen.find((l) => l.includes('ascii360 keys')) ?? '')].length <= cols ? entries(screen) : null;
      });
      expect(shown, `${cols} columns`).toEqual(every);
    }
    tmux('send-keys', '-t', name, 'x', 'q');
    await until('exit', () => capture(name).some((l) => l === 'EXIT=0'));
  });

  it('closed over a photo or a paused video, gives the picture back at once: no next frame comes to repaint it', async () => {
    const photo = join(tmp.dir, 'photo.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=512x256', '-frames:v', '1', photo]);
    const pictureRows = (screen: string[]): number => screen.slice(0, 29).filter((l) => l.trim().length > 90).length;
    for (const [name, source, pause] of [['a360-help-photo', photo, false], ['a360-help-paused', clip, true]] as const) {
      start(name, 100, 30, `play '${source}' --loop --log-level silent --style ramp`);
      await until('the picture', () => pictureRows(capture(name)) > 25 && /fov 90/.test(capture(name)[29] ?? ''));
      if (pause) {
        tmux('send-keys', '-t', name, 'Space');
        await until('paused', () => /^ \|\| /.test(capture(name)[29] ?? ''));
      }
      tmux('send-keys', '-t', name, '?');
      await until('the help box', () => capture(name).some((l) => l.includes('(any key closes)')));
      tmux('send-keys', '-t', name, 'x');
      await until(`${name}: the picture back with the box gone`, () => {
        const screen = capture(name);
        return !screen.some((l) => l.includes('any key closes')) && pictureRows(screen) > 25;
      }, 5000);
      tmux('send-keys', '-t', name, 'q');
      await until('exit', () => capture(name).some((l) => l === 'EXIT=0'));
    }
  });
});

/** Each half-block cell's top and bottom colour, from `capture-pane -e` (tmux carries SGR state across lines). */
function halfBlockColours(text: string): number[][][] {
  let fg = [-1, -1, -1];
  let bg = [-1, -1, -1];
  return text.split('\n').map((line) => {
    const cells: number[][] = [];
    for (const [, params, ch] of line.matchAll(/\x1b\[([\d;]*)m|(▀)/g)) {
      if (ch) {
        cells.push([...fg, ...bg]);
        continue;
      }
      const p = (params ?? '').split(';').map(Number);
      for (let i = 0; i < p.length; i++) {
        if (p[i] === 38 && p[i + 1] === 2) fg = p.slice(i + 2, (i += 4) + 1);
        else if (p[i] === 48 && p[i + 1] === 2) bg = p.slice(i + 2, (i += 4) + 1);
      }
    }
    return cells;
  });
}

describe('a photo or a paused video, which send no next frame', () => {
  it('a terminal too small and back to its size, and Ctrl-Z with no shell to suspend to, leave the picture on screen', async () => {
    const photo = join(tmp.dir, 'photo-relayout.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=512x256', '-frames:v', '1', photo]);
    const pictureRows = (screen: string[]): number => screen.slice(0, 29).filter((l) => l.trim().length > 90).length;
    for (const [name, source, pause] of [['a360-relayout-photo', photo, false], ['a360-relayout-paused', clip, true]] as const) {
      start(name, 100, 30, `play '${source}' --loop --log-level silent --style ramp`);
      await until('the picture', () => pictureRows(capture(name)) > 25 && /fov 90/.test(capture(name)[29] ?? ''));
      if (pause) {
        tmux('send-keys', '-t', name, 'Space');
        await until('paused', () => /^ \|\| /.test(capture(name)[29] ?? ''));
      }
      tmux('resize-window', '-t', name, '-x', '12', '-y', '4');
      await until('the too-small notice', () => capture(name).some((l) => l.startsWith('too small')));
      // Back to the grid the server already has: it sends nothing new.
      tmux('resize-window', '-t', name, '-x', '100', '-y', '30');
      await until(`${name}: the picture back after too small`, () => pictureRows(capture(name)) > 25, 5000);
      // bash -c: an orphaned process group, so SIGTSTP is ignored and the client carries on.
      tmux('send-keys', '-t', name, 'C-z');
      await until('the notice', () => /no shell with job control/.test(capture(name)[29] ?? ''));
      await new Promise((r) => setTimeout(r, 500));
      expect(pictureRows(capture(name)), `${name}: the picture after Ctrl-Z`).toBeGreaterThan(25);
      tmux('send-keys', '-t', name, 'q');
      await until('exit', () => capture(name).some((l) => l === 'EXIT=0'));
    }
  });
});

describe('the colour tolerance', () => {
  it('raised while turning, comes back down once the view rests on a photo, which sends no next frame to do it', async () => {
    const photo = join(tmp.dir, 'gradients.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'gradients=s=1024x512:seed=7:n=6', '-frames:v', '1', photo]);
    // Raw frames: the server's coded frames add their own tolerance; here only the client's is at stake.
    const args = `play '${photo}' --log-level silent --style half --codec raw`;
    // Wide enough for the status line's last field, where the tolerance shows.
    start('a360-settle', 150, 30, args);
    await until('the picture', () => / 0\/0 fps/.test(capture('a360-settle')[29] ?? '') && /fov 90/.test(capture('a360-settle')[29] ?? ''));
    // Turning doubles the tolerance (16) for the frames that answer the keys; the status line says so while it lasts.
    tmux('send-keys', '-t', 'a360-settle', 'Right', 'Right');
    await until('the turned view', () => /yaw 15 /.test(capture('a360-settle')[29] ?? ''));
    // The status line turns first; the frames of the new view come after it.
    await new Promise((r) => setTimeout(r, 1500));
    await until('the tolerance back to 8 at rest', () => /yaw 15 .* 0\/0 fps/.test(capture('a360-settle')[29] ?? '') && !/tolerance/.test(capture('a360-settle')[29] ?? ''), 4000);
    // And the picture with it: every colour within 8 of the same view drawn exactly (--tolerance 0).
    start('a360-fresh', 150, 30, `${args} --yaw 15 --tolerance 0`);
    await until('the fresh picture', () => /yaw 15 .* 0\/0 fps/.test(capture('a360-fresh')[29] ?? ''));
    // The status line can come before the first frame (a loaded machine): wait for a whole picture.
    const fresh = await until('the fresh picture drawn', () => {
      const rows = halfBlockColours(tmux('capture-pane', '-p', '-e', '-t', 'a360-fresh')).slice(0, 29);
      return rows.length === 29 && rows.every((row) => row.length === 150) ? rows : null;
    });
    await new Promise((r) => setTimeout(r, 500));
    const settled = halfBlockColours(tmux('capture-pane', '-p', '-e', '-t', 'a360-settle')).slice(0, 29);
    expect(settled.every((row) => row.length === 150)).toBe(true);
    let worst = 0;
    fresh.forEach((row, y) => row.forEach((cell, x) => cell.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - settled[y]![x]![i]!))))));
    expect(worst).toBeLessThanOrEqual(8);
  });
});

describe('a monochrome terminal', () => {
  it('gets mode 1 text, the status line says text, not the style it would have had, and the mode and style keys keep it so', async () => {
    start('a360-mono', 100, 24, `play '${clip}' --loop --log-level silent --color mono`);
    const screen = await until('text frames', () => {
      const s = capture('a360-mono');
      return / text m1 mono /.test(s[23] ?? '') && s.slice(0, 23).filter((l) => l.trim().length > 60).length > 20 ? s : null;
    });
    // Plain printable ASCII: no block glyphs.
    expect(screen.slice(0, 23).every((l) => /^[ -~]*$/.test(l))).toBe(true);
    // The mode and style keys would draw colour pairs it drops (mostly blank): they say so instead.
    for (const key of ['m', 's', 'b']) {
      tmux('send-keys', '-t', 'a360-mono', key);
      await until(`the notice for ${key}`, () => /^ monochrome: stays text \(see --color\)  \|  > \d\d:\d\d \/ 00:0\d +text m1 mono +\? help$/.test(capture('a360-mono')[23] ?? ''));
      await new Promise((r) => setTimeout(r, 500));
      const after = capture('a360-mono');
      expect(after[23]).toContain('text m1 mono');
      expect(after.slice(0, 23).filter((l) => l.trim().length > 60).length).toBeGreaterThan(20);
    }
    tmux('send-keys', '-t', 'a360-mono', 'q');
    await until('exit', () => capture('a360-mono').some((l) => l === 'EXIT=0'));
  });
});

describe('colour mode 1', () => {
  it('the status line says text while the frames are text, and half while half blocks are drawn in grey (PROTOCOL-NOTES §2.1)', async () => {
    const name = 'a360-mode1';
    start(name, 100, 24, `play '${clip}' --loop --log-level silent --mode 1 --style half`);
    const halfRows = (s: string[]): number => s.slice(0, 23).filter((l) => (l.match(/▀/g) ?? []).length > 60).length;
    await until('grey half blocks, named half', () => / half m1 truecolor /.test(capture(name)[23] ?? '') && halfRows(capture(name)) > 20);
    // b: out of half blocks, into mode 1's text, which the status line names.
    tmux('send-keys', '-t', name, 'b');
    await until('text, named text', () => {
      const s = capture(name);
      return / text m1 truecolor /.test(s[23] ?? '') && halfRows(s) === 0 && s.slice(0, 23).filter((l) => /^[ -~]*$/.test(l) && l.trim().length > 60).length > 20;
    });
    // s: the next style is kept for the colour modes, and said so; the frames stay text.
    tmux('send-keys', '-t', name, 's');
    await until('the style notice', () => /^ \S+ kept for colour \(m\): mode 1 is text +\| .* text m1 truecolor /.test(capture(name)[23] ?? ''));
    tmux('send-keys', '-t', name, 'q');
    await until('exit', () => capture(name).some((l) => l === 'EXIT=0'));
  }, 30_000);
});

describe('a dumb terminal', () => {
  it('TERM=dumb gets one line and exit code 1, not a screen of escape codes', async () => {
    // Set in the command: tmux gives a pane its own TERM, whatever `new-session -e` says.
    sessions.push('a360-dumb');
    tmux('new-session', '-d', '-s', 'a360-dumb', '-x', '100', '-y', '24', `TERM=dumb '${process.execPath}' '${CLI}' play '${clip}' --log-level silent; echo EXIT=$?; sleep 60`);
    const screen = await until('exit', () => {
      const s = capture('a360-dumb');
      return s.some((l) => l.startsWith('EXIT=')) ? s : null;
    });
    expect(screen.find((l) => l.startsWith('EXIT='))).toBe('EXIT=1');
    const text = screen.filter((l) => l.trim().length > 0 && !l.startsWith('EXIT='));
    expect(text.join(' ')).toMatch(/^ascii360: the picture needs a terminal that can move its cursor, and TERM=dumb says this one cannot/);
    expect(tmux('display-message', '-p', '-t', 'a360-dumb', '#{alternate_on}').trim()).toBe('0');
  });
});

describe('Ctrl keys', () => {
  it('are not their letters: Ctrl-L redraws, Ctrl-Q, Ctrl-S, Ctrl-A and Ctrl-H do nothing', async () => {
    const name = 'a360-ctrl';
    start(name, 100, 30, `play '${clip}' --loop --log-level silent --style ramp`);
    await until('the picture', () => / ramp m5 .*yaw 0 /.test(capture(name)[29] ?? ''));
    tmux('send-keys', '-t', name, 'C-q', 'C-s', 'C-a', 'C-h', 'C-l');
    await new Promise((r) => setTimeout(r, 1000));
    const line = capture(name)[29] ?? '';
    // Still playing, in ramp, looking ahead, not rotating by itself.
    expect(line).toMatch(/ ramp m5 truecolor +yaw 0 pitch 0 /);
    expect(line).not.toMatch(/ auto /);
    expect(capture(name).some((l) => l.startsWith('EXIT='))).toBe(false);
    tmux('send-keys', '-t', name, 'q');
    await until('exit', () => capture(name).some((l) => l.startsWith('EXIT=0')));
  }, 30_000);
});

describe('too small', () => {
  it('? does not open a help that cannot be seen: q still quits', async () => {
    const name = 'a360-small-help';
    start(name, 60, 20, `play '${clip}' --loop --log-level silent --style ramp`);
    await until('the picture', () => /\d\d:\d\d \/ 00:05/.test(capture(name)[19] ?? ''));
    tmux('resize-window', '-t', name, '-x', '15', '-y', '5');
    await until('the too-small notice', () => capture(name).some((l) => l.startsWith('too small')));
    tmux('send-keys', '-t', name, '?');
    await new Promise((r) => setTimeout(r, 300));
    tmux('send-keys', '-t', name, 'q');
    await until('exit 0', () => capture(name).some((l) => l.startsWith('EXIT=0')), 5000);
  }, 30_000);
});

describe('a terminal too large for the style', () => {
  it('mosaic past its sample cap shows sextant (never octant, which tmux drops) filling the window, comes back when smaller with the notice gone, and s passes over it', async () => {
    const name = 'a360-large';
    const row = (): string => capture(name)[99] ?? '';
    // 320×99 mosaic cells are 1 013 760 samples, over the 600 000 a viewer may take. A terminal
    // known to draw sextants (kitty, by what it leaves in the environment) has mosaic by default;
    // octant's samples would fit, but tmux 3.3 drops octants: the window was blank.
    start(name, 320, 100, `play '${clip}' --loop --log-level silent`, ['KITTY_WINDOW_ID=1']);
    const coloured = (): string[] => tmux('capture-pane', '-p', '-e', '-t', name).split('\n');
    // Every picture row drawn (before, the rows past the cap stayed blank, the grid cut).
    await until('sextant filling the window', () => / sextant m5 /.test(row()) && coloured().slice(0, 99).every((l) => /\x1b\[[0-9;]*48;2;/.test(l)), 20_000);
    tmux('resize-window', '-t', name, '-x', '160', '-y', '48');
    await until('mosaic again at 160×48', () => / mosaic m5 /.test(capture(name)[47] ?? ''), 10_000);
    // The notice that says why goes as soon as mosaic is back (it stayed its 5 s, naming sextant).
    tmux('resize-window', '-t', name, '-x', '320', '-y', '100');
    await until('sextant again, and the notice', () => / sextant m5 /.test(row()) && /mosaic is more samples than a grid this large may take: sextant/.test(row()), 10_000);
    tmux('resize-window', '-t', name, '-x', '160', '-y', '48');
    const back = await until('mosaic again', () => {
      const line = capture(name)[47] ?? '';
      return / mosaic m5 /.test(line) ? line : null;
    }, 10_000);
    expect(back).not.toMatch(/more samples/);
    tmux('resize-window', '-t', name, '-x', '320', '-y', '100');
    await until('sextant again', () => / sextant m5 /.test(row()), 10_000);
    // s from sextant passes over mosaic, which does not fit, to octant (asked for by name, it is
    // shown); S back from octant passes over mosaic to sextant.
    tmux('send-keys', '-t', name, 's');
    await until('octant', () => / octant m5 /.test(row()), 10_000);
    tmux('send-keys', '-t', name, 'S');
    await until('sextant, not mosaic', () => / sextant m5 /.test(row()), 10_000);
    tmux('send-keys', '-t', name, 'q');
    await until('exit', () => capture(name).some((l) => l.startsWith('EXIT=0')));
  }, 90_000);
});

describe('a URL that never answers', () => {
  it('says it is opening it while it waits, then one line: no answer within --open-timeout, exit 1', async () => {
    // Accepts the connection, never says a word: a stalled server or a black-holing proxy.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/live.mp4`;
    try {
      sessions.push('a360-silent');
      tmux('new-session', '-d', '-s', 'a360-silent', '-x', '120', '-y', '24', `TERM=xterm-256color '${process.execPath}' '${CLI}' play '${url}' --open-timeout 4 --log-level silent; echo EXIT=$?; sleep 60`);
      const started = Date.now();
      await until('the opening line', () => capture('a360-silent')[0] === `ascii360: opening ${url}… (q quits)`, 10_000);
      const screen = await until('exit', () => {
        const lines = capture('a360-silent');
        return lines.some((l) => l.startsWith('EXIT=')) ? lines : null;
      }, 20_000);
      // Given up at the time asked (the default, 20 s, is the same code with another number).
      expect(Date.now() - started).toBeGreaterThan(3500);
      expect(screen.find((l) => l.startsWith('EXIT='))).toBe('EXIT=1');
      const text = screen.filter((l) => l.trim().length > 0 && !l.startsWith('EXIT='));
      expect(text.join('')).toBe(`ascii360: ${url} did not answer within 4 s`);
    } finally {
      silent.close();
    }
  }, 60_000);

  it('q quits while it waits: exit 0 at once, the line erased, no ffprobe left', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/never.mp4`;
    const probes = (): string => spawnSync('pgrep', ['-f', `ffprobe.*${url}`], { encoding: 'utf8' }).stdout.trim();
    try {
      sessions.push('a360-silent-q');
      tmux('new-session', '-d', '-s', 'a360-silent-q', '-x', '120', '-y', '24', `TERM=xterm-256color '${process.execPath}' '${CLI}' play '${url}' --log-level silent; echo EXIT=$?; sleep 60`);
      await until('the opening line', () => capture('a360-silent-q')[0] === `ascii360: opening ${url}… (q quits)`, 10_000);
      await until('the probe running', () => probes() !== '', 5000);
      const pressed = Date.now();
      tmux('send-keys', '-t', 'a360-silent-q', 'q');
      const screen = await until('exit', () => {
        const lines = capture('a360-silent-q');
        return lines.some((l) => l.startsWith('EXIT=')) ? lines : null;
      }, 5000);
      expect(Date.now() - pressed).toBeLessThan(3000);
      expect(screen.filter((l) => l.trim().length > 0)).toEqual(['EXIT=0']);
      await until('the probe gone', () => probes() === '', 3000);
    } finally {
      silent.close();
    }
  }, 30_000);
});

describe('a scheme it does not open', () => {
  it('`play ftp://…` is refused at once: one line naming the schemes it takes, exit 1, no `opening` line before it', async () => {
    const name = 'a360-ftp';
    const ready = join(tmp.dir, 'ftp-ready');
    const raw = join(tmp.dir, 'ftp-raw');
    sessions.push(name);
    // Waits for the pipe below, so every byte written to the terminal is recorded: the opening line
    // was erased at once, and only the raw bytes showed it.
    tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '24', '-e', 'LANG=C.UTF-8', `while [ ! -e '${ready}' ]; do sleep 0.1; done; TERM=xterm-256color '${process.execPath}' '${CLI}' play ftp://example.invalid/x.mp4; echo EXIT=$?; sleep 60`);
    tmux('pipe-pane', '-o', '-t', name, `cat > '${raw}'`);
    writeFileSync(ready, '');
    const screen = await until('exit', () => {
      const lines = capture(name);
      return lines.some((l) => l.startsWith('EXIT=')) ? lines : null;
    }, 10_000);
    expect(screen.filter((l) => l.trim().length > 0)).toEqual([
      'ascii360: ftp:// sources are not supported; URLs may be http(s) (a file, or an HLS or DASH playlist), rtmp(s), rtsp, srt, udp, tcp, rtp',
      'EXIT=1',
    ]);
    expect(await until('the bytes recorded', () => readFileSync(raw, 'utf8').includes('EXIT=1') && readFileSync(raw, 'utf8'))).not.toMatch(/opening/);
  });
});

describe('view of a server that never answers its handshake', () => {
  it('says it is connecting, and q quits at once: exit 0, the line erased, no q left for the shell', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/ws`;
    try {
      sessions.push('a360-view-silent');
      tmux('new-session', '-d', '-s', 'a360-view-silent', '-x', '120', '-y', '24', `TERM=xterm-256color '${process.execPath}' '${CLI}' view '${url}'; echo EXIT=$?; sleep 60`);
      await until('the connecting line', () => capture('a360-view-silent')[0] === `ascii360: connecting to ${url}… (q quits)`, 5000);
      const pressed = Date.now();
      tmux('send-keys', '-t', 'a360-view-silent', 'q');
      const screen = await until('exit', () => {
        const lines = capture('a360-view-silent');
        return lines.some((l) => l.startsWith('EXIT=')) ? lines : null;
      }, 5000);
      expect(Date.now() - pressed).toBeLessThan(2000);
      expect(screen.filter((l) => l.trim().length > 0)).toEqual(['EXIT=0']);
    } finally {
      silent.close();
    }
  }, 30_000);
});

describe('the waiting lines in a locale that is not UTF-8', () => {
  it('end in ... as the status line does there, not in … (three bytes another charset shows as junk)', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      for (const [name, args, line] of [
        ['a360-latin-view', `view 'ws://127.0.0.1:${port}/ws'`, `ascii360: connecting to ws://127.0.0.1:${port}/ws... (q quits)`],
        ['a360-latin-play', `play 'http://127.0.0.1:${port}/a.mp4' --log-level silent`, `ascii360: opening http://127.0.0.1:${port}/a.mp4... (q quits)`],
      ] as const) {
        sessions.push(name);
        // Set in the command: LC_ALL or LC_CTYPE inherited by tmux's server would outrank LANG.
        tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '24', `env -u LC_ALL -u LC_CTYPE LANG=C TERM=xterm-256color '${process.execPath}' '${CLI}' ${args}; echo EXIT=$?; sleep 60`);
        await until(`${name}'s waiting line`, () => capture(name)[0]?.startsWith('ascii360: '), 10_000);
        expect(capture(name)[0]).toBe(line);
        tmux('send-keys', '-t', name, 'q');
        await until(`${name}'s exit`, () => capture(name).some((l) => l === 'EXIT=0'), 5000);
      }
    } finally {
      silent.close();
    }
  }, 40_000);
});

describe('the terminal going away', () => {
  it('a closed terminal (the tmux pane killed) ends play quietly: no stack trace, no abort, no ffmpeg left', async () => {
    const log = join(tmp.dir, 'hangup.log');
    start('a360-hangup', 100, 30, `play '${clip}' --loop --style ramp 2>'${log}'`);
    await until('the picture', () => /fps/.test(capture('a360-hangup')[29] ?? ''));
    const running = (): string => spawnSync('pgrep', ['-f', `play ${clip}`], { encoding: 'utf8' }).stdout.trim();
    const ffmpeg = (): string => spawnSync('pgrep', ['-f', `ffmpeg.*${clip}`], { encoding: 'utf8' }).stdout.trim();
    expect(ffmpeg()).not.toBe('');
    tmux('kill-session', '-t', 'a360-hangup');
    await until('the client and its ffmpeg gone', () => running() === '' && ffmpeg() === '');
    // Node aborting on a gone terminal prints a JavaScript and a native stack trace here.
    expect(readFileSync(log, 'utf8')).toBe('');
  });
});

describe('ascii360 view', () => {
  it('before its first frame shows where the server says the timeline is, not 00:00', async () => {
    // A server slow to send its first frame (busy, or its decoder starting at a seek): INIT and
    // STATUS come at once, the frame later; here never.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.send(encodeInit({ fps: 30, mode: 5, cols: 100, rows: 23, pixel: false, duration: 60, startSec: 17.25, live: false, style: 'ramp', palette: 'rgb', camera: 'flat' }));
      ws.send(encodeStatus({ code: 'PLAYING', position: 17.25 }));
    });
    try {
      const name = 'a360-no-frame-yet';
      start(name, 100, 24, `view 'ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws' --style ramp`);
      const line = await until('the status line', () => (/ ramp m5 /.test(capture(name)[23] ?? '') ? capture(name)[23] : null));
      expect(line).toMatch(/^ > 00:17 \/ 01:00 /);
      tmux('send-keys', '-t', name, 'q');
      await until('exit', () => capture(name).some((l) => l === 'EXIT=0'));
    } finally {
      for (const c of wss.clients) c.terminate();
      wss.close();
    }
  }, 30_000);

  it('an unreachable server gives one line and exit code 1', () => {
    const r = spawnSync(process.execPath, [CLI, 'view', 'ws://127.0.0.1:9/ws'], { encoding: 'utf8', timeout: 15_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('ascii360: cannot connect to ws://127.0.0.1:9/ws: server not answering (connection refused)');
  });
});

describe("the server's camera", () => {
  it('view with no --camera shows and names the camera serve --camera chose, and c goes on from it', async () => {
    const { startCli } = await import('./helpers/server.js');
    const server = await startCli([clip, '--loop', '--log-level', 'warn', '--camera', 'stereographic']);
    try {
      // Named as host:port, as ssh and curl take a server (ws://…/ws is the other tests').
      start('a360-servecam', 100, 24, `view '127.0.0.1:${new URL(server.url).port}' --style ramp`);
      await until('stereographic at 200', () => / stereographic +yaw 0 pitch 0 roll 0 fov 200 /.test(capture('a360-servecam')[23] ?? ''));
      tmux('send-keys', '-t', 'a360-servecam', 'c');
      await until('fisheye', () => / fisheye +yaw .* fov 180 /.test(capture('a360-servecam')[23] ?? ''));
      tmux('send-keys', '-t', 'a360-servecam', 'q');
      await until('exit', () => capture('a360-servecam').some((l) => l === 'EXIT=0'));
    } finally {
      await server.stop();
    }
  });
});

describe('view: what the server guessed about its source', () => {
  it('a 16:9 video stretched over the sphere is said on the status line, as play says its own server\'s', async () => {
    const { startCli } = await import('./helpers/server.js');
    const wide = makeClip(join(tmp.dir, 'wide.mp4'), { width: 320, height: 180, seconds: 4 });
    const server = await startCli([wide, '--loop', '--log-level', 'error']);
    try {
      start('a360-view-note', 120, 24, `view '${server.wsUrl}' --style ramp`);
      await until('the notice', () => /320x180 is not equirect's 2\.00:1: stretched/.test(capture('a360-view-note')[23] ?? ''));
      tmux('send-keys', '-t', 'a360-view-note', 'q');
      await until('exit', () => capture('a360-view-note').some((l) => l === 'EXIT=0'));
    } finally {
      await server.stop();
    }
  });
});

describe('watching together in tmux', () => {
  it('a second viewer\'s terminal shows the pause someone else made, and ENDED at the end', async () => {
    const { startCli, TestViewer } = await import('./helpers/server.js');
    // Long enough that a slow client still joins before the end; the terminal joins first, as the
    // first viewer starts the source.
    const short = makeClip(join(tmp.dir, 'together.mp4'), { seconds: 8 });
    const server = await startCli([short, '--log-level', 'warn']);
    let other: InstanceType<typeof TestViewer> | undefined;
    try {
      start('a360-together', 100, 24, `view '${server.wsUrl}' --style ramp`);
      await until('playing', () => /^ > \d\d:\d\d \/ 00:08/.test(capture('a360-together')[23] ?? ''));
      const viewer = other = new TestViewer(`${server.wsUrl}?cols=20&rows=6`);
      await viewer.until(() => viewer.frames.length >= 1, 'the other viewer\'s frames');
      viewer.send({ type: 'pause', paused: true });
      const paused = await until('the pause shown', () => {
        const line = capture('a360-together')[23] ?? '';
        return /^ \|\| \d\d:\d\d \/ 00:08/.test(line) ? line : null;
      });
      expect(paused).toMatch(/ramp m5/);
      viewer.send({ type: 'pause', paused: false });
      // Played to the end: the client leaves the screen as it found it and says the file ended.
      const after = await until('the end', () => {
        const screen = capture('a360-together');
        return screen.some((l) => l.startsWith('EXIT=')) ? screen : null;
      }, 30_000);
      expect(after.filter((l) => l.trim().length > 0)).toEqual([expect.stringMatching(/^ascii360: ended at 00:0[78]$/), 'EXIT=0']);
    } finally {
      other?.close();
      await server.stop();
    }
  }, 60_000);
});
