#!/usr/bin/env node
/**
 * The `ascii360` command. Every failure a user can cause ends in one line on stderr and a non-zero
 * exit status, never a stack trace: 2 for usage and a missing ffmpeg, 1 for everything else.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { CAMERA_NAMES, DEFAULT_MODE, DEFAULT_QUALITY, isMode, isStyleName, Limits, QUALITY_NAMES, STYLE_NAMES, wrapDegrees, type CameraName, type Mode, type Quality, type StyleName } from '../../protocol/index.js';
// The server (ws, sharp, the workers) is imported when a command runs it: --help, --version and a
// refused argument answer without loading it.
import type { RunningServer } from '../app/app.js';
import { DEFAULT_MAX_CLIENTS } from '../shared/capacities.js';
import { DEFAULT_MESSAGE_RATE } from '../transport/rate-limit.js';
import { exposesBeyondLoopback, parseOrigins } from '../transport/access.js';
import { DEFAULT_PING_INTERVAL_S } from '../transport/heartbeat.js';
import { Ascii360Error, EXIT_FAILURE, EXIT_USAGE, oneLine } from '../shared/errors.js';
import { isLogLevel, Logger, LOG_LEVELS, type LogLevel } from '../shared/logger.js';
import { HWACCELS, PROBE_TIMEOUT_MS, stopProbes, type Hwaccel } from '../source/ffmpeg-tools.js';
import { eraseLine, quitKeys } from '../client/terminal/quit-keys.js';
import { EYES, layoutList, parseFormatFlags, STEREO_MODES, type FormatFlags } from '../source/source-format.js';
import { lookup } from 'node:dns/promises';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientExit, TerminalClientOptions } from '../client/terminal/terminal-client.js';
import { terminalDescriptors } from '../client/terminal/job-control.js';
import { shownUrl } from '../client/terminal/shown-url.js';
import { defaultTerminalStyle, ELLIPSIS, STYLE_ENV } from '../client/terminal/terminal-styles.js';
import type { ColorDepth } from '../client/terminal/video-renderer.js';
import { DEFAULT_FRAME_BUDGET_KIB } from '../client/terminal/tolerance-governor.js';
import { isUrlLike, opensOverNetwork, redactedSource, unsupportedScheme } from '../shared/source-name.js';

function intInRange(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** A moment in a file: seconds (`90`, `90.5`) or `[hh:]mm:ss[.frac]` (`1:30`, `1:02:03.5`), as mpv's --start takes it. */
function parseClockTime(value: string): number {
  const parts = value.trim().split(':');
  const wrong = (): never => {
    throw new InvalidArgumentError('start must be seconds or [hh:]mm:ss (90, 1:30, 1:02:03.5)');
  };
  if (parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) wrong();
  // Minutes and seconds after the first part are clock digits: 1:75 is not a time.
  if (parts.slice(1).some((p) => Number(p) >= 60) || parts.slice(0, -1).some((p) => p.includes('.'))) wrong();
  return parts.reduce((total, p) => total * 60 + Number(p), 0);
}

function parseMode(value: string): Mode {
  const n = Number(value);
  if (!isMode(n)) throw new InvalidArgumentError('mode must be 1 (mono text), 2 (512 colours), 3 (32K), 4 (262K) or 5 (24-bit)');
  return n;
}

function parseStyle(value: string): StyleName {
  // `blocks` was the half-block style's name before there were more styles.
  if (value === 'blocks') return 'half';
  if (!isStyleName(value)) throw new InvalidArgumentError(`style must be one of ${STYLE_NAMES.join(', ')}`);
  return value;
}

function numberInRange(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}`);
    return n;
  };
}

/** An angle that turns round (yaw, roll): any number of degrees, wrapped into −180…180 as a drag or the browser's URL would. */
function wrappedDegrees(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number of degrees`);
    return wrapDegrees(n);
  };
}

function parseRedisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected redis://host:port[/db]');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new InvalidArgumentError(`expected redis://host:port[/db], not ${url.protocol}//`);
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) throw new InvalidArgumentError(`the database must be a number, not ${url.pathname.slice(1)}`);
  return value;
}

