/**
 * The browser client's composition root: the canvas renderer, the connection, input, toolbar,
 * notices and sound, driven by one requestAnimationFrame loop (STYLE.md §2.7, coalesce to the
 * latest). The player (client/common/player-controller.ts, shared with the terminal) decides what
 * input does; this page turns DOM events into its calls and draws. Each animation frame: step the
 * view's motion (inertia, auto-rotate), send the grid if it changed and the view if it changed (at most one `view` message per displayed frame, PROTOCOL-NOTES.md §5), and paint one
 * frame: the newest received while the sound is off, the one for what is heard while it is on
 * (av-sync.ts). Frames never painted count as dropped.
 *
 * Page URL parameters: `token` (passed on to /ws and /audio), `renderer=2d` (force the Canvas 2D
 * fallback), `font` (cell font size in CSS px), `yaw`, `pitch`, `roll`, `fov`, `mode`, `style=NAME`
 * (any of STYLE_NAMES, §8; default BROWSER_STYLE; `blocks`, the older name, is `half`),
 * `camera=NAME` (flat, stereographic, fisheye, pannini, equirect, §7; `c` cycles them; without it
 * the server's), `quality=NAME` (without it the server's), `codec=raw`, `audio=pcm|mse|element` (play the
 * sound decoded by the page, through MediaSource, or as the element's src: audio-control.ts; without it the first the browser can), `autorotate=1` (turn slowly
 * after an idle spell; `a` toggles). Values the page cannot use get one notice, a line each (page-options.ts).
 *
 * Keys for the style (the shared keymap, keymap.ts): `s` / `S` the next / previous style
 * in STYLE_NAMES order, `b` half blocks on, or back to the style shown before them.
 */
import { Limits, sampleCount, type ClientMessage, type InitInfo, type Mode, type StatusCode, type StyleName, type TimelineStatus } from '../../../protocol/index.js';
import { HELP_LINES } from '../common/keymap.js';
import { PlayerController } from '../common/player-controller.js';
import { sourceNotes } from '../common/source-notes.js';
import type { ReceivedFrame } from '../common/stream-client.js';
import { viewUrl } from '../common/stream-client.js';
import { wholeDegrees } from '../common/view-controller.js';
import { AudioControl } from './audio-control.js';
import { AvSync } from './av-sync.js';
import { BarAway } from './bar-away.js';
import { buildCellFont, type CellFont } from './cell-font.js';
import { accessRefusal, Connection, type LinkState } from './connection.js';
import { createRenderer } from './create-renderer.js';
import { DeviceLook } from './device-look.js';
import { fillScale, gridFor, type Grid } from './grid-size.js';
import { actionForKey, type PageAction } from './key-input.js';
import { Notices } from './notices.js';
import { readPageOptions } from './page-options.js';
import { ReplayWatch } from './replay-watch.js';
import { exposeProbe } from './page-probe.js';
import { PointerInput } from './pointer-input.js';
import { TextCells } from './text-cells.js';
import { Toolbar } from './toolbar.js';

/** Toolbar readouts refresh this often; the fps figures cover the last second. */
const READOUT_MS = 250;
const FPS_WINDOW_MS = 1000;
/**
 * Cells enlarged to fill the page go up in font steps this size (CSS px): a resize by a few pixels
 * keeps the font, since a new one draws the whole glyph atlas again.
 */
const FILL_STEP_PX = 0.5;

const BROWSER_HELP = [
  // The terminal's lines, less quitting (a tab closes), its Ctrl keys and its mouse line (replaced below).
  ...HELP_LINES.filter((line) => !/^q\b|^mouse drag|^Ctrl-/.test(line)),
  'drag (mouse, touch)    look around',
  'pinch                  zoom',
  // Said where the button is offered: a desktop has no sensor to move.
  ...(DeviceLook.available() ? ['gyro (phone, tablet)   look by moving the device'] : []),
  'f                      fullscreen',
];

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`page is missing #${id}`);
  return found;
}

