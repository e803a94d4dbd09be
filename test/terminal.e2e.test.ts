/**
 * The terminal client end to end in a real terminal: tmux runs `ascii360 play` on a generated clip;
 * capture-pane reads the screen, send-keys types. Job control, still pictures, the waiting lines and
 * `view` of other servers are in terminal-more.e2e.test.ts: one file of both was the run's longest,
 * and vitest gives a file to one worker whole.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP_LINES } from '../src/client/common/keymap.js';
import { makeClip } from './helpers/media.js';
import { CLI } from './helpers/server.js';
import { tmuxTestFile, until } from './helpers/tmux.js';

const { tmux, start, capture, flags, sessions, dir, clip } = tmuxTestFile();

describe('ascii360 play in tmux', () => {
  it('shows the picture, turns with Right, quits with q and restores the terminal', async () => {
    // The ramp's characters show on capture-pane; fitted styles draw flat areas as coloured spaces.
    start('a360-play', 110, 28, `play '${clip()}' --loop --log-level silent --style ramp`);
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
    start('a360-small', 16, 5, `play '${clip()}' --loop --log-level silent`);
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
      const log = join(dir, `link-${i}.log`);
      const name = `a360-link-${i}`;
      start(name, 90, 28, `play '${clip()}' --loop --log-level info --log-file '${log}' --style half ${extra}`);
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
    start('a360-quad', 90, 28, `play '${clip()}' --loop --log-level silent`);
    await until('quadrants', () => {
      const screen = capture('a360-quad');
      return / quadrant m5 truecolor/.test(screen[27] ?? '') && count(screen.slice(0, 27), /[▘▝▀▖▌▞▛▗▚▐▜▄▙▟]/g) > 20;
    });
    tmux('send-keys', '-t', 'a360-quad', 'q');
    await until('exit', () => capture('a360-quad').some((l) => l === 'EXIT=0'));

    // Inside tmux TERM is tmux's own; kitty is known by the KITTY_WINDOW_ID it leaves in the environment.
    // A yaw past 180 turns round (400 is 40), as a drag or the browser's address would.
    start('a360-styles', 90, 28, `play '${clip()}' --loop --log-level silent --yaw 400 --fov 60`, ['KITTY_WINDOW_ID=1']);
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
    start('a360-cam', 100, 28, `play '${clip()}' --loop --log-level silent --camera stereographic --pitch -90 --style quadrant`);
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
    start('a360-ascii', 90, 28, `play '${clip()}' --loop --log-level silent`, ['ASCII360_STYLE=ascii', 'KITTY_WINDOW_ID=1']);
    const screen = await until('ascii style', () => {
      const s = capture('a360-ascii');
      return / ascii m5/.test(s[27] ?? '') && count(s.slice(0, 27), /[!-~]/g) > 50 ? s : null;
    });
    // Still ASCII: every picture character is printable ASCII.
    expect(screen.slice(0, 27).join('')).toMatch(/^[\x20-\x7e]*$/);
    tmux('send-keys', '-t', 'a360-ascii', 'q');
    await until('exit', () => capture('a360-ascii').some((l) => l === 'EXIT=0'));

    start('a360-flag', 90, 28, `play '${clip()}' --loop --log-level silent --style ramp`, ['ASCII360_STYLE=octant']);
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
    start(name, 80, 24, `play '${clip()}' --loop --log-level silent`);
    await until('the picture', () => /fps/.test(capture(name)[23] ?? ''));
    expect(flags(name).alternate).toBe('1');
    stop(name);
    await until('exit', () => capture(name).some((l) => l.startsWith('EXIT=')));
    expect(capture(name).find((l) => l.startsWith('EXIT='))).toBe('EXIT=0');
    expect(flags(name)).toEqual({ alternate: '0', cursor: '1', mouse: '0', keypad: '0 0' });
  });

  it('shows a server Error: in the status line and carries on', async () => {
    const photo = join(dir, 'pano.png');
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
    start('a360-mouse', 90, 28, `play '${clip()}' --loop --log-level silent`);
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
    const withSound = makeClip(join(dir, 'tone.mp4'), { seconds: 4, toneHz: 440 });
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

describe('the help box', () => {
  it('covers the picture whole, fits a small terminal, and frames passed over while it is open are not drops', async () => {
    start('a360-help', 100, 30, `play '${clip()}' --loop --log-level silent --style ramp`);
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
    start(name, 40, 30, `play '${clip()}' --loop --log-level silent --style ramp`);
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
    const photo = join(dir, 'photo.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=512x256', '-frames:v', '1', photo]);
    const pictureRows = (screen: string[]): number => screen.slice(0, 29).filter((l) => l.trim().length > 90).length;
    for (const [name, source, pause] of [['a360-help-photo', photo, false], ['a360-help-paused', clip(), true]] as const) {
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

describe('a monochrome terminal', () => {
  it('gets mode 1 text, the status line says text, not the style it would have had, and the mode and style keys keep it so', async () => {
    start('a360-mono', 100, 24, `play '${clip()}' --loop --log-level silent --color mono`);
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
    start(name, 100, 24, `play '${clip()}' --loop --log-level silent --mode 1 --style half`);
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
    tmux('new-session', '-d', '-s', 'a360-dumb', '-x', '100', '-y', '24', `TERM=dumb '${process.execPath}' '${CLI}' play '${clip()}' --log-level silent; echo EXIT=$?; sleep 60`);
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
    start(name, 100, 30, `play '${clip()}' --loop --log-level silent --style ramp`);
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
    start(name, 60, 20, `play '${clip()}' --loop --log-level silent --style ramp`);
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
    start(name, 320, 100, `play '${clip()}' --loop --log-level silent`, ['KITTY_WINDOW_ID=1']);
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
