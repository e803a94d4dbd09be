/**
 * One player for both clients (STYLE.md §4.5): what a key, a drag or a server message does, written
 * once. The terminal and the browser are shells around it: they turn their input events into calls
 * here and render what it says; what goes to the server leaves through `shell.send`.
 *
 * It holds the view (view-controller.ts) and its motion (view-motion.ts: drag inertia, auto-rotate;
 * devicePose: the page's gyro, its yaw relative and its pitch and roll absolute),
 * the timeline exactly as the server last reported it (STATUS:, PROTOCOL-NOTES.md §2.1: a pause is
 * asked for, and shown only once the server says so), the style asked for and the one confirmed by
 * INIT, and the keymap's actions (keymap.ts).
 */
import { DEFAULT_MODE, STYLE_NAMES, wrapDegrees, type CameraName, type ClientMessage, type InitInfo, type Mode, type StyleName, type TimelineStatus, type ViewMessage } from '../../../protocol/index.js';
import { jumpTenths, type Action } from './keymap.js';
import { CAMERA_START_FOV, ViewController, type ViewAngles } from './view-controller.js';
import { ViewMotion } from './view-motion.js';

/** A view moving by itself goes out at most this often: 30 a second, a still photo's too (its INIT says 1 fps). */
const MOTION_VIEW_MS = 1000 / 30;
/**
 * Device look moves the view only by more than this: a phone held still quivers by hundredths of a
 * degree, and every view sent is a picture the server renders again (a still photo's included).
 */
const DEVICE_STILL_DEG = 0.1;
/** `[` and `]` seek by this much. */
export const SEEK_STEP_S = 10;
/**
 * A seek counts as landed once the position shown has moved this far from where it was asked, or
 * after SEEK_PENDING_MS: until then, presses step on from its target, so `]]]` typed (or pasted)
 * faster than frames come goes 30 s on, not 10.
 */
const SEEK_LANDED_S = 2;
const SEEK_PENDING_MS = 2000;
/**
 * A pause or play asked for and not yet confirmed by STATUS: a second press within this long
 * toggles from what was asked, so two quick presses pause and play again (as in mpv) rather than
 * ask to pause twice on a slow link. After it the server's word alone counts (a lost answer).
 */
const PAUSE_PENDING_MS = 2000;

/** The style `s` (step 1) or `S` (step −1) goes to from `style`, in STYLE_NAMES order. */
export function nextStyle(style: StyleName, step: 1 | -1 = 1): StyleName {
  const i = STYLE_NAMES.indexOf(style);
  return STYLE_NAMES[(i + step + STYLE_NAMES.length) % STYLE_NAMES.length]!;
}

/** Colour modes in the order `m` cycles through them: full colour first, then fewer bits, then mono. */
export const MODE_CYCLE = [5, 4, 3, 2, 1] as const;

export function nextMode(mode: number): (typeof MODE_CYCLE)[number] {
  const i = MODE_CYCLE.indexOf(mode as (typeof MODE_CYCLE)[number]);
  return MODE_CYCLE[(i + 1) % MODE_CYCLE.length]!;
}

export interface PlayerShell {
  /** A message for the server (the shell drops it while disconnected). */
  send(message: ClientMessage): void;
  /**
   * Asks the server for a style: the shell knows its palette and whether its grid must shrink
   * first. `chosen`: the style the user chose, where the shell shows another for it (fitStyle).
   */
  requestStyle(style: StyleName, chosen: StyleName): void;
  /**
   * The style the shell shows for `style` at its grid now: itself, or one with fewer samples (a
   * terminal too large for mosaic's). `s` and `S` pass over styles shown as another. Absent: every
   * style as itself (the browser makes its cells larger instead).
   */
  fitStyle?(style: StyleName): StyleName;
}

export interface PlayerOptions {
  camera?: CameraName;
  /** Directions asked for (flags, URL); unsaid ones are the server's to choose (INIT fields 13–15). */
  view?: Partial<ViewAngles>;
  style: StyleName;
  /**
   * The style `b` leaves half blocks for where the player started in them and has shown no other:
   * the shell's own default (the terminal's, terminal-styles.ts). Default mosaic, the page's. Always
   * mosaic was a style a terminal not known to draw sextants shows as boxes, and LANG=C as junk.
   */
  blocksOff?: StyleName;
  autoRotate?: boolean;
  /** ms, monotonic: `performance.now()`, or a test's fake clock. */
  now: () => number;
}

/** Actions the shell performs itself: the controller has no screen or process to act on. */
export type ShellAction = 'help' | 'quit';