function parseClusterName(value: string): string {
  if (!CLUSTER_NAME.test(value)) throw new InvalidArgumentError('use 1 to 64 letters, digits, dots, dashes or underscores');
  return value;
}

function parseLogLevel(value: string): LogLevel {
  if (!isLogLevel(value)) throw new InvalidArgumentError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

const CLUSTER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * How long serve waits on a URL before saying it is opening it: past what a URL that answers, or a
 * host that refuses, takes here (under 1 s, ffprobe's start included), well within the probe's 20 s.
 */
const OPENING_NOTICE_MS = 2000;

/** `print`'s size where standard output is not a terminal (a pipe, a file), as chafa's. */
const PRINT_COLS = 80;
const PRINT_ROWS = 24;
/** `print` gives up on a picture that has not settled by then (the source opened already). */
const PRINT_TIMEOUT_MS = 20_000;

/** The token from the environment: serve's when it has no --token, view's when its URL has no ?token=. */
const TOKEN_ENV = 'ASCII360_TOKEN';

export interface SourceFlags {
  fps?: number;
  mode: Mode;
  hwaccel: Hwaccel;
  loop: boolean;
  start?: number;
  openTimeout: number;
  logLevel: LogLevel;
  projection?: string;
  stereo?: string;
  eye?: string;
  inFov?: string;
}

/** The layout flags, checked: a bad one ends the command with one line naming what is allowed. */
function formatFlags(flags: SourceFlags): FormatFlags {
  try {
    return parseFormatFlags({ projection: flags.projection, stereo: flags.stereo, eye: flags.eye, inFov: flags.inFov });
  } catch (error) {
    fail(error);
  }
}

/** Options shared by every command that opens a source (`serve`, later `play`). */
export function addSourceOptions(cmd: Command): Command {
  return cmd
    .option('--fps <n>', 'output frame rate (frames are resampled to a constant rate; default: a video file\'s own, from 10 to 30: 50 and 60 become 25 and 30; 30 for a live stream)', intInRange('fps', 1, 120))
    .option('--mode <n>', 'default colour mode: 1 mono text, 2-4 reduced colour, 5 24-bit', parseMode, DEFAULT_MODE)
    .addOption(new Option('--hwaccel <method>', 'hardware decoding (auto: NVDEC, frames shrunk on the GPU, where an NVIDIA driver is; else ffmpeg\'s own choice); falls back to software when it fails').choices([...HWACCELS]).default('auto'))
    .option('--loop', 'loop a file source forever', false)
    .option('--start <time>', 'where the timeline starts: seconds or [hh:]mm:ss (a file\'s; a loop goes back to its beginning)', parseClockTime)
    .option('--open-timeout <s>', 'seconds the source may take to answer ffprobe before it is given up (a URL that never answers)', intInRange('open-timeout', 1, 600), PROBE_TIMEOUT_MS / 1000)
    .option('--projection <layout>', `the source's layout when its metadata is missing or wrong: ${layoutList()}`)
    .option('--stereo <mode>', `the source's stereo packing: ${STEREO_MODES.join(', ')} (one eye is decoded)`)
    .option('--eye <eye>', `the eye shown from a stereo source: ${EYES.join(', ')} (default left)`)
    .option('--in-fov <deg>', 'one fisheye lens\'s field of view, degrees (fisheye 180, dfisheye 190 by default)')
    .option('--log-level <level>', `log detail: ${LOG_LEVELS.join(', ')}`, parseLogLevel, 'info' as LogLevel);
}

function fail(error: unknown): never {
  const code = error instanceof Ascii360Error ? error.exitCode : EXIT_FAILURE;
  const prefix = error instanceof Ascii360Error ? '' : 'unexpected error: ';
  process.stderr.write(`ascii360: ${prefix}${oneLine(error)}\n`);
  process.exit(code);
}

/** A source named with a scheme we do not open: refused at once, before a server starts or `play` says it is opening it. */
function refuseUnsupportedScheme(source: string | undefined): void {
  const refused = source === undefined ? null : unsupportedScheme(source);
  if (refused) fail(new Ascii360Error('SOURCE_NOT_FOUND', refused));
}

/** What stops a server, or the opening of its source: an interrupt, a kill, the terminal closing. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * SIGINT/SIGTERM close every socket with 1001 and stop ffmpeg; a second signal exits at once.
 * SIGHUP (the operator's terminal or ssh session closed) does the same, then dies of the hangup:
 * the terminal is gone, writes to it fail (EIO, ignored), and Node's exit would abort restoring it.
 */
function closeOnSignals(server: RunningServer, log: Logger): void {
  let stopping = false;
  let hungUp = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A closing terminal's SIGHUP comes twice (the kernel's, and the shell's to its jobs): the
      // second is the same hangup. Any other second signal ends it at once, never with an exit
      // once the terminal is gone.
      if (signal === 'SIGHUP') return;
      if (hungUp) hangUp();
      else process.exit(130);
      return;
    }
    stopping = true;
    hungUp = signal === 'SIGHUP';
    const end = hungUp ? hangUp : () => process.exit(0);
    if (hungUp) for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    log.info('server.stopping', { signal });
    const deadline = setTimeout(end, 2000);
    deadline.unref();
    server.close().then(end, end);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
}

/** Dies of SIGHUP, as a program whose terminal went away does (exit status 129). */
function hangUp(): void {
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

/**
 * While a source opens there is no server to close yet, only its probes (a URL's may wait 20 s):
 * a quit stops them, without waiting, and exits 0, as a quit once it has opened does. SIGINT and
 * SIGTERM quit for both commands, and `play`'s q and Ctrl-C with `keys` (the picture's client not
 * being up to read them); `erase` clears the line that announced the wait. A hangup stops the
 * probes too, then dies of it. Returns what takes these handlers away once the source has opened
 * or failed. (A signal left to Node's default ended serve with 130 and left ffprobe running.)
 */
function quitWhileOpening(log: Logger, { keys, erase }: { keys: boolean; erase: boolean }): () => void {
  const quit = (): void => {
    stopProbes();
    if (erase) eraseLine();
    process.exit(0);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info('server.stopping', { signal });
    if (signal === 'SIGHUP') {
      stopProbes();
      hangUp();
    } else {
      quit();
    }
  };
  const stopKeys = keys ? quitKeys(quit) : () => {};
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return () => {
    stopKeys();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
}

/** The package's version: its package.json, the first one up from this file (src/cli, or dist/src/cli). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ascii360' && pkg.version) return pkg.version;
    } catch {
      // Not here: one folder up.
    }
  }
  return 'unknown';
}

const program = new Command()
  .name('ascii360')
  .description('Watch 360° video as coloured text: a server, a terminal client and a browser client')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError('(run with --help for usage)')
  // The parser's refusals in the same voice as every other error line: `ascii360: …`.
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'ascii360: ')) })
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  });

/** Whether `word` names a file (not a folder, nothing that cannot be a name: ENOTDIR, ENAMETOOLONG). */
function isFileNamed(word: string): boolean {
  try {
    return statSync(word, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** `word` as a POSIX shell reads it back: as it is when it has nothing the shell would take, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

// What an mpv or timg user types first, `ascii360 clip.mp4`, is refused with what to type instead:
// play stays a command of its own (a default command would take a misspelt `serv` for a file).
// Any other word gets commander's own refusal, with its "Did you mean …?" (unknownCommand is in
// commander's JavaScript, not in its types).
program.on('command:*', (operands: string[]) => {
  const word = operands[0] ?? '';
  if (!isUrlLike(word) && !isFileNamed(word)) (program as unknown as { unknownCommand(): never }).unknownCommand();
  // A URL's password and query stay out of the line, as out of every other.
  const shown = redactedSource(word);
  program.error(`error: unknown command '${shown}'; to play it here: ascii360 play ${shellWord(shown)} (or serve it: ascii360 serve ${shellWord(shown)})`, { code: 'commander.unknownCommand' });
});

addSourceOptions(
  program
    .command('serve')
    .description('serve a 360° equirectangular video, photo or URL (no source: the built-in demo) over HTTP + WebSocket')
    .argument('[source]', 'video file, image (JPEG/PNG/WebP/AVIF), http(s) URL or HLS playlist; omitted: the demo scene')
    .option('--host <address>', 'address to listen on; beyond loopback a --token is required', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intInRange('port', 0, 65535), 8360)
    .option('--token <secret>', `require this token on /ws and /audio (?token= or Authorization: Bearer); default $${TOKEN_ENV}`)
    .option('--allow-origin <origins>', 'comma-separated browser origins allowed besides the server\'s own (https://example.org)', (v: string) => { try { return parseOrigins(v); } catch (error) { throw new InvalidArgumentError((error as Error).message); } }, [] as string[])
    .option('--max-clients <n>', 'viewers plus audio listeners at most', intInRange('max-clients', 1, 10000), DEFAULT_MAX_CLIENTS)
    .option('--ping-interval <s>', 'seconds between WebSocket pings; a viewer that answers none in two is closed (0 = never)', intInRange('ping-interval', 0, 3600), DEFAULT_PING_INTERVAL_S)
    .option('--max-message-rate <n>', 'control messages per second a viewer may send', intInRange('max-message-rate', 1, 1_000_000), DEFAULT_MESSAGE_RATE)
    .addOption(new Option('--camera <name>', 'camera of viewers that name none (their ?camera= wins): flat, stereographic, fisheye, pannini, equirect').choices([...CAMERA_NAMES]).default('flat'))
    .addOption(new Option('--quality <level>', 'coded frames\' colour tolerance for viewers that name none (their ?quality= wins): lossless 0, high 4, balanced 8, low 16').choices([...QUALITY_NAMES]).default(DEFAULT_QUALITY))
    .option('--cluster <url>', 'share one timeline with every server started with the same Redis and name: redis://host:port[/db]', parseRedisUrl)
    .option('--cluster-name <name>', 'the shared timeline\'s name on that Redis (default: the source\'s file name, duration and size, so the same file under another path agrees)', parseClusterName)
    .option('--cluster-optional', 'start even when the cluster\'s Redis cannot be reached, and join when it answers', false),
).action(async (source: string | undefined, flags: SourceFlags & { host: string; port: number; token?: string; allowOrigin: string[]; maxClients: number; maxMessageRate: number; pingInterval: number; camera: CameraName; quality: Quality; cluster?: string; clusterName?: string; clusterOptional: boolean }) => {
  refuseUnsupportedScheme(source);
  const log = new Logger(flags.logLevel);
  const token = flags.token ?? process.env[TOKEN_ENV] ?? null;
  if (token === '') fail(new Ascii360Error('BAD_OPTION', 'the token must not be empty', EXIT_USAGE));
  // A name that does not resolve fails to listen anyway; said first, it is not taken for a token problem.
  if (isIP(flags.host) === 0) {
    await lookup(flags.host).catch(() => fail(new Ascii360Error('BAD_OPTION', `cannot listen on ${flags.host}: no such host name`, EXIT_USAGE)));
  }
  if (exposesBeyondLoopback(flags.host) && !token) {
    fail(new Ascii360Error('BAD_OPTION', `listening on ${flags.host} exposes the server beyond this machine: set --token <secret> (or ASCII360_TOKEN)`, EXIT_USAGE));
  }
  if ((flags.clusterName !== undefined || flags.clusterOptional) && !flags.cluster) {
    fail(new Ascii360Error('BAD_OPTION', '--cluster-name and --cluster-optional need --cluster redis://host:port', EXIT_USAGE));
  }
  const cluster = flags.cluster ? { url: flags.cluster, name: flags.clusterName, optional: flags.clusterOptional } : undefined;
  // A URL can take up to --open-timeout (20 s) to answer: one still silent after a moment is announced,
  // so the operator sees the server is not hung. A quicker answer, a refusal above all, stays the
  // one line it was.
  const announce = source !== undefined && opensOverNetwork(source)
    ? setTimeout(() => log.info('source.opening', { source: redactedSource(source), timeout_s: flags.openTimeout }), OPENING_NOTICE_MS)
    : undefined;
  const stopQuitting = quitWhileOpening(log, { keys: false, erase: false });
  const opened = (): void => {
    clearTimeout(announce);
    stopQuitting();
  };
  let server: RunningServer;
  try {
    const { startServer } = await import('../app/app.js');
    server = await startServer({
      source, host: flags.host, port: flags.port, fps: flags.fps, mode: flags.mode, hwaccel: flags.hwaccel, loop: flags.loop, start: flags.start, openTimeoutS: flags.openTimeout, log,
      token, allowOrigins: flags.allowOrigin, maxClients: flags.maxClients, messageRate: flags.maxMessageRate, pingInterval: flags.pingInterval, camera: flags.camera, quality: flags.quality,
      format: formatFlags(flags), cluster,
    });
  } catch (error) {
    opened();
    fail(error);
  }
  opened();
  process.stdout.write(`ascii360 serving ${source ? redactedSource(source) : 'the demo scene'} on ${server.url} (viewers: ${server.url.replace(/^http/, 'ws')}/ws)\n`);
  if (token) process.stdout.write(`page with the token: ${server.url}/?token=${encodeURIComponent(token)}\n`);
  closeOnSignals(server, log);
});

/** The picture of a view (`play`, `view`, `print`): its colours, style, camera and direction. */
interface LookFlags {
  color?: ColorDepth;
  style?: StyleName;
  camera?: CameraName;
  yaw?: number;
  pitch?: number;
  roll?: number;
  fov?: number;
}

interface ViewFlags extends LookFlags {
  audio: boolean;
  autoRotate: boolean;
  tolerance: number;
  frameBudget: number;
  sync: boolean;
  codec?: 'raw' | 'tagged';
  quality?: Quality;
}

/** --style, else $ASCII360_STYLE, else the best style this terminal is known to draw (terminal-styles.ts). */
function chosenStyle(flags: LookFlags): StyleName {
  if (flags.style) return flags.style;
  const fromEnv = process.env[STYLE_ENV];
  if (fromEnv) {
    try {
      return parseStyle(fromEnv);
    } catch (error) {
      fail(new Ascii360Error('BAD_OPTION', `${STYLE_ENV}=${fromEnv}: ${oneLine(error)}`, EXIT_USAGE));
    }
  }
  return defaultTerminalStyle(process.env, flags.color).style;
}

/**
 * The style `b` turns half blocks off to when `--style half` started them: the one chosenStyle gives
 * without --style, or the terminal's own where that is half too ($ASCII360_STYLE=half).
 */
function blocksOffStyle(flags: ViewFlags): StyleName {
  const unnamed = chosenStyle({ ...flags, style: undefined });
  return unnamed !== 'half' ? unnamed : defaultTerminalStyle(process.env, flags.color).style;
}

function viewOf(flags: LookFlags): { yaw?: number; pitch?: number; roll?: number; fov?: number } {
  const v: { yaw?: number; pitch?: number; roll?: number; fov?: number } = {};
  if (flags.yaw !== undefined) v.yaw = flags.yaw;
  if (flags.pitch !== undefined) v.pitch = flags.pitch;
  if (flags.roll !== undefined) v.roll = flags.roll;
  if (flags.fov !== undefined) v.fov = flags.fov;
  return v;
}

/** Options of a view's picture (`play`, `view`, `print`); `still`: one picture (`print`), no view to start and move on from. */
function addLookOptions(cmd: Command, still = false): Command {
  const from = still ? '' : 'initial ';
  return cmd
    .addOption(new Option('--color <depth>', 'colour output (default: from COLORTERM/TERM)').choices(['truecolor', '256', '16', 'mono']))
    .option('--style <style>', `cell style: ${STYLE_NAMES.join(', ')} (default: mosaic where the terminal is known to draw sextants, sextant there at 256 or 16 colours, else quadrant; $${STYLE_ENV} overrides)`, parseStyle)
    .addOption(new Option('--camera <name>', `${still ? 'camera' : 'camera to start with (c cycles them)'}: flat, stereographic (little planet looking down), fisheye, pannini, equirect (a map)`).choices([...CAMERA_NAMES]))
    .option('--yaw <deg>', `${from}yaw, degrees (positive turns right; 190 is -170)`, wrappedDegrees('yaw'))
    .option('--pitch <deg>', `${from}pitch, degrees (positive looks up)`, numberInRange('pitch', Limits.PITCH_MIN, Limits.PITCH_MAX))
    .option('--roll <deg>', `${from}roll, degrees`, wrappedDegrees('roll'))
    .option('--fov <deg>', `${from}horizontal field of view, degrees (kept within 30-120 for flat, up to 300-360 for the other cameras)`, numberInRange('fov', Limits.FOV_MIN, Limits.FOV_MAX));
}

/** Options of the terminal client (`play`, `view`): the picture's, and how it is kept up to date. */
function addViewOptions(cmd: Command): Command {
  return addLookOptions(cmd)
    .option('--tolerance <n>', 'colour change (0-64 per channel) not worth redrawing a cell for, doubled while the view turns; 0 = exact', intInRange('tolerance', 0, 64), 8)
    .option('--frame-budget <KiB>', 'terminal bytes a frame may cost before the tolerance is raised (up to 4x, back once frames are small again); 0 = no limit', intInRange('frame-budget', 0, 100_000), DEFAULT_FRAME_BUDGET_KIB)
    .option('--no-sync', 'do not wrap frames in synchronized output (DEC mode 2026)')
    .addOption(new Option('--codec <codec>', 'frames over the link: tagged (coded: only what changed, zlib) or raw (4-7 bytes per cell); default: tagged for view, and for play raw (its server runs in this process) unless --quality is given').choices(['tagged', 'raw']))
    .addOption(new Option('--quality <level>', 'coded frames\' colour tolerance: lossless 0, high 4, balanced 8, low 16 (default: the server\'s, balanced unless its --quality says otherwise)').choices([...QUALITY_NAMES]))
    .option('--audio', 'play the sound through ffplay (or mpv) while watching', false)
    .option('--auto-rotate', 'turn the view slowly after 3 s without input; any input stops it, `a` toggles it', false);
}

/** The terminal client, loaded by the commands that show it: blessed is not a server's to load. */
async function runTerminalClient(options: TerminalClientOptions): Promise<ClientExit> {
  return (await import('../client/terminal/terminal-client.js')).runTerminalClient(options);
}

function exitWith(result: ClientExit): never {
  // Die of the hangup, as a terminal program does: an exit would have Node restore the gone
  // terminal's modes, which fails and aborts with a native stack trace.
  if (result.terminal === 'gone') hangUp();
  if (result.terminal === 'background') {
    if (result.message) process.stderr.write(`ascii360: ${result.message}\n`);
    // Node's exit leaves alone a terminal it no longer has open: stdio (its fstat check) and the
    // terminal libuv reopened for raw mode (Linux: every descriptor /proc/self/fd shows on a tty).
    for (const fd of terminalDescriptors()) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
    process.exit(result.code);
  }
  if (result.message) (result.code === 0 ? process.stdout : process.stderr).write(`ascii360: ${result.message}\n`);
  process.exit(result.code);
}

addSourceOptions(
  addViewOptions(
    program
      .command('play')
      .description('play a 360° video, photo or URL in this terminal (no source: the built-in demo); the server runs in-process')
      .argument('[source]', 'video file, image, http(s) URL or HLS playlist; omitted: the demo scene')
      .option('--log-file <path>', 'write server logs to this file (the screen belongs to the picture)'),
  ),
).action(async (source: string | undefined, flags: SourceFlags & ViewFlags & { logFile?: string }) => {
  refuseUnsupportedScheme(source);
  let fd = -1;
  if (flags.logFile) {
    try {
      fd = openSync(flags.logFile, 'a');
    } catch (error) {
      fail(new Ascii360Error('BAD_OPTION', `cannot open log file ${flags.logFile}: ${(error as NodeJS.ErrnoException).code ?? oneLine(error)}`, EXIT_USAGE));
    }
  }
  const log = new Logger(flags.logLevel, fd);
  // A URL can take seconds to answer (up to --open-timeout): say what is happening meanwhile, on a
  // line of its own that is erased before the picture or an error takes its place.
  const opening = source !== undefined && opensOverNetwork(source) && process.stdout.isTTY;
  if (opening) process.stdout.write(`ascii360: opening ${redactedSource(source)}${ELLIPSIS} (q quits)`);
  const stopQuitting = quitWhileOpening(log, { keys: opening, erase: opening });
  let server: RunningServer;
  try {
    const { startServer } = await import('../app/app.js');
    server = await startServer({ source, host: '127.0.0.1', port: 0, fps: flags.fps, mode: flags.mode, hwaccel: flags.hwaccel, loop: flags.loop, start: flags.start, openTimeoutS: flags.openTimeout, log, format: formatFlags(flags) });
  } catch (error) {
    stopQuitting();
    if (opening) eraseLine();
    fail(error);
  }
  stopQuitting();
  if (opening) eraseLine();
  const result = await runTerminalClient({
    url: `${server.url.replace(/^http/, 'ws')}/ws`,
    color: flags.color,
    style: chosenStyle(flags),
    blocksOff: blocksOffStyle(flags),
    view: viewOf(flags),
    camera: flags.camera,
    // The server's --mode is the client's only when it was changed: mode 5 leaves a mono terminal free to ask for text.
    mode: flags.mode === DEFAULT_MODE ? undefined : flags.mode,
    tolerance: flags.tolerance,
    frameBudgetKiB: flags.frameBudget,
    sync: flags.sync,
    // The link is this process's own loopback: coding frames for it would only cost CPU on both
    // ends (the worker's encode was 0.8 ms a frame of a half-block view) and add the server's
    // colour tolerance to the client's. A --quality asks for coded frames (it is theirs).
    codec: flags.codec ?? (flags.quality ? 'tagged' : 'raw'),
    quality: flags.quality,
    audio: flags.audio,
    autoRotate: flags.autoRotate,
    pauseWhileSuspended: true,
    // Its log goes nowhere without --log-file: a stereo file without metadata, shown squashed, said why only there.
    notice: server.health().format.notes[0],
  });
  const closing = server.close();
  const deadline = setTimeout(() => exitWith(result), 2000);
  await closing;
  clearTimeout(deadline);
  exitWith(result);
});

addSourceOptions(
  addLookOptions(
    program
      .command('print')
      .description('print one view of a 360° video, photo or URL as coloured text and exit, as chafa and timg print a picture (no source: the built-in demo)')
      .argument('[source]', 'video file, image, http(s) URL or HLS playlist; omitted: the demo scene')
      .option('--cols <n>', 'width in cells (default: the terminal\'s, else 80)', intInRange('cols', 1, Limits.COLS_MAX))
      .option('--rows <n>', 'height in cells (default: the terminal\'s less a line for the prompt, else 24)', intInRange('rows', 1, Limits.ROWS_MAX)),
    true,
  ),
).action(async (source: string | undefined, flags: SourceFlags & LookFlags & { cols?: number; rows?: number }, cmd: Command) => {
  refuseUnsupportedScheme(source);
  if (flags.loop) fail(new Ascii360Error('BAD_OPTION', '--loop means nothing to print: it prints one moment (--start names which)', EXIT_USAGE));
  // Its own lines only on stderr, unless asked: the picture is what goes out.
  const log = new Logger(cmd.getOptionValueSource('logLevel') === 'default' ? 'warn' : flags.logLevel);
  const tty = process.stdout.isTTY === true;
  const cols = flags.cols ?? (tty ? process.stdout.columns : PRINT_COLS);
  const rows = flags.rows ?? (tty ? Math.max(1, process.stdout.rows - 1) : PRINT_ROWS);
  const { detectColorDepth } = await import('../client/terminal/video-renderer.js');
  const { styleForGrid } = await import('../client/terminal/terminal-styles.js');
  const depth = flags.color ?? detectColorDepth(process.env);
  const style = styleForGrid(chosenStyle(flags), cols, rows, process.env);
  let server: RunningServer;
  try {
    const { startServer } = await import('../app/app.js');
    // Paused at --start (its beginning without one): the picture of that moment, fitted in full.
    server = await startServer({ source, host: '127.0.0.1', port: 0, fps: flags.fps, mode: flags.mode, hwaccel: flags.hwaccel, loop: false, start: flags.start, paused: true, openTimeoutS: flags.openTimeout, log, format: formatFlags(flags) });
  } catch (error) {
    fail(error);
  }
  let picture: Uint8Array;
  try {
    const { printView } = await import('../client/terminal/print-view.js');
    picture = await printView({
      url: `${server.url.replace(/^http/, 'ws')}/ws`, cols, rows, depth, style, view: viewOf(flags), camera: flags.camera,
      mode: flags.mode === DEFAULT_MODE ? undefined : flags.mode, timeoutMs: PRINT_TIMEOUT_MS,
    }).finally(() => server.close());
  } catch (error) {
    fail(new Ascii360Error('CONNECT_FAILED', oneLine(error)));
  }
  // A reader that goes away (`| head -3`) is no error of ours; a disk that is full is.
  const written = (error?: Error | null): void => {
    if (error && (error as NodeJS.ErrnoException).code !== 'EPIPE') fail(new Ascii360Error('WRITE_FAILED', `cannot write the picture: ${(error as NodeJS.ErrnoException).code ?? error.message}`, EXIT_FAILURE));
    process.exit(0);
  };
  process.stdout.on('error', written);
  process.stdout.write(picture, written);
});

addViewOptions(
  program
    .command('view')
    .description('watch a running ascii360 server in this terminal')
    .argument('[url]', `the server's WebSocket endpoint, the page address serve prints, or host:port; without a ?token= in it, $${TOKEN_ENV} is sent`, 'ws://127.0.0.1:8360/ws')
    .option('--mode <n>', 'colour mode: 1 mono text, 2-4 reduced colour, 5 24-bit', parseMode),
).action(async (url: string, flags: ViewFlags & { mode?: Mode }) => {
  const endpoint = viewEndpoint(url);
  // What the server guessed about its source: shown first, as `play` shows its own server's.
  const notice = import('../client/terminal/server-link.js').then((link) => link.firstSourceNote(endpoint));
  exitWith(await runTerminalClient({ url: endpoint, notice, color: flags.color, style: chosenStyle(flags), blocksOff: blocksOffStyle(flags), view: viewOf(flags), camera: flags.camera, mode: flags.mode, tolerance: flags.tolerance, frameBudgetKiB: flags.frameBudget, sync: flags.sync, codec: flags.codec, quality: flags.quality, audio: flags.audio, autoRotate: flags.autoRotate }));
});

/**
 * The WebSocket endpoint for what a user may paste: the server's ws:// URL, or the page's http://
 * address (with its `?token=`, as `serve` prints it), or host:port; a bare host means its /ws. A URL without a
 * token gets $ASCII360_TOKEN's, as serve takes it from there: one export serves both ends (and
 * `--audio`, whose player's URL carries the endpoint's token).
 */
function viewEndpoint(typed: string): string {
  // host:port as ssh and curl take it (127.0.0.1:8360, myhost:8360, [::1]:8360): the URL parser
  // would read `myhost:` as a scheme.
  const url = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?):\d+(?:[/?#].*)?$/i.test(typed) ? `ws://${typed}` : typed;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url.replace(/^http(s?):\/\//, 'ws$1://'));
  } catch {
    // Said below.
  }
  if (!parsed || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')) {
    // A ws:// URL the parser refused for its port (ws://host:99999) is told as that, not as a scheme.
    const ours = /^(?:ws|http)s?:\/\//i.test(url);
    const port = Number(/^(?:ws|http)s?:\/\/(?:[^/?#@]*@)?[^/?#@]*:(\d+)(?:[/?#]|$)/i.exec(url)?.[1] ?? 0);
    const why = port > 65535 ? `port ${port} is past 65535 in` : ours ? 'not a valid URL:' : 'not a ws:// or http:// URL:';
    fail(new Ascii360Error('BAD_OPTION', `${why} ${shownUrl(typed)}`, EXIT_USAGE));
  }
  if (parsed.pathname === '/') parsed.pathname = '/ws';
  const envToken = process.env[TOKEN_ENV];
  if (envToken && !parsed.searchParams.has('token')) parsed.searchParams.set('token', envToken);
  return parsed.toString();
}

program.parseAsync(process.argv).catch(fail);