function start(): void {
  const { options, notices: optionNotices } = readPageOptions(new URLSearchParams(location.search));
  const { token, fontPx, codec } = options;
  const stage = byId('stage', HTMLElement);
  const canvas = byId('screen', HTMLCanvasElement);
  const help = byId('help', HTMLElement);
  // Keys and what they do in two columns, so that a description wrapped on a narrow screen stays in
  // its own column and no part of it reads as a key.
  const helpText = byId('help-text', HTMLElement);
  for (const line of BROWSER_HELP) {
    const [, keys = line, what = ''] = /^(.*?\S) {2,}(.*)$/.exec(line) ?? [];
    const k = document.createElement('span');
    k.className = 'keys';
    k.textContent = keys;
    const w = document.createElement('span');
    w.textContent = what;
    helpText.append(k, w);
  }

  let font: CellFont = buildCellFont(fontPx, window.devicePixelRatio || 1);
  /** The cells at the page's own font size, for the density now: what the grid is measured in first. */
  let baseFont = font;
  const renderer = createRenderer(canvas, font, options.renderer);
  const textCells = new TextCells();
  const notices = new Notices(byId('toasts', HTMLElement), byId('banner', HTMLElement), byId('banner-text', HTMLElement), byId('banner-action', HTMLButtonElement));
  // Together, so that every value the URL gets wrong is told (page-options.ts gives one line per
  // parameter at most: a bounded list).
  notices.toastList(`the page's address has ${optionNotices.length} values it cannot use:`, optionNotices);
  const sync = new AvSync();
  const audioUrl = '/audio' + (token ? `?token=${encodeURIComponent(token)}` : '');
  const audio = new AudioControl(byId('sound', HTMLButtonElement), byId('audio', HTMLAudioElement), audioUrl, {
    started: () => {
      // Each request's feed's (a fallback may have swapped it since the last).
      sync.setWait(audio.wait);
      sync.started(performance.now());
    },
    stopped: () => sync.stop(),
    position: () => sync.position(performance.now()),
  }, options.audio);
  sync.setWait(audio.wait);

  let mode: Mode | undefined = options.mode;
  const player: PlayerController = new PlayerController({
    send: (message) => send(message),
    requestStyle: (next) => requestStyle(next),
  }, {
    camera: options.camera,
    view: options.view,
    style: options.style,
    autoRotate: options.autoRotate,
    now: () => performance.now(),
  });
  const view = player.view;
  /** The style shown, or asked for and not yet confirmed by an INIT: the grid is measured for it. */
  const shownStyle = (): StyleName => player.requested ?? player.style;
  let grid: Grid = { cols: 0, rows: 0 };
  /** The stage's size when last laid out (CSS px), for placing the canvas without a layout per frame. */
  let stageBox = { width: 0, height: 0, dpr: 1 };
  let placedLeft = -1;
  let placedTop = -1;
  /** The grid and aspect the server was last told (in the URL or a resize). */
  let told = { cols: 0, rows: 0, aspect: 0 };
  let init: InitInfo | null = null;
  let inits = 0;
  let link: LinkState['kind'] = 'connecting';
  /** While the link is lost: why, and when the next try starts (performance.now() ms), for the banner's countdown. */
  let lost: { why: string; retryAt: number } | null = null;
  /** A seek made after the end, when the link is closed: the file starts again (replay) and seeks once its INIT comes. */
  let seekAfterReplay: number | null = null;
  let painted: ReceivedFrame | null = null;
  let held = false;
  let received = 0;
  let shown = 0;
  layout();

  /**
   * The grid that fits the stage in the style shown, and the cells it is drawn in: the page's font
   * size, or larger where the server's caps (the sample cap, most often, for a fitted style on a
   * large screen) leave the grid short of the stage, so that the picture fills it all the same.
   */
  function layout(): void {
    const box = stage.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    if (baseFont.dpr !== dpr) baseFont = buildCellFont(fontPx, dpr);
    const scale = fillScale(box.width, box.height, baseFont, gridFor(box.width, box.height, baseFont, shownStyle()));
    // Rounded up: cells a little larger still fit the caps, a little smaller would be cut again.
    const px = Math.ceil((fontPx * scale) / FILL_STEP_PX - 1e-9) * FILL_STEP_PX;
    const next = px === fontPx ? baseFont : px === font.fontPx && dpr === font.dpr ? font : buildCellFont(px, dpr);
    if (next !== font) {
      font = next;
      renderer.setFont(font);
      if (painted) paint(painted);
    }
    grid = gridFor(box.width, box.height, font, shownStyle());
    stageBox = { width: box.width, height: box.height, dpr };
    placeCanvas();
  }

  /**
   * Centres the canvas in the stage at whole device pixels. Centred by the layout, a stage whose
   * height is a fraction (the toolbar's height follows the font) put it half a pixel off, and the
   * compositor then resampled every cell edge over two rows of pixels.
   */
  function placeCanvas(): void {
    const { width, height, dpr } = stageBox;
    // The CSS size sizeCanvas gave it (the backing store of a pixel frame is smaller).
    const left = Math.max(0, Math.floor(((width - parseFloat(canvas.style.width || '0')) / 2) * dpr) / dpr);
    const top = Math.max(0, Math.floor(((height - parseFloat(canvas.style.height || '0')) / 2) * dpr) / dpr);
    if (left === placedLeft && top === placedTop) return;
    placedLeft = left;
    placedTop = top;
    canvas.style.marginLeft = `${left}px`;
    canvas.style.marginTop = `${top}px`;
  }

  const wsBase = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
  // At the end the server closes this page's link: a replay by another viewer is seen by asking.
  const replayWatch = new ReplayWatch('/healthz', () => connection.connect());
  // A page that names no direction starts where the server says (the file's initial view, INIT
  // fields 13–15); after the first INIT every reconnect asks for the view on screen. The camera
  // and the quality likewise: what the URL leaves out is the server's (serve --camera, --quality).
  const connection = new Connection(
    () => {
      const aspect = round4(font.aspect);
      told = { cols: grid.cols, rows: grid.rows, aspect };
      return viewUrl(wsBase, {
        cols: grid.cols, rows: grid.rows, aspect, mode: player.modeAsked ?? mode,
        ...player.queryView(),
        style: shownStyle(), token,
        codec, quality: codec === 'raw' ? undefined : options.quality, camera: player.queryCamera(),
      });
    },
    {
      state: showLink,
      init(info) {
        const before = shownStyle();
        player.onInit(info);
        init = info;
        inits++;
        // Once a page: a source's shape stays while it runs.
        if (inits === 1) {
          void sourceNotes('/healthz').then((told) => {
            if (told?.stretched) notices.toast(`not shaped as a 360° panorama: ${told.stretched}`);
          });
        }
        mode = info.mode;
        if (shownStyle() !== before) layout();
        sync.setTimeline(info.fps, info.duration, info.live);
        toolbar.setInit(info);
        toolbar.setStyle(shownStyle());
        if (seekAfterReplay !== null) {
          const time = seekAfterReplay;
          seekAfterReplay = null;
          player.seekTo(time);
        }
      },
      status(status) {
        player.onStatus(status);
        showTimeline(player.timeline ?? status);
        // Now, not at the next readout: at the end the bar and its label go to where the server stopped.
        toolbar.setPosition(player.position());
      },
      frame(frame) {
        received++;
        const step = sync.push(frame, performance.now());
        // A seek, a resume or a reconnect: a feed that cannot follow it by itself starts afresh.
        if (step === 'gap' || step === 'jump') audio.resync();
      },
      error(message) {
        const before = shownStyle();
        player.onError();
        if (shownStyle() !== before) {
          // A refused style: back to the one the frames have.
          layout();
          toolbar.setStyle(shownStyle());
        }
        notices.toast(`server: ${message}`);
      },
    },
    codec,
    () => accessRefusal(audioUrl),
  );

  /** The timeline code last shown. */
  let shownCode: StatusCode | null = null;
  /** The timeline exactly as the server says it (STATUS:, §2.1): the play button, and a banner at the end or on failure. */
  function showTimeline(status: TimelineStatus): void {
    // A pause, the end or a failure brings the bar back (bar-away.ts keeps it while the picture does not play).
    if (status.code !== shownCode) barAway.show();
    shownCode = status.code;
    showEnded(status.code);
    // The banner tells the reason the server also sends as an Error:, so that toast is not shown too.
    const covers = status.reason === undefined ? undefined : `server: ${status.reason}`;
    if (status.code === 'RESTARTING') notices.showBanner(`the source stopped: ${status.reason ?? 'restarting…'}`, { bad: true, covers });
    else if (status.code === 'FAILED') notices.showBanner(`the source failed: ${status.reason ?? ''}`, { bad: true, covers });
    else if (status.code === 'ENDED') notices.showBanner('ended', { action: { label: 'replay', run: replay } });
    else if (link === 'open') notices.hideBanner();
  }

  /** The bar's play and sound buttons for the timeline `code`: at the end, play offers a replay and the sound rests. */
  function showEnded(code: StatusCode): void {
    toolbar.setTimeline(code);
    audio.setEnded(code === 'ENDED');
  }

  /** After the end of a file: the server starts it again for a viewer that comes back. */
  function replay(): void {
    connection.connect();
  }

  /** The lost link's banner: why, and the seconds to the next try, counted down by the readouts; `now` tries at once. */
  function showLost(now: number): void {
    if (!lost) return;
    const wait = Math.ceil((lost.retryAt - now) / 1000);
    const text = wait > 0 ? `${lost.why}: reconnecting in ${wait} s` : `${lost.why}: reconnecting…`;
    notices.showBanner(text, { bad: true, action: { label: 'now', run: () => connection.connect() } });
  }

  function showLink(state: LinkState): void {
    link = state.kind;
    lost = null;
    if (state.kind === 'ended') replayWatch.start();
    else replayWatch.stop();
    // A replay that cannot connect takes its seek with it, rather than leave it for some later INIT.
    if (state.kind === 'closed' || state.kind === 'refused') seekAfterReplay = null;
    if (state.kind !== 'open') sync.linkLost();
    toolbar.setLinked(state.kind === 'open' || state.kind === 'ended');
    switch (state.kind) {
      case 'connecting':
        if (state.attempt > 1) notices.showBanner('reconnecting…', { bad: true });
        return;
      case 'open':
        player.onLinkOpen();
        notices.hideBanner();
        audio.reconnected();
        return;
      case 'lost':
        lost = { why: state.why || 'connection lost', retryAt: performance.now() + state.retryInMs };
        showLost(performance.now());
        return;
      case 'ended':
        showEnded('ENDED');
        notices.showBanner('ended', { action: { label: 'replay', run: replay } });
        return;
      case 'closed':
        notices.showBanner(`closed by the server (${state.code}${state.reason ? `: ${state.reason}` : ''})`, { bad: true, action: { label: 'retry', run: () => connection.connect() } });
        return;
      case 'refused':
        // Final, as for the terminal client (reconnect-policy.ts): the same token would be refused again.
        notices.showBanner(`refused: ${token ? 'wrong' : 'missing'} token (the page's address needs ?token=…)`, { bad: true });
        return;
    }
  }

  function send(message: ClientMessage): void {
    // Every seek the player asks for (the bar, [ and ], a digit): the sound's map starts again there.
    if (message.type === 'seek') sync.seeking(performance.now());
    // After the end the server has closed the link: a seek starts the file again there, as space does from its start.
    if (message.type === 'seek' && link === 'ended') {
      seekAfterReplay = message.time;
      replay();
      return;
    }
    connection.send(message);
  }

  function toggleHelp(): void {
    help.hidden = !help.hidden;
  }

  function toggleFullscreen(): void {
    const root = document.documentElement;
    // Not every browser has element fullscreen (iPhone Safari has it for <video> only).
    if (typeof root.requestFullscreen !== 'function') {
      notices.toast('this browser has no fullscreen for pages');
      return;
    }
    const request = document.fullscreenElement ? document.exitFullscreen() : root.requestFullscreen();
    Promise.resolve(request).catch(() => notices.toast('fullscreen is not allowed here'));
  }

  /** A key's action: the player does it; help, fullscreen and a replay are this page's. */
  function act(action: PageAction): void {
    if (action === 'fullscreen') {
      toggleFullscreen();
      return;
    }
    if (action === 'pause' && (link === 'ended' || player.timeline?.code === 'ENDED')) {
      replay();
      return;
    }
    if (player.act(action) === 'help') toggleHelp();
  }

  /**
   * Asks for another style, and the grid that fits the page in it (rows are cut to the sample cap,
   * §1.2). The server refuses a style whose samples the current grid would take over the cap, and a
   * grid over the cap in the current style, so the order matters: the style first when the grid the
   * server has fits it (the resize follows from tick()), else the new, smaller grid first.
   */
  function requestStyle(next: StyleName): void {
    if (mode === 1 && next !== 'half') notices.toast(`mode 1 is text in every style but half blocks: ${next} shows from mode 2 (m)`);
    layout();
    toolbar.setStyle(next);
    if (connection.open && sampleCount(told.cols, told.rows, next) > Limits.SAMPLES_MAX) {
      // The cells may have grown for the new style (layout): their aspect goes with the grid.
      told = { cols: grid.cols, rows: grid.rows, aspect: round4(font.aspect) };
      send({ type: 'resize', ...told });
    }
    send({ type: 'style', style: next });
  }

  const toolbar = new Toolbar({
    pause: () => act('pause'),
    replay,
    seek: (seconds) => player.seekTo(seconds),
    mode: (m) => player.setMode(m),
    style: (next) => player.chooseStyle(next),
    camera: (next) => player.setCamera(next),
    gyro: () => deviceLook.toggle(),
    help: toggleHelp,
    fullscreen: toggleFullscreen,
  });
  document.addEventListener('fullscreenchange', () => toolbar.setFullscreen(document.fullscreenElement !== null));
  toolbar.setCamera(view.camera);
  // The style asked for shows in the selector from the start, not the list's first until INIT.
  toolbar.setStyle(shownStyle());

  const deviceLook = new DeviceLook(player, { changed: (on) => toolbar.setGyro(on), notice: (text) => notices.toast(text) });
  toolbar.offerGyro(DeviceLook.available());

  const pointer = new PointerInput(
    stage,
    player,
    // Grab the scene: the picture moves with the pointer, FOV degrees across the picture's width.
    () => view.fov / Math.max(1, canvas.clientWidth || stage.clientWidth),
  );
  stage.addEventListener('pointerdown', (e) => {
    // A touch on the help may be the start of a scroll (a long help on a phone turned sideways):
    // the help closes on its click, which the browser sends for a tap and not for a scroll. A mouse
    // press closes it at once and drags, as anywhere on the picture.
    if (e.pointerType !== 'mouse' && e.target instanceof Node && help.contains(e.target)) return;
    if (!help.hidden) help.hidden = true;
    if (e.button === 0) stage.classList.add('dragging');
  });
  help.addEventListener('click', () => {
    help.hidden = true;
  });
  // On a phone turned sideways the bar lies over the picture and steps away while it plays (bar-away.ts).
  const banner = byId('banner', HTMLElement);
  const barAway = new BarAway(document.body, stage, byId('bar', HTMLElement), () => link === 'open' && player.timeline?.code === 'PLAYING' && help.hidden && banner.hidden);
  const endDrag = (): void => stage.classList.remove('dragging');
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointercancel', endDrag);

  window.addEventListener('keydown', (e) => {
    if (!help.hidden && e.key !== '?') {
      help.hidden = true;
      e.preventDefault();
      return;
    }
    const action = actionForKey(e);
    if (!action) return;
    e.preventDefault();
    act(action);
  });

  const resizeObserver = new ResizeObserver(layout);
  resizeObserver.observe(stage);

  function paint(frame: ReceivedFrame): void {
    if (frame.kind === 'cells') renderer.drawCells(frame.cells, frame.cols, frame.rows);
    else if (frame.kind === 'fitted') renderer.drawFitted(frame.cells, frame.cols, frame.rows, frame.style);
    else if (frame.kind === 'pixels') renderer.drawPixels(frame.bgr, frame.cols, frame.rows);
    else if (frame.kind === 'text') renderer.drawCells(textCells.fill(frame.lines, frame.cols, frame.rows), frame.cols, frame.rows);
    placeCanvas();
    // The frame it replaces is read no more (the renderers keep what they drew): its array takes a later frame.
    if (painted && painted !== frame) connection.recycle(painted);
    painted = frame;
  }

  let lastReadout = 0;
  let fpsMark = { t: performance.now(), received: 0, shown: 0 };
  let fps = { received: 0, shown: 0 };

  function readouts(now: number): void {
    lastReadout = now;
    if (now - fpsMark.t >= FPS_WINDOW_MS) {
      const span = (now - fpsMark.t) / 1000;
      fps = { received: Math.round((received - fpsMark.received) / span), shown: Math.round((shown - fpsMark.shown) / span) };
      fpsMark = { t: now, received, shown };
    }
    toolbar.setStats(`${fps.received}/${fps.shown} fps · dropped ${sync.dropped}${audio.playing ? ` · A/V ${avText(now)}` : ''}`);
    toolbar.setCamera(view.camera);
    // Mode 1 draws text whatever the style (but half blocks): the readout says what is drawn, as the terminal's does.
    const drawn = painted?.kind === 'text' ? 'text' : painted?.kind === 'fitted' ? painted.style : shownStyle();
    toolbar.setView(`yaw ${wholeDegrees(view.yaw)} pitch ${wholeDegrees(view.pitch)} roll ${wholeDegrees(view.roll)} fov ${wholeDegrees(view.fov)} ${view.camera} · ${painted?.cols ?? grid.cols}×${painted ? (painted.kind === 'pixels' ? painted.rows / 2 : painted.rows) : grid.rows} ${drawn}`);
    if (link === 'lost') showLost(now);
    toolbar.setPosition(player.position());
  }

  function avText(now: number): string {
    if (sync.mode === 'starting') return '…';
    if (sync.mode === 'stalled') return 'no sound';
    const ms = sync.offset(now);
    return ms === null ? '…' : `${ms >= 0 ? '+' : '−'}${Math.abs(Math.round(ms))} ms`;
  }

  function tick(now: number): void {
    requestAnimationFrame(tick);
    // A window moved to a screen of another density changes devicePixelRatio without resizing the
    // stage in CSS pixels, so no resize tells it: the cells are rebuilt for the new ratio. Read
    // here rather than from a matchMedia('(resolution: …)') change event, which Chromium's device
    // emulation (the tests') never fires; one number a frame costs nothing.
    if ((window.devicePixelRatio || 1) !== baseFont.dpr) layout();
    // The view's motion (inertia, auto-rotate) steps even while disconnected; what is sent waits.
    const message = player.tick();
    if (connection.open) {
      const aspect = round4(font.aspect);
      if (grid.cols !== told.cols || grid.rows !== told.rows || aspect !== told.aspect) {
        told = { cols: grid.cols, rows: grid.rows, aspect };
        send({ type: 'resize', cols: grid.cols, rows: grid.rows, aspect });
      }
      if (message) send(message);
    }
    switch (sync.tick(now, audio.mediaTime(), audio.heard())) {
      case 'stalled':
        notices.toast('the sound is not playing: the picture goes on without it');
        audio.reload();
        break;
      case 'retry':
        audio.reload();
        break;
      default:
        break;
    }
    const frame = held ? null : sync.take(now, player.timeline?.code === 'PAUSED');
    if (frame) {
      paint(frame);
      shown++;
      // A frame shown, not a repaint of the one before (a resize, a zoom): the time is its moment.
      player.onFrameShown(frame.index);
    }
    if (now - lastReadout >= READOUT_MS) readouts(now);
  }

  exposeProbe({
    state: () => ({
      renderer: renderer.kind,
      link,
      init,
      inits,
      grid: { ...grid },
      cell: { width: font.width, height: font.height, dpr: font.dpr, aspect: round4(font.aspect) },
      view: { yaw: view.yaw, pitch: view.pitch, roll: view.roll, fov: view.fov },
      style: shownStyle(),
      paused: player.paused,
      timeline: player.timeline?.code ?? null,
      autoRotate: player.motion.autoRotate,
      gyro: deviceLook.active,
      received,
      shown,
      dropped: sync.dropped,
      audio: audio.availability,
      av: {
        mode: sync.mode,
        offsetMs: sync.offset(performance.now()),
        heard: sync.heard(),
        mediaTime: audio.mediaTime(),
        sampledAt: performance.now(),
        feed: audio.feedKind,
        lagMs: sync.lag(),
        waiting: sync.waiting,
        requests: sync.requests,
      },
    }),
    avOffsets: () => sync.offsets(),
    soundTap: () => audio.tap(),
    frame: () => {
      const f = painted;
      if (!f) return null;
      const bytes = f.kind === 'cells' || f.kind === 'fitted' ? Array.from(f.cells) : f.kind === 'pixels' ? Array.from(f.bgr) : [];
      const drawn: StyleName = f.kind === 'fitted' ? f.style : f.kind === 'pixels' ? 'half' : 'ramp';
      return { kind: f.kind, index: f.index, cols: f.cols, rows: f.rows, style: drawn, bytes, lines: f.kind === 'text' ? [...f.lines] : [] };
    },
    hold: (on) => {
      held = on;
    },
    drop: () => connection.drop(),
  });

  // The page owns these; a page restored from the back/forward cache starts afresh.
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) location.reload();
  });
  window.addEventListener('pagehide', () => {
    replayWatch.stop();
    connection.dispose();
    audio.dispose();
    notices.dispose();
    pointer.dispose();
    deviceLook.dispose();
    barAway.dispose();
    resizeObserver.disconnect();
    renderer.dispose();
  });

  connection.connect();
  void audio.probe();
  requestAnimationFrame(tick);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}

start();
