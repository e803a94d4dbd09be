/**
 * The terminal client: blessed owns the screen, the input, the status line and the help overlay;
 * the video region is written by our VideoRenderer in one write() per frame. A slow terminal makes
 * us drop frames (only the newest waits), never queue them. Every way out restores the terminal.
 *
 * A lost connection (a server killed behind a front, a restart) is not a way out: server-link.ts
 * reconnects with backoff, asking for the view on screen (connectUrl), while the last picture stays
 * and the status line counts down to the next try (Enter starts it at once).
 */
import blessed from 'blessed';
import { inflateSync } from 'node:zlib';
import { CloseCode, sampleCount, verticalFovDegrees, type CameraName, type Inflate, type Mode, type Quality, type StyleName, type TimelineStatus } from '../../../protocol/index.js';
import { KEYMAP, type Action } from '../common/keymap.js';
import { HELP_HEIGHT, HELP_WIDTH, helpText } from './help-text.js';
import { ELLIPSIS, styleForGrid as fittedStyle } from './terminal-styles.js';
import { fitStatusLine, type StatusField } from './status-line.js';
import { shownUrl } from './shown-url.js';
import { PlayerController } from '../common/player-controller.js';
import { clock, timeLabel } from '../common/time-label.js';
import { viewUrl, type ReceivedFrame } from '../common/stream-client.js';
import { wholeDegrees, type ViewAngles } from '../common/view-controller.js';
import { startAudio, type AudioPlayback } from './audio-player.js';
import { openSocket, ServerLink, type OpenSocket } from './server-link.js';
import { inForeground } from './job-control.js';
import { eraseLine, quitKeys } from './quit-keys.js';
import { parseSgrMouse, type MouseEvent } from './sgr-mouse.js';
import { detectColorDepth, VideoRenderer, type ColorDepth } from './video-renderer.js';
import { CELL_ASPECT, modeFor, paletteOf } from './color-depth.js';
import { DEFAULT_FRAME_BUDGET_KIB, ToleranceGovernor } from './tolerance-governor.js';

