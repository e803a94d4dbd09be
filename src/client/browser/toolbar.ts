/**
 * The bar under the picture: pause, seek bar with position / duration (LIVE for live sources,
 * "still" for photos), colour mode, cell style (every style in STYLE_NAMES), camera, sound, fps and dropped frames, the view, help and
 * fullscreen, and on a phone or tablet the gyro (look by moving the device: device-look.ts). It only
 * shows state and reports clicks; the page decides what they do.
 */
import { timeLabel } from '../common/time-label.js';
import { CAMERA_NAMES, CAMERAS, CELL_STYLES, isCameraName, isMode, isStyleName, STYLE_NAMES, type CameraName, type InitInfo, type Mode, type StatusCode, type StyleName } from '../../../protocol/index.js';

export interface ToolbarActions {
  pause(): void;
  /** The play button at the end of a file. */
  replay(): void;
  seek(seconds: number): void;
  mode(mode: Mode): void;
  style(style: StyleName): void;
  camera(camera: CameraName): void;
  /** The gyro button, in its click: iOS asks for the sensor's permission only in a user gesture. */
  gyro(): void;
  help(): void;
  fullscreen(): void;
}

/** Fills `select` with one option per name (its description as the tooltip) and reports choices the page accepts. */
function choices<T extends string>(select: HTMLSelectElement, names: readonly T[], describe: (name: T) => string, accept: (value: string) => value is T, chosen: (name: T) => void): void {
  for (const name of names) {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name;
    option.title = describe(name);
    select.append(option);
  }
  select.addEventListener('change', () => {
    const value = select.value;
    select.blur(); // keys go back to the page
    if (accept(value)) chosen(value);
  });
}

function el<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`page is missing #${id}`);
  return found;
}


export class Toolbar {
  private readonly play = el('play', HTMLButtonElement);
  private readonly seekBar = el('seek', HTMLInputElement);
  private readonly time = el('time', HTMLSpanElement);
  private readonly modeSelect = el('mode', HTMLSelectElement);
  private readonly styleSelect = el('style', HTMLSelectElement);
  private readonly cameraSelect = el('camera', HTMLSelectElement);
  private readonly statsText = el('stats', HTMLSpanElement);
  private readonly viewText = el('view', HTMLSpanElement);
  private readonly fullscreenButton = el('fullscreen', HTMLButtonElement);
  private readonly gyroButton = el('gyro', HTMLButtonElement);
  private init: InitInfo | null = null;
  private timeline: StatusCode | null = null;
  /** The user is dragging the seek bar: frames do not move it. */
  private scrubbing = false;
  /** Connected (or ended, where the button replays): a pause has a server to go to. */
  private linked = false;
  /** The server's position, kept while scrubbing, shown again when a drag ends where it began. */
  private position = 0;

  constructor(actions: ToolbarActions) {
    const click = (button: HTMLButtonElement, run: () => void): void => {
      button.addEventListener('click', () => {
        button.blur(); // keys go back to the page (space must not click the button again)
        run();
      });
    };
    click(this.play, () => (this.timeline === 'ENDED' ? actions.replay() : actions.pause()));
    this.refreshPlay();
    choices(this.styleSelect, STYLE_NAMES, (name) => CELL_STYLES[name].description, isStyleName, (style) => actions.style(style));
    choices(this.cameraSelect, CAMERA_NAMES, (name) => CAMERAS[name].description, isCameraName, (camera) => actions.camera(camera));
    click(this.gyroButton, () => actions.gyro());
    click(el('help-button', HTMLButtonElement), () => actions.help());
    click(this.fullscreenButton, () => actions.fullscreen());
    this.seekBar.addEventListener('input', () => {
      this.scrubbing = true;
      this.showTime(Number(this.seekBar.value));
    });
    this.seekBar.addEventListener('change', () => {
      this.scrubbing = false;
      this.seekBar.blur();
      actions.seek(Number(this.seekBar.value));
    });
    // A drag released where it began sends no 'change' (Chromium): scrubbing would stay on and the
    // bar and time stand still for good. The release ends it; a 'change' of the same release, which
    // comes after the pointer's events, has seeked by then. Nor is the bar blurred by a 'change'
    // then: a click on the thumb left it focused, and Space (a range does nothing with it) paused
    // nothing until the user clicked the picture. The release gives the keys back to the page.
    this.seekBar.addEventListener('pointerdown', () => {
      const release = (): void => {
        window.removeEventListener('pointerup', release);
        window.removeEventListener('pointercancel', release);
        setTimeout(() => {
          this.seekBar.blur();
          if (!this.scrubbing) return;
          this.scrubbing = false;
          this.setPosition(this.position);
        }, 0);
      };
      window.addEventListener('pointerup', release);
      window.addEventListener('pointercancel', release);
    });
    this.modeSelect.addEventListener('change', () => {
      const mode = Number(this.modeSelect.value);
      this.modeSelect.blur();
      if (isMode(mode)) actions.mode(mode);
    });
  }