export class PlayerController {
  readonly view: ViewController;
  readonly motion: ViewMotion;
  /** The server's last INIT, null before the first. */
  init: InitInfo | null = null;
  /** The timeline as the server last said it; null before it has. */
  timeline: TimelineStatus | null = null;
  /** The style the frames have (the last INIT's). */
  style: StyleName;
  /** A style asked for and not yet confirmed by an INIT: quick presses step on from it. */
  requested: StyleName | null = null;
  /** The index of the frame on screen; −1 before the first. Kept through a reconnect: the old picture stays up. */
  private shownIndex = -1;
  /** A frame of this connection has been shown (onFrameShown since onLinkOpen). */
  private linkShown = false;
  /**
   * Where this connection's INIT, then its STATUS, say the timeline is, until its first frame is
   * shown; null once one is. After a reconnect the frame on screen is the old connection's: its
   * moment read as the time (and `]` stepped from it) for as long as the new server took to send
   * a frame, though the timeline had moved on without us.
   */
  private told: number | null = null;
  /** When the last view message was given out (tick). */
  private lastViewAt = -Infinity;
  /** A mode asked for and not yet confirmed by an INIT: quick `m` presses step on from it. */
  private requestedMode: Mode | null = null;
  /** The last seek asked for: its target, the position shown when it was asked, and when. */
  private seeking: { target: number; from: number; at: number } | null = null;
  /** A pause (true) or play (false) asked for and not yet confirmed, and when. */
  private pauseAsked: { paused: boolean; at: number } | null = null;
  /** The style `b` returns to from half blocks. */
  private beforeHalf: StyleName;
  /** No direction was asked for: the first INIT says where the server started this viewer. */
  private readonly awaitingStart: boolean;
  /** A camera was asked for; else the first INIT says which (serve --camera). */
  private readonly cameraNamed: boolean;
  /** Device look is on (devicePose). */
  private deviceLook = false;
  /** The device's yaw the view last turned with; NaN until the first pose since device look went on. */
  private deviceYaw = NaN;
  /** The device moved the view since the last view message. */
  private deviceMoved = false;

  constructor(
    private readonly shell: PlayerShell,
    private readonly opts: PlayerOptions,
  ) {
    const camera = opts.camera ?? 'flat';
    const v = opts.view ?? {};
    this.view = new ViewController({ yaw: v.yaw ?? 0, pitch: v.pitch ?? 0, roll: v.roll ?? 0, fov: v.fov ?? CAMERA_START_FOV[camera] }, camera);
    this.motion = new ViewMotion(this.view, opts.now(), opts.autoRotate ?? false);
    this.style = opts.style;
    this.beforeHalf = opts.style === 'half' ? (opts.blocksOff ?? 'mosaic') : opts.style;
    this.awaitingStart = v.yaw === undefined && v.pitch === undefined && v.fov === undefined;
    this.cameraNamed = opts.camera !== undefined;
  }

  /** The directions to put in the connection's query: only those asked for, until the server has said where we are. */
  queryView(): Partial<ViewAngles> {
    const v = this.view.rounded();
    return this.init === null && this.awaitingStart ? { roll: v.roll } : v;
  }

  /** The camera to put in the connection's query: none until the server has said which, unless one was asked for. */
  queryCamera(): CameraName | undefined {
    return this.init === null && !this.cameraNamed ? undefined : this.view.camera;
  }

  // --- from the server -------------------------------------------------------------------------

  onInit(info: InitInfo): void {
    if (this.init === null) {
      // A camera left unsaid is the server's (serve --camera), seen through the FOV it chose for it.
      // Nothing is sent: the server already shows it.
      if (!this.cameraNamed && info.camera !== this.view.camera) {
        this.view.camera = info.camera;
        if (info.view) this.view.startAt({ yaw: this.view.yaw, pitch: this.view.pitch, fov: info.view.fov });
      }
      if (this.awaitingStart && info.view) this.view.startAt(info.view);
    }
    this.init = info;
    if (!this.linkShown) this.told = info.startSec;
    if (this.requestedMode === info.mode) this.requestedMode = null;
    // The server says what we get (a style it refused leaves the old one).
    this.style = info.style;
    if (this.requested === info.style) this.requested = null;
    if (info.style !== 'half') this.beforeHalf = info.style;
  }

  /** A new connection is open (a reconnect): what it says of the timeline counts until one of its frames is shown. */
  onLinkOpen(): void {
    this.linkShown = false;
  }

  /** The shell shows the frame of `index` (a repaint of the one on screen is not this). */
  onFrameShown(index: number): void {
    this.shownIndex = index;
    this.linkShown = true;
    this.told = null;
  }

