/**
 * A real terminal for the terminal client's end-to-end tests: tmux on a private server runs the CLI;
 * capture-pane reads the screen, send-keys types. Every wait is bounded in time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { makeClip, tempDir } from './media.js';
import { CLI } from './server.js';

export interface PrivateTmux {
  /** Runs a tmux command on this server; returns its output. */
  tmux(...args: string[]): string;
  /** A session running `ascii360 <args>`, its pane kept (with its last screen) after the client exits. */
  start(name: string, cols: number, rows: number, args: string, env?: string[]): void;
  /** Names of sessions to kill after each test (start adds to it). */
  sessions: string[];
  capture(name: string): string[];
  flags(name: string): { alternate: string; cursor: string; mouse: string; keypad: string };
  /** Kills the sessions started since the last call. */
  killSessions(): void;
  /** Starts the server, kept alive by an idle session. */
  open(): void;
  close(): void;
}

/**
 * A tmux server of the calling file's own, kept alive by an idle session: tmux exits when its last
 * session is killed, and a new session asked for while it is exiting fails ("server exited unexpectedly").
 */
export function privateTmux(label = 'ascii360-test'): PrivateTmux {
  const socket = ['-L', `${label}-${process.pid}`];
  const sessions: string[] = [];
  const tmux = (...args: string[]): string => execFileSync('tmux', [...socket, ...args], { encoding: 'utf8', timeout: 5000 });
  return {
    tmux,
    sessions,
    start(name, cols, rows, args, env = []) {
      sessions.push(name);
      // `sleep` keeps the pane (and its last screen) around after the client exits.
      const command = `'${process.execPath}' '${CLI}' ${args}; echo EXIT=$?; sleep 60`;
      const vars = ['LANG=C.UTF-8', 'TERM=xterm-256color', 'COLORTERM=truecolor', ...env].flatMap((v) => ['-e', v]);
      tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), ...vars, command);
    },
    capture: (name) => tmux('capture-pane', '-p', '-t', name).split('\n'),
    flags(name) {
      const [alternate, cursor, mouse, cursorKeys, keypad] = tmux('display-message', '-p', '-t', name, '#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_cursor_flag} #{keypad_flag}').trim().split(' ');
      // `keypad`: cursor keys and keypad in application mode (1) or as the shell expects them (0).
      return { alternate: alternate!, cursor: cursor!, mouse: mouse!, keypad: `${cursorKeys} ${keypad}` };
    },
    killSessions() {
      for (const s of sessions.splice(0)) spawnSync('tmux', [...socket, 'kill-session', '-t', s]);
    },
    open: () => void tmux('new-session', '-d', '-s', 'keep', 'sleep 600'),
    close: () => void spawnSync('tmux', [...socket, 'kill-server']),
  };
}

/**
 * A terminal test file's setup: its tmux server and temporary folder, and a 5 s clip made before
 * its tests; the sessions a test started are killed after it, and all of it goes after the file.
 */
export function tmuxTestFile(label?: string): PrivateTmux & { dir: string; clip(): string } {
  const tmp = tempDir();
  const tmux = privateTmux(label);
  let clip = '';
  beforeAll(() => {
    clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 5 });
    tmux.open();
  });
  afterEach(() => tmux.killSessions());
  afterAll(() => {
    tmux.close();
    tmp.cleanup();
  });
  return { ...tmux, dir: tmp.dir, clip: () => clip };
}

/** Polls `probe` every 100 ms until it gives a value; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