export interface TerminalClientOptions {
  /** Server WebSocket endpoint, e.g. ws://127.0.0.1:8360/ws. */
  url: string;
  color?: ColorDepth;
  /** The cell style to start with (terminal-styles.ts picks it when the user names none). */
  style: StyleName;
  /** The style `b` leaves half blocks for when started in them: the one named no style would give (player-controller.ts). */
  blocksOff?: StyleName;
  /** The view to start with; omitted angles take the defaults. */
  view?: Partial<ViewAngles>;
  /** The camera to start with (default flat). */
  camera?: CameraName;
  mode?: Mode;
  /** Per-channel colour tolerance of the diff (0 = exact). */
  tolerance: number;
  /** Terminal bytes a frame may cost before the tolerance is raised, KiB (0: no limit; tolerance-governor.ts). */
  frameBudgetKiB?: number;
  /** Synchronized output (DEC 2026) around each frame. */
  sync: boolean;
  /** Frames over the link: coded (PROTOCOL-NOTES.md §3.7, the default) or raw. */
  codec?: 'raw' | 'tagged';
  /** Coded frames' colour tolerance (§3.8); default the server's. */
  quality?: Quality;
  /** Play the server's /audio through a local player. */
  audio?: boolean;
  /** Turn the view slowly after an idle spell (`a` toggles it). */
  autoRotate?: boolean;
  /**
   * A line shown first, as a notice: what the server corrected or guessed about the source (`play`
   * knows it from its own server; `view` asks the server's /healthz, and shows it when it comes).
   */
  notice?: string | Promise<string | undefined>;
  /**
   * The server is this process's own (`play`): Ctrl-Z pauses its timeline until the shell's `fg`,
   * as mpv stops playing. A stopped process's clock would otherwise run on, and the source race to
   * catch up on resume. A shared server's timeline is everyone's: suspending a `view` leaves it be.
   */
  pauseWhileSuspended?: boolean;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

export interface ClientExit {
  code: number;
  /** One line for the user, printed after the terminal is restored; empty for a plain quit. */
  message: string;
  /**
   * The terminal is no longer the client's, and Node's exit, which restores the raw mode it once
   * set, must not touch it (main.ts). `gone` (closed window, dropped ssh, killed tmux pane): that
   * fails and aborts, so the process dies of the hangup instead. `background` (suspended, then
   * `kill %1`): the terminal is the shell's, and a background job changing its modes is stopped
   * (SIGTTOU) with its work done, so the process lets go of the terminal first.
   */
  terminal?: 'gone' | 'background';
}

/** Coded frames (PROTOCOL-NOTES.md §3.7) inflate with Node's zlib, never past a frame's largest body. */
const inflateFrame: Inflate = (data, maxBytes) => inflateSync(data, { maxOutputLength: maxBytes });

/** Smallest usable terminal; below it a notice replaces the picture. */
/** Keys that change colour modes or styles, which a monochrome terminal cannot show (it stays on text). */
const MONO_KEEPS: ReadonlySet<Action> = new Set(['cycle-mode', 'cycle-style', 'cycle-style-back', 'toggle-blocks']);
const MIN_COLS = 20;
const MIN_ROWS = 6;
/** When no frame arrives (paused, still photo), a pending view is sent after this long anyway. */
const VIEW_FALLBACK_MS = 60;
/** While the view moves by itself (inertia, auto-rotate) and no frames come, it is stepped this often. */
const MOTION_STEP_MS = 33;
/** Ctrl-Z waits this long for the server to confirm the pause before the process stops. */
const SUSPEND_PAUSE_WAIT_MS = 500;
/**
 * After SIGTSTP, a SIGCONT is already queued when the process was stopped and continued; none by
 * this time means the stop was ignored (no job-control shell above us: an orphaned process group).
 */
const SUSPEND_IGNORED_MS = 100;
/**
 * After `fg`, the frames a shared server sent while we were stopped wait in the socket and are read
 * in a rush, until the pong of a ping sent on `fg` (ServerLink.afterBacklog), or this long at most
 * (a pong that never comes: the link lost meanwhile).
 */
const BACKLOG_MAX_MS = 2000;
/** The view counts as turning this long after the last turn (the colour tolerance doubles: tolerance-governor.ts). */
const TURNING_MS = 300;
/**
 * A picture drawn at a raised tolerance (turning, or over the frame budget) is drawn again at the
 * configured one when no frame has come for this long and the view rests (a photo, a paused video):
 * while frames flow, the next one does that; here nothing would, and colour steps of 16 (or the
 * budget's 32) stayed on screen for good.
 */
const SETTLE_MS = 250;
const STATUS_INTERVAL_MS = 250;
const NOTICE_MS = 5000;
/** A handshake taking longer than this is said to be waited for (`view` of a server slow to answer). */
const CONNECT_ANNOUNCE_MS = 300;

function gridOf(output: NodeJS.WriteStream): { cols: number; rows: number } {
  return { cols: Math.max(1, output.columns || 80), rows: Math.max(1, (output.rows || 24) - 1) };
}

/** The timeline as the server said it, for the status line: a symbol and, for failures, nothing more (the notice says why). */
function timelineMark(t: TimelineStatus | null): string {
  switch (t?.code) {
    case 'PAUSED': return '||';
    case 'ENDED': return '[]';
    case 'RESTARTING': return '..';
    case 'FAILED': return 'x';
    // A photo does not play: its time reads "still", with no play mark before it.
    case 'STILL': return '=';
    default: return '>';
  }
}

/** Why `output` cannot show the picture, or null when it can. */
function whyNoPicture(output: NodeJS.WriteStream, env: NodeJS.ProcessEnv): string | null {
  // Escape codes for a screen of unknown size, into a file or a pipe, help nobody.
  if (!output.isTTY) return 'the picture needs a terminal, and stdout is not one (a browser or another program can watch `ascii360 serve`)';
  // TERM=dumb (Emacs' shell, a CI log, a serial console) says the terminal cannot move its cursor:
  // a full screen drawn there is a scroll of escape codes.
  if (env['TERM'] === 'dumb') return 'the picture needs a terminal that can move its cursor, and TERM=dumb says this one cannot: run it in a terminal emulator, or set TERM to what the terminal is (e.g. TERM=xterm-256color)';
  return null;
}

export async function runTerminalClient(opts: TerminalClientOptions): Promise<ClientExit> {
  const output = opts.output ?? process.stdout;
  const input = opts.input ?? process.stdin;
  const depth = opts.color ?? detectColorDepth(process.env);
  const palette = paletteOf(depth);
  const mode = modeFor(depth, opts.mode);
  let link: ServerLink | null = null;
  const codec = opts.codec ?? 'tagged';
  // Named only when the user named one: otherwise the server's --quality applies.
  const quality = codec === 'tagged' ? opts.quality : undefined;
  // Before the link exists nothing is sent.
  const player: PlayerController = new PlayerController({
    send: (message) => link?.send(message),
    requestStyle: (style, chosen) => {
      wanted = chosen;
      if (style === toldStyle) return;
      toldStyle = style;
      link?.send({ type: 'style', style, palette });
    },
    fitStyle: (style) => styleForGrid(grid, style),
  }, { camera: opts.camera, view: opts.view, style: opts.style, blocksOff: opts.blocksOff, autoRotate: opts.autoRotate, now: () => performance.now() });
  const view = player.view;

  let grid = gridOf(output);
  /** The grid the server was last told (in the URL or a resize). */
  let told = { cols: 0, rows: 0 };
  /**
   * The style the user chose (`--style`, `s`, `b`). A terminal too large for its samples (mosaic's
   * 32 a cell past about 250×75) shows the best style that fits (styleForGrid) and comes back to it
   * when it is smaller again: the picture always fills the window.
   */
  let wanted: StyleName = opts.style;
  /** The style the server was last asked for (the URL, a style message): what its grid is checked against. */
  let toldStyle: StyleName = opts.style;
  /** `style` (the one chosen), or where the grid is too large for it, the best that fits and this terminal draws (terminal-styles.ts). */
  const styleForGrid = (g = grid, style = wanted): StyleName => fittedStyle(style, g.cols, g.rows, process.env);

  /**
   * The URL for the first connect and every reconnect: what is on screen now, so a new server
   * (another one behind the same front) shows the same picture. Before the first INIT a view left
   * unsaid is the server's to choose (the file's initial view, PROTOCOL-NOTES.md §2 fields 13–15);
   * after it, queryView gives all of it. The mode and style are the last INIT's (`m`, `s` change
   * them), or a style asked for and not yet confirmed.
   */
  function connectUrl(): string {
    told = { cols: grid.cols, rows: grid.rows };
    toldStyle = styleForGrid();
    return viewUrl(opts.url, {
      cols: grid.cols, rows: grid.rows, aspect: CELL_ASPECT, mode: player.modeAsked ?? mode,
      style: toldStyle, palette, ...player.queryView(), camera: player.queryCamera(), codec, quality,
    });
  }

  // Opened before the screen is taken over, so "server unreachable" is a plain line. A server slow
  // to answer (one that accepts and says nothing holds us for the handshake's 5 s) is said to be
  // waited for after a moment, and q or Ctrl-C leave.
  let first: OpenSocket | null;
  let announced = false;
  let stopKeys = (): void => {};
  let quitWaiting = (): void => {};
  const quitPressed = new Promise<null>((resolve) => (quitWaiting = () => resolve(null)));
  const announce = setTimeout(() => {
    if (!output.isTTY) return;
    announced = true;
    output.write(`ascii360: connecting to ${shownUrl(opts.url)}${ELLIPSIS} (q quits)`);
    stopKeys = quitKeys(quitWaiting);
  }, CONNECT_ANNOUNCE_MS);
  const socket = openSocket(connectUrl());
  try {
    first = await Promise.race([socket, quitPressed]);
  } catch (error) {
    return { code: 1, message: `cannot connect to ${shownUrl(opts.url)}: ${(error as Error).message}` };
  } finally {
    clearTimeout(announce);
    stopKeys();
    if (announced) eraseLine();
  }
  if (first === null) {
    // Quit while waiting: the handshake, if it ever ends, is closed unseen.
    socket.then((s) => s.ws.terminate(), () => {});
    return { code: 0, message: '' };
  }

  const cannotShow = whyNoPicture(output, process.env);
  if (cannotShow) {
    first.ws.close();
    return { code: 1, message: cannotShow };
  }

  // Sound starts with the picture; without a player we say so once and play silent.
  let sound: AudioPlayback | null = opts.audio ? await startAudio(opts.url, (note) => showNotice(note)) : null;
  /** Bumped when the sound is stopped: a player that starts after that (a slow restart) is stopped at once. */
  let soundGeneration = 0;

  const screen = blessed.screen({ input, output, smartCSR: true, fullUnicode: true, warnings: false, title: 'ascii360', autoPadding: false, dockBorders: false });
  const statusBar = blessed.box({ parent: screen, bottom: 0, left: 0, height: 1, width: '100%', style: { fg: 'black', bg: 'white' } });
  // blessed's wrap off: help-text.ts wraps the descriptions at their words for the width (fitHelp).
  const help = blessed.box({
    parent: screen, top: 'center', left: 'center', width: HELP_WIDTH, height: HELP_HEIGHT, hidden: true, border: { type: 'line' }, wrap: false,
    label: ' ascii360 keys ', content: helpText(HELP_HEIGHT - 2).join('\n'), padding: { left: 1, right: 1 },
    style: { fg: 'white', bg: 'black', border: { fg: 'white' } },
  });
  const tooSmall = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%', hidden: true, content: `too small: needs ${MIN_COLS}x${MIN_ROWS + 1}`, style: { fg: 'white', bg: 'black' } });
  // SGR mouse (1006) with button-motion tracking (1002), on top of blessed's defaults: drags and
  // wheels. blessed keeps mouse reports out of key presses; we read the reports (sgr-mouse.ts).
  screen.enableMouse();
  screen.program.setMouse({ sgrMouse: true, cellMotion: true, vt200Mouse: true }, true);

  const renderer = new VideoRenderer({ depth, syncOutput: opts.sync, tolerance: opts.tolerance });
  const tolerance = new ToleranceGovernor(opts.tolerance, (opts.frameBudgetKiB ?? DEFAULT_FRAME_BUDGET_KIB) * 1024);
  let lastTurn = 0;
  // One timer, re-armed (refresh) by each frame drawn at a raised tolerance: none made per frame.
  const settleTimer = setTimeout(() => settle(), SETTLE_MS);
  renderer.setRegion(0, 0, grid.cols, grid.rows);

  let latest: ReceivedFrame | null = null;
  /** `latest` came while the picture was shown: passed over, it counts as dropped. */
  let latestShowable = false;
  /**
   * Until then (performance.now() ms; 0: none), frames come from the backlog read on `fg`: sent
   * while we were stopped, they are passed over unseen like those that came while suspended, not
   * dropped by a slow terminal (a `view` of 4 s away counted most of its 120 frames as drops), and
   * are not in the fps figures.
   */
  let backlogUntil = 0;
  /**
   * The frame last drawn, to draw again where no next frame will come to repaint the picture
   * (a photo, a paused video): decoded frames are new arrays the client owns (protocol/codec.ts).
   */
  let shownFrame: ReceivedFrame | null = null;
  /** `latest` is `shownFrame` again, not the server's: not counted as shown, nor as a frame arriving. */
  let latestAgain = false;
  let writing = false;
  let received = 0;
  let shown = 0;
  let dropped = 0;
  let lastBytes = 0;
  /** Bytes written since the last fps tick, and their mean per frame shown over the last second (the status line's figure: one frame's alone flickered between 0 and 8 KB). */
  let bytesThisSecond = 0;
  let bytesPerFrame = 0;
  let fpsIn = 0;
  let fpsShown = 0;
  let notice = '';
  let noticeTimer: NodeJS.Timeout | null = null;
  /** The last notice that a grid too large for the chosen style shows another. */
  let fallbackNotice = '';
  let viewTimer: NodeJS.Timeout | null = null;
  let lastDrawn = 0;
  /** From Ctrl-Z until the shell continues us: nothing is drawn. */
  let suspended = false;
  /** While suspended: brings blessed's screen back (alternate screen, raw input, mouse, output). */
  let resumeScreen: (() => void) | null = null;
  /** While the connection is lost: the try coming next, when it starts (Date.now() ms) and why it was lost; null while connected. */
  let down: { attempt: number; why: string; retryAt: number } | null = null;
  let finished: ((exit: ClientExit) => void) | null = null;
  const done = new Promise<ClientExit>((resolve) => (finished = resolve));

  const tooSmallNow = (): boolean => (output.columns || 80) < MIN_COLS || (output.rows || 24) < MIN_ROWS + 1;

  const serverLink = link = new ServerLink(first, connectUrl, codec, inflateFrame, {
    init(info) {
      player.onInit(info);
      // A new shape: whatever is on screen no longer matches the model's idea of the frame.
      renderer.invalidate();
      // Another style than the one chosen, for a grid too large for it: said while it lasts, and
      // unsaid once the chosen one is back (it stayed up to NOTICE_MS, naming a style no longer shown).
      if (info.mode !== 1 && info.style !== wanted && styleForGrid() !== wanted) showNotice(fallbackNotice = `${wanted} is more samples than a grid this large may take: ${info.style}`);
      else withdrawNotice(fallbackNotice);
    },
    status(status) {
      player.onStatus(status);
      updateStatus();
    },
    frame(frame) {
      if (backlogUntil !== 0 && performance.now() >= backlogUntil) backlogUntil = 0;
      // The fps figures are the stream's: frames read while stopped (before our SIGCONT handler
      // runs) or from the backlog came faster than it plays (`212/29 fps` the second after `fg`).
      if (!suspended && backlogUntil === 0) received++;
      // A drop is a frame the terminal was too slow to show, not one passed over while the
      // picture is hidden (help, too small, suspended) or sent while it was (the backlog).
      if (latest && latestShowable) dropped++;
      // Replaced before it was drawn: its array takes a later frame (unless it is the one on screen again).
      if (latest && latest !== shownFrame) serverLink.recycle(latest);
      latest = frame;
      latestAgain = false;
      latestShowable = !videoHidden() && backlogUntil === 0;
      player.onFrameShown(frame.index);
      draw();
    },
    error(message) {
      // A refused style (too many samples for the grid) leaves the one the server last confirmed,
      // and the grid is checked against that one again.
      player.onError();
      toldStyle = player.style;
      showNotice(`server: ${message}`);
    },
    lost(attempt, why, retryAt) {
      // The last picture stays; the sound's stream went with the server.
      down = { attempt, why, retryAt };
      stopSound();
      updateStatus();
    },
    restored() {
      down = null;
      // Its INIT and STATUS come next: the time is theirs until its first frame.
      player.onLinkOpen();
      // Resized during the handshake: the URL had the old grid.
      if (!tooSmallNow() && (told.cols !== grid.cols || told.rows !== grid.rows)) sendResize();
      if (opts.audio) void restartSound();
      showNotice('reconnected');
    },
    closed(code, reason) {
      // The server said ENDED before closing: the last line says so, with the file's length.
      const ended = player.timeline?.code === 'ENDED' ? `ended at ${clock(player.timeline.position ?? 0)}` : 'end of stream';
      if (code === null) finish({ code: 1, message: `cannot reconnect to ${shownUrl(opts.url)}: ${reason}` });
      else if (code === CloseCode.END_OF_STREAM) finish({ code: 0, message: ended });
      // A full server at the first connect: its own words say what to do (try again later).
      else if (code === CloseCode.TRY_AGAIN_LATER && reason) finish({ code: 1, message: reason });
      else finish({ code: 1, message: `connection closed by the server (${code}${reason ? ` ${reason}` : ''})` });
    },
  });

  function stopSound(): void {
    soundGeneration++;
    sound?.stop();
    sound = null;
  }

  /** A new player on the new server's /audio; its note only when it cannot play. */
  async function restartSound(): Promise<void> {
    stopSound();
    const generation = soundGeneration;
    const next = await startAudio(opts.url, (note) => showNotice(note));
    if (generation !== soundGeneration || !finished) {
      next.stop();
      return;
    }
    sound = next;
    if (!next.player) showNotice(next.note);
  }

  function showNotice(text: string): void {
    notice = text;
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      notice = '';
      updateStatus();
    }, NOTICE_MS);
    updateStatus();
  }

  /** `text`'s notice gone before its time, where it is still the one shown (a later one keeps its time). */
  function withdrawNotice(text: string): void {
    if (text === '' || notice !== text) return;
    notice = '';
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = null;
    updateStatus();
  }

  function videoHidden(): boolean {
    return suspended || !help.hidden || tooSmallNow();
  }

  function draw(): void {
    if (writing || !latest || videoHidden()) return;
    const frame = latest;
    const again = latestAgain;
    latest = null;
    latestAgain = false;
    // The frame it replaces on screen is read no more (the renderer keeps its own copy of what it drew).
    if (shownFrame && shownFrame !== frame) serverLink.recycle(shownFrame);
    shownFrame = frame;
    renderer.setTolerance(tolerance.next(lastBytes, performance.now() - lastTurn < TURNING_MS));
    const bytes = renderer.renderFrame(frame);
    // A frame drawn again is no news: a key pressed now still sends its view at once (viewChanged).
    if (!again) {
      if (backlogUntil === 0) shown++;
      lastDrawn = performance.now();
    }
    lastBytes = bytes.length;
    bytesThisSecond += bytes.length;
    if (tolerance.current > opts.tolerance) settleTimer.refresh();
    sendView();
    if (bytes.length === 0) return;
    writing = true;
    // The bytes are a view into the renderer's buffer: nothing is rendered until this write is done.
    output.write(bytes, () => {
      writing = false;
      draw();
    });
  }

  /** Draws the newest frame, or the one on screen again when none is waiting. */
  function redraw(): void {
    if (!latest && shownFrame) {
      latest = shownFrame;
      latestAgain = true;
      // Not a frame from the server: one arriving behind it is not a drop.
      latestShowable = false;
    }
    draw();
  }

  /** No frame for SETTLE_MS: once the view rests too, the picture drawn again at the configured tolerance. */
  function settle(): void {
    if (tolerance.current <= opts.tolerance) return;
    if (latest || writing || performance.now() - lastTurn < TURNING_MS) {
      settleTimer.refresh();
      return;
    }
    tolerance.rest();
    redraw();
  }

  /**
   * At most one view message per displayed frame; a timer covers the case of no frames at all.
   * While the link is down the view stays pending (the reconnect URL carries it, and a change made
   * during the handshake goes with the first frame after).
   */
  function sendView(): void {
    if (viewTimer) clearTimeout(viewTimer);
    viewTimer = null;
    if (!serverLink.open) return;
    const message = player.tick();
    if (message) {
      serverLink.send(message);
      lastTurn = performance.now();
    }
  }

  function viewChanged(): void {
    const now = performance.now();
    lastTurn = now;
    // Frames arriving: the view goes with the next one drawn (one message a frame). None lately
    // (paused, a photo): at once, so a key press is answered without waiting for a frame.
    if (!viewTimer) viewTimer = setTimeout(sendView, now - lastDrawn > VIEW_FALLBACK_MS ? 0 : VIEW_FALLBACK_MS);
    updateStatus();
  }

  /**
   * The lost connection on the status line, as the page's banner says it: why, then the next try's
   * countdown while it waits (Enter starts it), then that it is trying. A narrower line first drops
   * the why's bracketed detail (`server not answering (connection refused)`, connect-failure.ts),
   * rather than cut the countdown, then cuts the end.
   */
  function downField(d: { attempt: number; why: string; retryAt: number }): StatusField {
    const wait = Math.ceil((d.retryAt - Date.now()) / 1000);
    const text = (why: string): string => (wait > 0 ? `${why}: reconnecting in ${wait} s (Enter: now; attempt ${d.attempt})` : `${why}: reconnecting${ELLIPSIS} (attempt ${d.attempt})`);
    const brief = d.why.replace(/ \([^()]*\)$/, '');
    // Shortened once the mode, the depth and a camera's name are gone (4.8), before `? help` (5).
    return { text: text(d.why), short: brief !== d.why ? { text: text(brief), keep: 4.9 } : undefined, keep: 9, cut: { from: 5, suffix: '  |' } };
  }

  function updateStatus(): void {
    const init = player.init;
    const timeline = player.timeline;
    // Mode 1 makes text of every style but half, whose frames stay pixels, in grey (PROTOCOL-NOTES
    // §2.1): named for what is drawn. `text` over grey half blocks named a picture not on screen.
    const drawn = init?.mode === 1 && !init.pixel ? 'text' : player.style;
    const time = !init ? '--:--' : timeLabel(init, timeline?.code, player.position());
    const fields: StatusField[] = [
      // First, so a narrow terminal still shows them.
      // Cut, rather than the time, the style and `? help` pushed off.
      down ? downField(down) : { text: '', keep: 9 },
      { text: notice, keep: 8, cut: { from: 5, suffix: '  |' } },
      // Lost, the server's timeline is unknown until it answers (a new server, another viewer's
      // pause): the clock stays where the last frame left it, with no mark that claims play or pause.
      { text: down ? time : `${timelineMark(timeline)} ${time}${timeline?.code === 'ENDED' ? ' ended' : timeline?.code === 'FAILED' ? ' failed' : ''}`, keep: 7 },
      {
        text: `${drawn} m${init?.mode ?? '-'} ${depth}${view.camera === 'flat' ? '' : ` ${view.camera}`}${player.motion.autoRotate ? ' auto' : ''}`,
        // The style and camera, then the style alone, before `? help` goes.
        short: {
          text: `${drawn}${view.camera === 'flat' ? '' : ` ${view.camera}`}`,
          keep: 4.5,
          short: { text: drawn, keep: 4.8 },
        },
        keep: 6,
      },
      {
        text: `yaw ${wholeDegrees(view.yaw)} pitch ${wholeDegrees(view.pitch)} roll ${wholeDegrees(view.roll)} fov ${wholeDegrees(view.fov)}`,
        short: { text: `yaw ${wholeDegrees(view.yaw)} pitch ${wholeDegrees(view.pitch)}${wholeDegrees(view.roll) === '0' ? '' : ` roll ${wholeDegrees(view.roll)}`} fov ${wholeDegrees(view.fov)}`, keep: 2 },
        keep: 4,
      },
      { text: `${fpsIn}/${fpsShown} fps`, short: { text: `${fpsShown} fps`, keep: 2 }, keep: 3 },
      { text: `dropped ${dropped}`, keep: dropped > 0 ? 2 : 1 },
      { text: `${(bytesPerFrame / 1024).toFixed(1)} KB/frame${tolerance.current > opts.tolerance ? ` (tolerance ${tolerance.current})` : ''}`, keep: 0 },
      { text: '? help', keep: 5 },
    ];
    statusBar.setContent(fitStatusLine(fields, Math.max(0, (output.columns || 80) - 1), ELLIPSIS));
    screen.render();
  }

  /** The help box within the terminal, above the status line. */
  function fitHelp(): void {
    const rows = (output.rows || 24) - 1;
    help.width = Math.min(HELP_WIDTH, output.columns || 80);
    // Narrower than HELP_WIDTH the descriptions wrap, and the whole help is taller than HELP_HEIGHT.
    help.height = Math.min(helpText(Infinity, (help.width as number) - 4).length + 2, Math.max(3, rows));
    help.setContent(helpText((help.height as number) - 2, (help.width as number) - 4).join('\n'));
    help.top = Math.max(0, Math.floor((rows - (help.height as number)) / 2));
  }

  function relayout(): void {
    fitHelp();
    grid = gridOf(output);
    const small = tooSmallNow();
    // Out of too small with the help open, nothing would draw over the notice's line: blessed
    // forgets what it drew, and paints the whole screen afresh.
    if (tooSmall.hidden === small) screen.alloc();
    // Into too small: the help would stay open unseen behind the notice, and the next q only close it.
    if (small) help.hidden = true;
    tooSmall.hidden = !small;
    renderer.setRegion(0, 0, grid.cols, grid.rows);
    renderer.invalidate();
    // While down the reconnect URL carries the grid.
    if (!tooSmallNow() && serverLink.open) sendResize();
    screen.render();
    // The picture back at once where it still fits: for a grid it already has (back from too
    // small, or from Ctrl-Z, at the same size) the server sends no frame, and a photo or a paused
    // video none at all (the screen stayed blank). A new grid's frame comes from the server.
    if (shownFrame && shownFrame.cols === grid.cols && shownFrame.rows <= grid.rows) repaint();
  }

  /**
   * The whole screen drawn again: blessed from a fresh buffer (it knows nothing of the picture under
   * its boxes, and against its own idea of the screen skipped their spaces, the picture showing
   * through), then, with `picture`, the picture over it.
   */
  function drawAfresh(picture: boolean): void {
    screen.alloc();
    screen.render();
    renderer.invalidate();
    if (picture) repaint();
  }

  /** The picture drawn again over what blessed just painted: its paint goes out on the next tick, flushed now so it lands first. */
  function repaint(): void {
    screen.program.flush();
    redraw();
  }

  /**
   * Tells the server the new grid, and the style for it where that changes (styleForGrid). The
   * server refuses a style the grid it has cannot take, and a grid the style it has cannot: the
   * style with fewer samples goes first, the other after the grid.
   */
  function sendResize(): void {
    told = { cols: grid.cols, rows: grid.rows };
    // Against what the server was last asked, not its last INIT: resizes can come faster than INITs.
    const current = toldStyle;
    const next = styleForGrid();
    const style = (): void => {
      if (next === current) return;
      toldStyle = next;
      serverLink.send({ type: 'style', style: next, palette });
    };
    const fewer = sampleCount(1, 1, next) < sampleCount(1, 1, current);
    if (fewer) style();
    serverLink.send({ type: 'resize', cols: grid.cols, rows: grid.rows, aspect: CELL_ASPECT });
    if (!fewer) style();
  }

  /** A key's action: the player does it; help and quit are this shell's. */
  function act(action: Action): void {
    if (depth === 'mono' && MONO_KEEPS.has(action)) {
      // Colour modes and fitted styles draw with colour pairs a monochrome terminal drops: the
      // picture would be shapes of either polarity, mostly blank. Text (mode 1) is its picture.
      showNotice('monochrome: stays text (see --color)');
      return;
    }
    switch (player.act(action)) {
      case 'quit':
        finish({ code: 0, message: '' });
        return;
      case 'help':
        help.hidden = !help.hidden;
        fitHelp();
        // Closed: the picture back at once, not at the next frame, which a photo or a paused
        // video never sends (the screen stayed blank).
        drawAfresh(help.hidden);
        return;
      default:
        if (view.pending) viewChanged();
        else updateStatus();
        // Mode 1 draws text whatever the style (half blocks aside, in grey): the new style is kept
        // for the colour modes, and said so, or `s` looked like a key that does nothing.
        if ((action === 'cycle-style' || action === 'cycle-style-back') && player.mode === 1 && (player.requested ?? player.style) !== 'half') {
          showNotice(`${player.requested ?? player.style} kept for colour (m): mode 1 is text`);
        }
    }
  }

  /** blessed's terminfo capabilities, written as the terminal's own entry spells them (not in its types). */
  const terminfo = (): { keypad_local(): void; keypad_xmit(): void } => (screen.program as unknown as { put: { keypad_local(): void; keypad_xmit(): void } }).put;

  /**
   * Ctrl-Z, as in every full-screen terminal program: the terminal goes back to the shell as it was
   * (blessed's pause: main screen, cursor, no mouse reports, cooked input), the process stops, and
   * the shell's `fg` brings the picture back, redrawn whole. The sound stops with it.
   */
  async function suspend(): Promise<void> {
    if (suspended) return;
    suspended = true;
    const init = player.init;
    const pausing = opts.pauseWhileSuspended === true && serverLink.open && player.timeline?.code === 'PLAYING' && !!init && !init.live && init.duration > 0;
    if (pausing) {
      player.setPaused(true);
      const deadline = performance.now() + SUSPEND_PAUSE_WAIT_MS;
      while (!player.paused && performance.now() < deadline && finished) await new Promise((r) => setTimeout(r, 10));
    }
    if (!finished) return;
    stopSound();
    // blessed's pause leaves the cursor keys and keypad in application mode, which the shell's line
    // editor does not read (arrows printed as `^[OA`): they go back as the screen's leave puts them.
    terminfo().keypad_local();
    resumeScreen = screen.program.pause() as () => void;
    let continued = false;
    // Continued in the background (`bg`, or `kill %1`, which sends SIGCONT after its SIGTERM):
    // the terminal is not ours to take back, and changing its modes would stop us again
    // (SIGTTOU). The picture waits for the `fg` that continues us in the foreground.
    const onSignal = (): void => {
      if (inForeground()) onContinue(true);
    };
    const onContinue = (stopped: boolean): void => {
      if (continued) return;
      continued = true;
      process.off('SIGCONT', onSignal);
      suspended = false;
      // Ended while stopped (`kill %1`: SIGTERM, then SIGCONT): finish has put the terminal back.
      if (!finished) return;
      resumeScreen?.();
      resumeScreen = null;
      terminfo().keypad_xmit();
      // blessed's resume brings back its own mouse modes, not the SGR drag reports we asked for.
      screen.program.setMouse({ sgrMouse: true, cellMotion: true, vt200Mouse: true }, true);
      // Whatever the shell printed is on the main screen; the alternate one may have been cleared, and the terminal resized.
      screen.alloc();
      // A write muted by the pause never calls back.
      writing = false;
      relayout();
      // A resize while stopped signalled the shell, the foreground job then, not us: our own
      // SIGWINCH has Node read the size again, and blessed's resize lays out anew.
      if (output === process.stdout) process.kill(process.pid, 'SIGWINCH');
      if (pausing) player.setPaused(false);
      if (opts.audio) void restartSound();
      if (!stopped) showNotice('Ctrl-Z: no shell with job control to suspend to');
      updateStatus();
      // Really stopped, the server's frames piled up in the socket meanwhile (ignored, none did).
      if (stopped && serverLink.afterBacklog(() => (backlogUntil = 0))) backlogUntil = performance.now() + BACKLOG_MAX_MS;
    };
    process.on('SIGCONT', onSignal);
    process.kill(process.pid, 'SIGTSTP');
    setTimeout(() => {
      if (inForeground()) onContinue(false);
    }, SUSPEND_IGNORED_MS);
  }

  screen.on('keypress', (ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean }) => {
    if (key.full === 'C-c') {
      finish({ code: 0, message: '' });
      return;
    }
    if (key.full === 'C-z') {
      void suspend();
      return;
    }
    if (key.ctrl && /^C-[a-z]$/.test(key.full ?? '')) {
      // Ctrl-L redraws the whole screen, as in most full-screen programs; no other Ctrl-letter is
      // ours (blessed names Ctrl-Q `q`: read as the letter, it quit). Ctrl-arrows still look around.
      if (key.full === 'C-l') drawAfresh(help.hidden);
      return;
    }
    if (!help.hidden && ch !== '?') {
      act('help');
      return;
    }
    // Too small, the help would open unseen behind the notice, and the next q only close it.
    if (ch === '?' && help.hidden && tooSmallNow()) return;
    // While the server is away, Enter tries again now rather than at the end of the backoff.
    if (down && (key.name === 'enter' || key.name === 'return') && serverLink.retryNow()) {
      down.retryAt = Date.now();
      updateStatus();
      return;
    }
    const action = (ch !== undefined ? KEYMAP[ch] : undefined) ?? (key.name ? KEYMAP[key.name] : undefined);
    if (action) act(action);
  });

  // Dragging grabs the scene: moving the mouse right turns the view left, as in web 360° viewers.
  let drag: { x: number; y: number } | null = null;
  const onMouse = (m: MouseEvent): void => {
    switch (m.action) {
      case 'wheel-up':
        player.zoom(1 / 1.1);
        break;
      case 'wheel-down':
        player.zoom(1.1);
        break;
      case 'press':
        drag = { x: m.x, y: m.y };
        player.dragStart();
        return;
      case 'release':
        if (drag) player.dragEnd();
        drag = null;
        return;
      case 'drag': {
        if (!drag) {
          drag = { x: m.x, y: m.y };
          player.dragStart();
          return;
        }
        const degPerCol = view.fov / grid.cols;
        const vfov = verticalFovDegrees(view.fov, grid.cols, grid.rows, CELL_ASPECT, view.camera);
        player.dragBy(-(m.x - drag.x) * degPerCol, (m.y - drag.y) * (vfov / grid.rows));
        drag = { x: m.x, y: m.y };
        break;
      }
      case 'move':
        return;
    }
    viewChanged();
  };
  const mouseDecoder = new TextDecoder();
  screen.program.on('data', (data: Buffer) => {
    for (const m of parseSgrMouse(mouseDecoder.decode(data, { stream: true }))) onMouse(m);
  });

  screen.on('resize', relayout);

  let lastReceived = 0;
  let lastShown = 0;
  const fpsTimer = setInterval(() => {
    fpsIn = received - lastReceived;
    fpsShown = shown - lastShown;
    bytesPerFrame = fpsShown > 0 ? bytesThisSecond / fpsShown : 0;
    bytesThisSecond = 0;
    lastReceived = received;
    lastShown = shown;
  }, 1000);
  const statusTimer = setInterval(updateStatus, STATUS_INTERVAL_MS);
  // The view moving by itself (inertia, auto-rotate) with no frames to carry it (paused, a photo).
  const motionTimer = setInterval(() => {
    if (player.animating && performance.now() - lastDrawn > MOTION_STEP_MS) sendView();
  }, MOTION_STEP_MS);

  const onSignal = (): void => finish({ code: 0, message: '' });
  const onHangup = (): void => finish({ code: 129, message: '', terminal: 'gone' });
  // A write or mode change on a terminal that has gone fails (EIO) as an 'error' event, which
  // would crash us: it is the hangup, whether or not its SIGHUP came first. Kept for good: blessed
  // still writes to it as it is destroyed.
  output.on('error', onHangup);
  input.on('error', onHangup);
  const onCrash = (error: unknown): void => finish({ code: 1, message: `unexpected error: ${error instanceof Error ? error.message : String(error)}` });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangup);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  function finish(exit: ClientExit): void {
    if (!finished) return;
    const resolve = finished;
    finished = null;
    clearInterval(fpsTimer);
    clearInterval(statusTimer);
    clearInterval(motionTimer);
    if (noticeTimer) clearTimeout(noticeTimer);
    if (viewTimer) clearTimeout(viewTimer);
    clearTimeout(settleTimer);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHangup);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    stopSound();
    serverLink.dispose();
    // Ended while suspended (`kill %1`: SIGTERM, then SIGCONT): the terminal is the shell's as
    // blessed's pause left it, and stays so. Its output stays muted, and its screen is not brought
    // back: a background job changing the terminal's modes is stopped again (SIGTTOU).
    const ended: ClientExit = resumeScreen && !inForeground() ? { ...exit, terminal: 'background' } : exit;
    resumeScreen = null;
    // Leave our SGR and synchronized-output state behind before blessed restores the rest
    // (alternate screen, cursor, mouse modes, keypad).
    if (ended.terminal !== 'gone') output.write('\x1b[?2026l\x1b[0m');
    screen.destroy();
    resolve(ended);
  }

  updateStatus();
  // What the server guessed about the picture first: a wrong guess is a wrong picture.
  if (typeof opts.notice === 'string') showNotice(opts.notice);
  else if (sound) showNotice(sound.note);
  if (opts.notice instanceof Promise) {
    void opts.notice.then((told) => {
      if (told && finished) showNotice(told);
    });
  }
  if (tooSmallNow()) relayout();
  return done;
}