  /**
   * The timeline position the user sees now, seconds. Paused or ended, where the server says: the
   * frame it holds, or where the file stopped (the last frame starts a frame before the end, so by
   * its index a 1 s file ended at 0.97 s, `00:00` beside a full bar). Before this connection's
   * first frame, where its INIT and STATUS say. Else the frame on screen: the terminal's newest,
   * the page's painted one (which trails the newest to stay in step with the sound).
   */
  position(): number {
    const t = this.timeline;
    if ((t?.code === 'PAUSED' || t?.code === 'ENDED') && t.position !== undefined) return t.position;
    if (this.told !== null) return this.told;
    if (this.init && this.shownIndex >= 0) return this.shownIndex / this.init.fps;
    return this.init?.startSec ?? t?.position ?? 0;
  }

  onStatus(status: TimelineStatus): void {
    if (!this.linkShown && status.position !== undefined) this.told = status.position;
    // A seek is an event, not a state: the timeline keeps playing, or stays paused, at the new moment.
    this.timeline = status.code === 'SEEKED' ? { code: this.timeline?.code === 'PAUSED' ? 'PAUSED' : 'PLAYING', position: status.position } : status;
    if (this.pauseAsked && this.paused === this.pauseAsked.paused) this.pauseAsked = null;
  }

  /** An `Error:` from the server: a refused style, mode or seek request is over. */
  onError(): void {
    this.pauseAsked = null;
    this.requested = null;
    this.requestedMode = null;
    this.seeking = null;
  }

  /** Asks the server to pause or play. Asked, not assumed: the picture shows it once STATUS:PAUSED (or PLAYING) comes back. */
  setPaused(paused: boolean): void {
    this.pauseAsked = { paused, at: this.opts.now() };
    this.shell.send({ type: 'pause', paused });
  }

  /** Paused, as the server says. */
  get paused(): boolean {
    return this.timeline?.code === 'PAUSED';
  }

  /** The mode to ask a new connection for: one asked for and not yet confirmed, else the last INIT's; undefined before any. */
  get modeAsked(): Mode | undefined {
    return this.requestedMode ?? this.init?.mode;
  }

  /** The mode of the frames (the last INIT's). */
  get mode(): number {
    return this.init?.mode ?? DEFAULT_MODE;
  }

  // --- from the user ---------------------------------------------------------------------------

  /**
   * Does what `action` says; returns the action back when it is the shell's to do (help, quit),
   * else null. Every action counts as input: auto-rotation stops until the next idle spell.
   */
  act(action: Action): ShellAction | null {
    const now = this.opts.now();
    this.motion.input(now);
    if (this.view.apply(action)) return null;
    const tenths = jumpTenths(action);
    if (tenths !== null) {
      this.jump(tenths);
      return null;
    }
    switch (action) {
      case 'pause': {
        const asked = this.pauseAsked && now - this.pauseAsked.at < PAUSE_PENDING_MS ? this.pauseAsked.paused : this.paused;
        this.setPaused(!asked);
        return null;
      }
      case 'seek-back':
        this.seekTo(this.seekBase(now) - SEEK_STEP_S);
        return null;
      case 'seek-forward':
        this.seekTo(this.seekBase(now) + SEEK_STEP_S);
        return null;
      case 'cycle-mode':
        this.setMode(nextMode(this.requestedMode ?? this.mode));
        return null;
      case 'cycle-style':
      case 'cycle-style-back': {
        const step = action === 'cycle-style' ? 1 : -1;
        let next = nextStyle(this.requested ?? this.style, step);
        for (let tries = 1; tries < STYLE_NAMES.length && this.fitted(next) !== next; tries++) next = nextStyle(next, step);
        this.chooseStyle(next);
        return null;
      }
      case 'toggle-blocks': {
        const current = this.requested ?? this.style;
        this.chooseStyle(current === 'half' ? this.beforeHalf : 'half');
        return null;
      }
      case 'toggle-auto-rotate':
        this.motion.toggleAutoRotate(now);
        return null;
      case 'help':
      case 'quit':
        return action;
      default:
        return null;
    }
  }

  /**
   * To `tenths` of the file. Without a known length only 0 has a place to go (the start); a live
   * stream or a photo is refused by the server with its notice, as `[` and `]` are.
   */
  private jump(tenths: number): void {
    const duration = this.init?.duration ?? 0;
    if (duration > 0 || tenths === 0) this.seekTo((tenths / 10) * duration);
  }

  /** Asks for colour mode `mode` (`m`, a toolbar's selector); frames show it once INIT confirms it. */
  setMode(mode: Mode): void {
    this.requestedMode = mode;
    this.shell.send({ type: 'mode', mode });
  }

  /** A seek to `seconds`, kept inside the file. */
  seekTo(seconds: number): void {
    const duration = this.init?.duration ?? 0;
    let t = Math.max(0, seconds);
    if (duration > 0 && t >= duration) t = Math.max(0, duration - 0.5);
    const target = Math.round(t * 1000) / 1000;
    this.seeking = { target, from: this.position(), at: this.opts.now() };
    this.shell.send({ type: 'seek', time: target });
  }