  /** A new INIT: what the timeline can do, the mode in effect (the page sets the style: setStyle). */
  setInit(init: InitInfo): void {
    this.init = init;
    const seekable = !init.live && init.duration > 0;
    this.seekBar.disabled = !seekable;
    this.seekBar.max = String(seekable ? init.duration : 0);
    this.refreshPlay();
    this.time.classList.toggle('live', init.live);
    this.modeSelect.value = String(init.mode);
    this.position = init.startSec;
    if (!this.scrubbing) this.showTime(init.startSec);
  }

  /** The style in effect (or just asked for). */
  setStyle(style: StyleName): void {
    if (this.styleSelect.value !== style) this.styleSelect.value = style;
    this.styleSelect.title = `cell style: ${CELL_STYLES[style].description} (s / S: next / previous, b: half blocks)`;
  }

  /** The camera in effect (or just asked for). */
  setCamera(camera: CameraName): void {
    if (this.cameraSelect.value !== camera) this.cameraSelect.value = camera;
  }

  setPosition(seconds: number): void {
    this.position = seconds;
    if (this.scrubbing) return;
    if (!this.seekBar.disabled) this.seekBar.value = String(seconds);
    this.showTime(seconds);
  }

  /**
   * The server's timeline code (STATUS:): the play button says what pressing it would do (play,
   * pause, or at the end replay), and is off where the server would refuse.
   */
  setTimeline(code: StatusCode): void {
    this.timeline = code;
    // A photo has nothing to play or pause: its button (off) says so rather than offering a pause.
    this.play.textContent = code === 'ENDED' ? 'replay' : code === 'PAUSED' ? 'play' : code === 'STILL' ? 'photo' : 'pause';
    this.play.title = code === 'ENDED' ? 'play the file again (space)' : 'pause / play (space)';
    this.refreshPlay();
    this.play.dataset['timeline'] = code.toLowerCase();
  }

  /** The connection's state: open (or ended: the button replays) or not (lost, refused, full). */
  setLinked(linked: boolean): void {
    this.linked = linked;
    this.refreshPlay();
  }

  /**
   * The play button is off where pressing it could do nothing: before the server has said what the
   * timeline can do (a full server or a refused token never does), while disconnected, on a live
   * stream, a photo or a failed source. A file that states no length pauses like any other.
   */
  private refreshPlay(): void {
    const code = this.timeline;
    this.play.disabled = !this.linked || this.init === null || this.init.live || code === 'STILL' || code === 'FAILED';
  }

  /** Whether the page fills the screen: the button says what pressing it would do. */
  setFullscreen(on: boolean): void {
    this.fullscreenButton.textContent = on ? 'exit fullscreen' : 'fullscreen';
    this.fullscreenButton.setAttribute('aria-pressed', String(on));
  }

  /** Whether the page can get the device's orientation: the gyro button shows only where it can. */
  offerGyro(available: boolean): void {
    this.gyroButton.hidden = !available;
  }

  /** Device look on or off. */
  setGyro(on: boolean): void {
    this.gyroButton.setAttribute('aria-pressed', String(on));
  }

  setStats(text: string): void {
    if (this.statsText.textContent !== text) this.statsText.textContent = text;
  }

  setView(text: string): void {
    if (this.viewText.textContent !== text) this.viewText.textContent = text;
  }

  private showTime(seconds: number): void {
    const init = this.init;
    const text = !init ? '--:-- / --:--' : timeLabel(init, this.timeline, seconds);
    if (this.time.textContent !== text) this.time.textContent = text;
  }
}
