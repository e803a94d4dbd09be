/**
 * `--audio` for the terminal client: plays the server's `/audio` through a local player (ffplay
 * from the ffmpeg package, or mpv), silenced and detached from the terminal so it cannot draw over
 * the picture, and stopped when the client quits. Where the server has no sound to give, or the
 * player quits by itself, the status line says why in one line, in the server's words when a 503
 * gives them (`the sound failed: …`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { askSound } from '../common/sound-answer.js';

export interface Player {
  name: string;
  args(url: string): string[];
}

/** In order of preference: ffplay comes with the one prerequisite we already have. */
const PLAYERS: Player[] = [
  { name: 'ffplay', args: (url) => ['-nodisp', '-autoexit', '-loglevel', 'quiet', '-fflags', 'nobuffer', url] },
  { name: 'mpv', args: (url) => ['--no-video', '--really-quiet', '--no-terminal', '--cache=no', url] },
];

function installed(name: string): boolean {
  return spawnSync(name, ['-version'], { stdio: 'ignore', timeout: 5000 }).status === 0 || spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

export interface AudioPlayback {
  /** Which player runs, or null (and why) when none could. */
  player: string | null;
  note: string;
  stop(): void;
}

/** `ws://host:port/ws?…` → `http://host:port/audio` (with the token, if any). */
export function audioUrlFor(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/audio';
  const token = url.searchParams.get('token');
  url.search = token ? `?token=${encodeURIComponent(token)}` : '';
  return url.toString();
}

/** A player that quits within this of its start most likely found no sound device. */
const QUICK_QUIT_MS = 5000;

const silent = (note: string): AudioPlayback => ({ player: null, note, stop() {} });

/** `onQuit` hears the note when the player quits by itself (not by `stop`); `players` in order of preference. */
export async function startAudio(wsUrl: string, onQuit?: (note: string) => void, players: readonly Player[] = PLAYERS): Promise<AudioPlayback> {
  const url = audioUrlFor(wsUrl);
  // 204: the source has no sound track; 503: it failed, or its sound did, and the server says why;
  // anything but 200: nothing to play.
  const { status, state, why } = await askSound(url);
  if (state === 'none') return silent('this source has no sound');
  if (state === 'failed') return silent(`no sound from the server: ${why}; playing silent`);
  if (state !== 'available') return silent(`no sound from the server (${status || 'unreachable'}); playing silent`);
  const player = players.find((p) => installed(p.name));
  if (!player) return silent('no audio player found (install ffmpeg\'s ffplay or mpv); playing silent');
  let child: ChildProcess | null = spawn(player.name, player.args(url), { stdio: 'ignore', detached: false });
  let note = `audio: ${player.name}`;
  child.on('error', () => {
    child = null;
    note = `audio: ${player.name} could not start; playing silent`;
  });
  let stopped = false;
  const started = Date.now();
  child.on('exit', (code, signal) => {
    child = null;
    // A player that quits by itself is said on the status line, rather than a note that goes on
    // claiming it plays. ffplay quits at once, and with 0, when it finds no sound device.
    if (stopped) return;
    const quick = Date.now() - started < QUICK_QUIT_MS;
    const how = quick ? 'at once: no sound device?' : code !== null ? `exit ${code}` : String(signal);
    note = `audio: ${player.name} quit (${how}); playing silent`;
    // The server may have ended the stream because the sound failed (its response ends, and the
    // player with it): its line says so where a guess at the player would mislead.
    void askSound(url).then(({ why }) => {
      if (stopped) return;
      if (why !== null) note = `audio: ${player.name} quit: ${why}; playing silent`;
      onQuit?.(note);
    });
  });
  return {
    player: player.name,
    get note() {
      return note;
    },
    stop() {
      stopped = true;
      if (child && child.exitCode === null) child.kill('SIGTERM');
      child = null;
    },
  };
}