  /** Where `[` and `]` step from: a seek still on its way, else the position shown. */
  private seekBase(now: number): number {
    const shown = this.position();
    const s = this.seeking;
    if (s && now - s.at < SEEK_PENDING_MS && Math.abs(shown - s.from) < SEEK_LANDED_S) return s.target;
    this.seeking = null;
    return shown;
  }

  /** Asks for `next` (a toolbar's selector, `s`, `b`); the status names it once INIT confirms it. */
  chooseStyle(next: StyleName): void {
    const current = this.requested ?? this.style;
    if (next === current) return;
    if (current !== 'half') this.beforeHalf = current;
    // Shown as the style already on screen, the shell still hears the choice (it comes back to it).
    const shown = this.fitted(next);
    if (shown !== current) this.requested = shown;
    this.shell.requestStyle(shown, next);
  }

  private fitted(style: StyleName): StyleName {
    return this.shell.fitStyle?.(style) ?? style;
  }

  setCamera(camera: CameraName): void {
    this.motion.input(this.opts.now());
    this.view.setCamera(camera);
  }

  /** The wheel or a pinch: zoom by `factor` (the FOV is multiplied by it). */
  zoom(factor: number): void {
    this.motion.input(this.opts.now());
    this.view.zoom(factor);
  }

  dragStart(): void {
    this.motion.dragStart(this.opts.now());
  }

  /** The drag moved the view by (yaw, pitch) degrees: the shell converts its pixels or cells. With device look on, the device holds the pitch. */
  dragBy(yaw: number, pitch: number): void {
    this.motion.dragMove(yaw, this.deviceLook ? 0 : pitch, this.opts.now());
  }

  /**
   * Device look on or off (the page's gyro: browser/device-look.ts). Neither moves the view: on,
   * the first pose sets only pitch and roll; off, the view stays where the device left it.
   */
  setDeviceLook(on: boolean): void {
    this.deviceLook = on;
    this.deviceYaw = NaN;
  }

  /**
   * The camera's angles for the device's pose now (browser/device-pose.ts), yaw from wherever its
   * compass counts. Yaw turns by as much as the device turned since the last pose, so that drags,
   * the keys and auto-rotate add to it as offsets (as in YouTube); pitch and roll are the device's
   * own, since they have a true horizon (up and down keys turn nothing for long). Called for every
   * sensor event: allocates nothing.
   */
  devicePose(yaw: number, pitch: number, roll: number): void {
    if (!this.deviceLook) return;
    const view = this.view;
    const first = Number.isNaN(this.deviceYaw);
    const turned = first ? 0 : wrapDegrees(yaw - this.deviceYaw);
    if (!first && Math.abs(turned) < DEVICE_STILL_DEG && Math.abs(pitch - view.pitch) < DEVICE_STILL_DEG && Math.abs(wrapDegrees(roll - view.roll)) < DEVICE_STILL_DEG) return;
    this.deviceYaw = yaw;
    this.motion.input(this.opts.now());
    view.look(wrapDegrees(view.yaw + turned), pitch, roll);
    this.deviceMoved = true;
  }

  /** `coast` false for a cancelled drag: no inertia. */
  dragEnd(coast = true): void {
    this.motion.dragEnd(this.opts.now(), coast);
  }

  // --- per displayed frame ---------------------------------------------------------------------

  /**
   * Steps the motion (inertia, auto-rotate) to now and returns the view message to send, at most
   * one per call: call it once per displayed frame (and on a timer while `animating`).
   */
  tick(): ViewMessage | null {
    const now = this.opts.now();
    const moved = this.motion.step(now) || this.deviceMoved;
    // The view moving by itself (coasting, auto-rotate) or with the device (a sensor sends 60 poses
    // a second and more) is sent at most once a frame interval: the server answers each view at
    // once with a frame, whose drawing ticks again, a loop as fast as the CPU allows (150 frames a
    // second of a still photo). Held back, it goes with a later tick.
    if (moved && now - this.lastViewAt < MOTION_VIEW_MS) return null;
    const message = this.view.takeViewMessage();
    if (!message) return null;
    this.deviceMoved = false;
    // Moved by itself alone since the last message (every key, wheel and drag is the motion's
    // input): the server need not render the newest frame again.
    if (this.motion.lastInputAt < this.lastViewAt) message.auto = true;
    this.lastViewAt = now;
    return message;
  }

  /** The view will move by itself (coasting, or auto-rotate on): the shell keeps ticking. */
  get animating(): boolean {
    return this.motion.active;
  }
}
