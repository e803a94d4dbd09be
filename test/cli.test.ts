/** Bad input at the command line: one clear line, a non-zero exit, never a stack trace or a hang. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { CLI } from './helpers/server.js';
import { until } from './helpers/tmux.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

type Ran = { code: number | null; stdout: string; stderr: string };

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Ran {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `run` without blocking, so a test's independent runs go side by side (each is a Node start, most
 * of it waiting on the disk and the other core): killed after 20 s, its code then null, as run's.
 */
function runAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every list of arguments run at once, the results in the same order. */
const runEach = (list: string[][], env?: NodeJS.ProcessEnv): Promise<Ran[]> => Promise.all(list.map((args) => runAsync(args, env)));

function expectOneLineError(stderr: string, pattern: RegExp): void {
  // A URL slow to answer (a loaded machine) first gets the log's `source.opening` notice, by design.
  const lines = stderr.trim().split('\n').filter((l) => !/\bsource\.opening\b/.test(l));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('ascii360 --version', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse((await import('node:fs')).readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const r of await runEach([['--version'], ['-V']])) expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('runs as a program, as npx and an installed package run it: the built bin is executable and starts with a shebang', () => {
    const root = join(__dirname, '..');
    const { bin, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { ascii360: string }; version: string };
    const program = join(root, bin.ascii360);
    expect(readFileSync(program, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // Spawned by its own path, not through node: the kernel reads the execute bit and the shebang.
    const r = spawnSync(program, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect([r.status, r.stdout]).toEqual([0, `${version}\n`]);
  });
});

describe('ascii360 <file or URL>: the command left out', () => {
  /** The error line for `word`, the command to type shown as `shown`. */
  const hint = (word: string, shown = word): string => `ascii360: unknown command '${word}'; to play it here: ascii360 play ${shown} (or serve it: ascii360 serve ${shown})`;

  it('says what to type for a file that exists or a URL, on the error line, with usage exit code 2', async () => {
    const clip = join(tmp.dir, 'clip.mp4');
    const spaced = join(tmp.dir, "it's here.mp4");
    for (const file of [clip, spaced]) writeFileSync(file, '');
    const cases = [
      [clip, hint(clip)],
      ['https://example.com/360.mp4', hint('https://example.com/360.mp4')],
      // Quoted for the shell.
      [spaced, hint(spaced, `'${tmp.dir}/it'\\''s here.mp4'`)],
      // A URL's password and query left out, as from every other line.
      ['https://viewer:pa55@example.com/360.mp4?sig=k3y', hint('https://***:***@example.com/360.mp4?…', "'https://***:***@example.com/360.mp4?…'")],
    ] as const;
    const results = await runEach(cases.map(([word]) => [word, '--loop']));
    for (const [i, [, line]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
      expect(r.stderr).not.toMatch(/pa55|k3y/);
    }
  });

  it('refuses any other word as before: a misspelt command gets its suggestion, a missing file no hint', async () => {
    // A file's name under a file (ENOTDIR) and a name too long to be one threw past the refusal.
    const words = [join(tmp.dir, 'missing.mp4'), tmp.dir, join(CLI, 'x'), 'y'.repeat(5000)];
    const [typo, ...others] = await runEach([['serv'], ...words.map((word) => [word])]);
    expect([typo!.code, typo!.stderr]).toEqual([2, "ascii360: unknown command 'serv'\n(Did you mean serve?)\n(run with --help for usage)\n"]);
    for (const [i, word] of words.entries()) {
      const r = others[i]!;
      expect([r.code, r.stderr]).toEqual([2, `ascii360: unknown command '${word}'\n(run with --help for usage)\n`]);
    }
  });
});

describe('ascii360 play: not in a terminal', () => {
  it('refuses to write the picture into a pipe or file, in one line', () => {
    const r = run(['play', '--log-level', 'silent']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expectOneLineError(r.stderr, /^ascii360: the picture needs a terminal, and stdout is not one/);
  });
});

// Both tests wait out the 2 s before the opening notice, and little else: side by side, the wait is once.
describe.concurrent('ascii360 serve: a URL that never answers', () => {
  /** Serves `url` and waits until its ffprobe runs; `probes()` lists the probes of it still running. */
  async function opening(url: string, logLevel: string, spawned: ChildProcess[] = []): Promise<{ child: ChildProcess; stderr(): string; exited: Promise<{ code: number | null; signal: string | null }>; probes(): string }> {
    const child = spawn(process.execPath, [CLI, 'serve', url, '--port', '0', '--log-level', logLevel], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Listed before the wait below, so a child whose probe never showed is killed too.
    spawned.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const probes = (): string => spawnSync('pgrep', ['-f', `ffprobe.*${url}`], { encoding: 'utf8' }).stdout.trim();
    await until('the probe running', () => probes() !== '', 10_000);
    return { child, stderr: () => stderr, exited, probes };
  }

  it('says at info level that it is opening a URL silent for 2 s, and SIGINT or SIGTERM meanwhile stops the probe and exits 0', async ({ expect }) => {
    // Accepts the connection, never says a word: a stalled server or a black-holing proxy.
    const silent = createNetServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const spawned: ChildProcess[] = [];
    try {
      // One server for each signal, side by side: each has its own URL, its probe told by it.
      await Promise.all((['SIGINT', 'SIGTERM'] as const).map(async (signal) => {
        const url = `http://127.0.0.1:${port}/${signal}.mp4`;
        const serve = await opening(url, 'info', spawned);
        await until('the opening line', () => / info source\.opening /.test(serve.stderr()), 5000);
        expect(serve.stderr()).toMatch(new RegExp(`^\\S+ info source\\.opening source=http://127\\.0\\.0\\.1:${port}/${signal}\\.mp4 timeout_s=20$`, 'm'));
        serve.child.kill(signal);
        const exit = await Promise.race([serve.exited, new Promise((r) => setTimeout(() => r('still running after 5 s'), 5000))]);
        expect(exit, signal).toEqual({ code: 0, signal: null });
        await until('the probe gone', () => serve.probes() === '', 3000);
      }));
    } finally {
      for (const child of spawned) child.kill('SIGKILL');
      silent.close();
    }
  }, 30_000);

  it('keeps the opening line out of a quieter --log-level', async ({ expect }) => {
    const silent = createNetServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/quiet.mp4`;
    const serve = await opening(url, 'warn');
    try {
      // Past the moment the line would have been written at info.
      await new Promise((r) => setTimeout(r, 3000));
      serve.child.kill('SIGINT');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(serve.stderr()).toBe('');
    } finally {
      serve.child.kill('SIGKILL');
      silent.close();
    }
  }, 30_000);
});

describe('ascii360 serve: bad input', () => {
  it('names a missing source', () => {
    const r = run(['serve', join(tmp.dir, 'missing.mp4'), '--port', '0']);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /^ascii360: source not found: .*missing\.mp4$/);
  });

  it('says what it cannot read from: standard input, a scheme it does not take', async () => {
    const [stdin, r] = await runEach([['serve', '-', '--port', '0'], ['serve', 'gopher://example.org/x.mp4', '--port', '0']]) as [Ran, Ran];
    expectOneLineError(stdin.stderr, /^ascii360: reading the source from standard input is not supported: give a file or a URL$/);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /^ascii360: gopher:\/\/ sources are not supported; URLs may be http\(s\) \(a file, or an HLS or DASH playlist\), rtmp\(s\), rtsp, srt, udp, tcp, rtp$/);
  });

  it('reads --allow-origin as a browser writes an origin, and refuses what is not one', async () => {
    for (const r of await runEach(['example.org', 'https://example.org/app', 'ftp://example.org'].map((bad) => ['serve', '--port', '0', '--allow-origin', `https://ok.example,${bad}`]))) {
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^ascii360: option '--allow-origin <origins>' argument .* is invalid\. .* is not an origin: scheme, host and port only, like https:\/\/example\.org$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('takes a file: URL as the file it names', async () => {
    const empty = join(tmp.dir, 'url empty.mp4');
    writeFileSync(empty, '');
    const [found, gone, elsewhere] = await runEach([pathToFileURL(empty).href, pathToFileURL(join(tmp.dir, 'gone.mp4')).href, 'file://elsewhere/x.mp4'].map((url) => ['serve', url, '--port', '0'])) as [Ran, Ran, Ran];
    // Reaching the file's own check shows the URL (its space percent-encoded) became its path.
    expectOneLineError(found.stderr, /^ascii360: .*url empty\.mp4 is empty/);
    expectOneLineError(gone.stderr, /^ascii360: source not found: \/.*gone\.mp4$/);
    expectOneLineError(elsewhere.stderr, /^ascii360: source is not a local file: file:\/\/elsewhere\/x\.mp4/);
  });

  it('refuses a text file renamed .mp4', () => {
    const fake = join(tmp.dir, 'notes.mp4');
    writeFileSync(fake, 'this is not a video\n'.repeat(20));
    const r = run(['serve', fake, '--port', '0']);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /notes\.mp4 is not a video or image ffmpeg can read/);
  });

  it('refuses a song whose only picture is its cover art, in one line, rather than playing one frame', () => {
    const song = join(tmp.dir, 'cover.mp3');
    spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=2', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:duration=1', '-map', '0', '-map', '1', '-frames:v', '1', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', '-c:a', 'libmp3lame', song]);
    const r = run(['serve', '--port', '0', song]);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /^ascii360: .*cover\.mp3 has no video stream \(only a cover picture\)$/);
  });

  it('refuses a zero-byte file and a corrupt image', async () => {
    const empty = join(tmp.dir, 'empty.mp4');
    writeFileSync(empty, '');
    const png = join(tmp.dir, 'broken.png');
    writeFileSync(png, Buffer.from('89504e470d0a1a0a0000', 'hex'));
    // A JPEG whose header is whole but whose picture is cut short: refused at the start, not when a viewer comes.
    const whole = join(tmp.dir, 'whole.jpg');
    spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1024x512', '-frames:v', '1', whole]);
    const cut = join(tmp.dir, 'cut.jpg');
    writeFileSync(cut, readFileSync(whole).subarray(0, 8000));
    const [e, r, t] = await runEach([empty, png, cut].map((file) => ['serve', file, '--port', '0'])) as [Ran, Ran, Ran];
    expectOneLineError(e.stderr, /empty\.mp4 is empty/);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /broken\.png is not an image that can be read/);
    expect(t.code).toBe(1);
    expectOneLineError(t.stderr, /cut\.jpg is not an image that can be read \(.*premature end/i);
  });

  it("names a URL it cannot read without its password, query or stream key", async () => {
    const { createServer } = await import('node:net');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const [http, rtmp] = await runEach([
      ['serve', `http://viewer:pa55word@127.0.0.1:${port}/clip.mp4?sig=k3y`, '--port', '0'],
      ['serve', `rtmp://127.0.0.1:${port}/live/s3cr3t-key`, '--port', '0'],
    ]) as [Ran, Ran];
    expect(http.code).toBe(1);
    // Never reached: said so, not that it is not a video.
    expectOneLineError(http.stderr, new RegExp(`^ascii360: cannot reach http://\\*\\*\\*:\\*\\*\\*@127\\.0\\.0\\.1:${port}/clip\\.mp4\\?… \\(Connection refused\\)$`));
    expect(rtmp.code).toBe(1);
    expectOneLineError(rtmp.stderr, /^ascii360: cannot reach rtmp:\/\/.* \(Connection refused\)$/);
    // Nowhere, the opening notice of a slow probe included (it named the key on a loaded machine).
    for (const secret of ['viewer', 'pa55word', 'k3y', 's3cr3t-key']) expect(http.stderr + rtmp.stderr).not.toContain(secret);
  });

  it('refuses an MP4 whose index is at its end from a server without range requests, at the start and in ffprobe\'s words', async () => {
    const late = join(tmp.dir, 'late.mp4');
    // ffmpeg writes the index (moov) last unless told +faststart; a file this size puts it past
    // what ffmpeg reads through to reach it (a small one is read whole and plays).
    spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x320:rate=30:duration=3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', late]);
    const { createServer } = await import('node:http');
    const { spawn } = await import('node:child_process');
    const body = readFileSync(late);
    // As `python3 -m http.server` answers: the whole file, whatever Range asks.
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length }).end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const child = spawn(process.execPath, [CLI, 'serve', `http://127.0.0.1:${port}/late.mp4`, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code).toBe(1);
      expectOneLineError(stderr, /late\.mp4: its picture cannot be decoded \(.*partial file\); an MP4 over HTTP needs its index first \(ffmpeg -movflags \+faststart\)/);
    } finally {
      server.close();
    }
  });

  // root reads every file, so there is nothing to refuse when the tests run as root.
  it.skipIf(process.getuid?.() === 0)('refuses an unreadable file', () => {
    const locked = join(tmp.dir, 'locked.mp4');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    expectOneLineError(run(['serve', locked, '--port', '0']).stderr, /not readable/);
  });

  it('says ffmpeg is missing and how to install it, exit code 2', () => {
    // node is started by absolute path, so an empty PATH hides ffmpeg and nothing else.
    const r = run(['serve', '--port', '0'], { PATH: join(tmp.dir, 'no-such-bin'), HOME: tmp.dir });
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /ffmpeg .*was not found on PATH; install it: Debian\/Ubuntu `sudo apt-get install ffmpeg`/);
  });

  it('refuses bad option values with usage exit code 2', async () => {
    const [r, hwaccel, listen, yaw, port, ftp, past, abc] = await runEach([
      ['serve', '--mode', '7'],
      ['serve', '--hwaccel', 'magic'],
      ['serve', '--port', '99999'],
      ['play', '--yaw', 'east'],
      ['view', 'ws://127.0.0.1:99999/ws'],
      ['view', 'ftp://127.0.0.1/ws'],
      ['view', 'ws://viewer@127.0.0.1:70000/ws'],
      ['view', 'ws://127.0.0.1:abc/ws'],
    ]) as [Ran, Ran, Ran, Ran, Ran, Ran, Ran, Ran];
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mode must be 1/);
    expect(hwaccel.code).toBe(2);
    expect(listen.code).toBe(2);
    expect(yaw.stderr).toMatch(/yaw must be a number of degrees/);
    // A ws:// URL with a port past 65535: its port named, not its scheme.
    expect([port.code, port.stderr.trim()]).toEqual([2, 'ascii360: port 99999 is past 65535 in ws://127.0.0.1:99999/ws']);
    expect(ftp.stderr.trim()).toBe('ascii360: not a ws:// or http:// URL: ftp://127.0.0.1/ws');
    expect(past.stderr.trim()).toMatch(/^ascii360: port 70000 is past 65535 in ws:\/\//);
    expect(abc.stderr.trim()).toBe('ascii360: not a valid URL: ws://127.0.0.1:abc/ws');
  });

  it('refuses a --start it cannot keep, in one line: not a time, past the end, a photo, with a cluster', async () => {
    const clip = makeClip(join(tmp.dir, 'start.mp4'), { seconds: 2 });
    const photo = join(tmp.dir, 'start.png');
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=256x128', '-frames:v', '1', '-y', photo]);
    const [word, clock, past, still, cluster] = await runEach([
      ['serve', clip, '--start', 'soon'],
      ['play', clip, '--start', '1:75'],
      // The source is opened first (its length is what --start is checked against): its info lines come before.
      ['serve', clip, '--port', '0', '--start', '1:00', '--log-level', 'warn'],
      ['serve', photo, '--port', '0', '--start', '3', '--log-level', 'warn'],
      ['serve', clip, '--port', '0', '--start', '1', '--cluster', 'redis://127.0.0.1:1'],
    ]) as [Ran, Ran, Ran, Ran, Ran];
    for (const r of [word, clock]) {
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/argument '(soon|1:75)' is invalid\. start must be seconds or \[hh:\]mm:ss/);
    }
    for (const r of [past, still, cluster]) expect(r.code).toBe(2);
    expectOneLineError(past.stderr, /^ascii360: --start: seek time 60 is past the end \(2\.\d+ s\)$/);
    expectOneLineError(still.stderr, /^ascii360: --start: seek is not possible on a still photo$/);
    expectOneLineError(cluster.stderr, /^ascii360: --start cannot be used with --cluster/);
  });

  it('reports a port that is taken on one line, with what to do about it', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const r = run(['serve', '--port', String(port)]);
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ascii360: cannot listen on 127.0.0.1:${port}: EADDRINUSE: the port is in use (another server?); choose another with --port\n`);
  });

  it('says a --host name that does not resolve is no such host, not that it needs a token', () => {
    const r = run(['serve', '--host', 'nonexistent.invalid']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /^ascii360: cannot listen on nonexistent\.invalid: no such host name$/);
  });

  it('view: takes the page address serve prints (http://…/?token=), and never echoes a token back', async () => {
    const { startCli } = await import('./helpers/server.js');
    const server = await startCli(['--token', 'right-token', '--log-level', 'warn']);
    try {
      const page = `${server.url}/?token=`;
      const [wrong, right] = await runEach([['view', `${page}wrong-token`], ['view', `${page}right-token`]]) as [Ran, Ran];
      expect(wrong.code).toBe(1);
      expectOneLineError(wrong.stderr, /^ascii360: cannot connect to ws:\/\/127\.0\.0\.1:\d+\/ws\?token=…: HTTP 401: a valid token is required \(add \?token=<secret> to the URL\)$/);
      expect(wrong.stderr).not.toContain('wrong-token');
      // The right one connects: what stops it then is only that this is not a terminal.
      expect(right.stderr).not.toMatch(/cannot connect/);
      expect(right.stderr).toMatch(/terminal/);
      expect(right.stderr).not.toContain('right-token');
    } finally {
      await server.stop();
    }
  });

  it('view: sends $ASCII360_TOKEN when its URL has no token, as serve reads it; a token in the URL wins', async () => {
    const { startCli } = await import('./helpers/server.js');
    const server = await startCli(['--log-level', 'warn'], { ...process.env, ASCII360_TOKEN: 'env-token' });
    const withToken = (token: string): NodeJS.ProcessEnv => ({ ...process.env, ASCII360_TOKEN: token });
    try {
      // Connected: what stops it then is only that this is not a terminal.
      const connected = /^ascii360: the picture needs a terminal/;
      const [fromEnv, fromUrl, refused, help] = await Promise.all([
        runAsync(['view', server.wsUrl], withToken('env-token')),
        runAsync(['view', `${server.wsUrl}?token=env-token`], withToken('wrong-token')),
        runAsync(['view', `${server.wsUrl}?token=wrong-token`], withToken('env-token')),
        runAsync(['view', '--help']),
      ]);
      expectOneLineError(fromEnv.stderr, connected);
      expectOneLineError(fromUrl.stderr, connected);
      expect(refused.code).toBe(1);
      expectOneLineError(refused.stderr, /HTTP 401: a valid token is required/);
      expect(help.stdout).toContain('$ASCII360_TOKEN');
    } finally {
      await server.stop();
    }
  });

  it('view: a server that refuses its Host says why in its own words, not a token it does not have', async () => {
    const { startCli } = await import('./helpers/server.js');
    const server = await startCli(['--log-level', 'warn']);
    try {
      // 0.0.0.0 reaches this machine on Linux, and is no loopback name: a tokenless server refuses it (§1.5).
      const refused = run(['view', server.wsUrl.replace('127.0.0.1', '0.0.0.0')]);
      expect(refused.code).toBe(1);
      expectOneLineError(refused.stderr, /HTTP 403: host "0\.0\.0\.0:\d+" is not this machine's: open the server as 127\.0\.0\.1 or localhost, or give it a --token$/);
    } finally {
      await server.stop();
    }
  });

  it('documents every option in --help', () => {
    const r = run(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--host', '--port', '--fps', '--mode', '--hwaccel', '--loop', '--log-level']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/auto.*none.*cuda.*vaapi.*qsv.*videotoolbox/s);
  });
});
