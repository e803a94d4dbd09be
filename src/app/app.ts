/**
 * Composition root: source → playback → render scheduler → render pool → audience, behind one HTTP
 * + WebSocket port. It wires; each job lives in its own file (health.ts, audience.ts,
 * work-size-scheduler.ts, workers/render-scheduler.ts), and everything it builds goes into one
 * DisposableStore in the order it is built, so shutdown runs in the reverse order (STYLE.md §4.4).
 */
import type { AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import { CloseCode, DEFAULT_QUALITY, type CameraName, type InitInfo, type Mode, type Quality } from '../../protocol/index.js';
import { AudioTrack } from '../audio/audio-track.js';
import { childrenStopped } from '../shared/child-process.js';
import { DisposableStore } from '../shared/disposables.js';
import { Ascii360Error, EXIT_USAGE } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ViewSpec } from '../shared/types.js';
import { DEMO_DURATION_SECONDS } from '../source/demo-scene.js';
import { findFfmpeg, type FfmpegTools, type Hwaccel } from '../source/ffmpeg-tools.js';
import { openSource } from '../source/open-source.js';
import { sourceDetail, type FormatFlags } from '../source/source-format.js';
import { createHttpServer } from '../transport/http-server.js';
import { DEFAULT_PING_INTERVAL_S } from '../transport/heartbeat.js';
import { DEFAULT_MESSAGE_RATE } from '../transport/rate-limit.js';
import { DEFAULT_MAX_CLIENTS } from '../shared/capacities.js';
import { ViewerSession } from '../transport/viewer-session.js';
import { defaultWorkerCount, RenderPool } from '../workers/render-pool.js';
import { RenderScheduler } from '../workers/render-scheduler.js';
import { Audience } from './audience.js';
import { DropWatch, formatHealth, HEALTH_VIEWS_MAX, httpStatusOf, STALLED_MS, statusOf, type Health } from './health.js';
import { prometheusText } from './metrics.js';
import { followsTimeline, Playback } from './playback.js';
import { WorkSizeScheduler } from './work-size-scheduler.js';
import { chooseWorkWidth } from './working-size.js';
import { publicName } from '../shared/source-name.js';
import { describePixels } from '../shared/frame-pixels.js';

export type { Health };

export interface ServeOptions {
  source?: string;
  host: string;
  port: number;
  /** Output frame rate; absent: the video's own, at most 30 (source/open-source.ts outputRateOf). */
  fps?: number;
  mode: Mode;
  hwaccel: Hwaccel;
  loop: boolean;
  /** Seconds a URL may take to answer its probe (`--open-timeout`; default PROBE_TIMEOUT_MS). */
  openTimeoutS?: number;
  log: Logger;
  /** Native pace (default); false decodes as fast as possible, for benchmarks. */
  realtime?: boolean;
  /** Render worker threads; 0 renders inline. */
  workers?: number;
  /** Shared secret required on /ws and /audio; required when listening beyond loopback. */
  token?: string | null;
  /** Browser origins allowed besides the server's own. */
  allowOrigins?: string[];
  /** Seconds between WebSocket pings (an unanswered one closes the viewer); 0: none. */
  pingInterval?: number;
  /** Viewers plus listeners at most (default DEFAULT_MAX_CLIENTS). */
  maxClients?: number;
  /** Control messages per second per viewer (default DEFAULT_MESSAGE_RATE). */
  messageRate?: number;
  /** The camera of viewers that name none (`serve --camera`; default flat). */
  camera?: CameraName;
  /** The coded frames' quality of viewers that name none (`serve --quality`; default balanced). */
  quality?: Quality;
  /** Overrides of the file's layout, stereo mode, eye and lens field of view (`--projection`, …). */
  format?: FormatFlags;
  /** Where the timeline starts, seconds (`--start`): a file's, as a seek made before anyone watches. */
  start?: number;
  /** The timeline starts paused (`print`: one moment's picture); a source with no pause (live, a photo) plays as it is. */
  paused?: boolean;
  /** Share one timeline with every server of the same name on this Redis (`serve --cluster`). */
  /** `name` defaults to the source's file name, duration and size (clusterNameFor). */
  cluster?: { url: string; name?: string; optional: boolean };
  tools?: FfmpegTools;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  health(): Health;
  close(): Promise<void>;
}

/** What the operator can do about a refused listen, by its errno code, where there is something to say. */
const LISTEN_HINTS: Partial<Record<string, string>> = {
  EADDRINUSE: 'the port is in use (another server?); choose another with --port',
};

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log;
  // A cluster's timeline is where its servers say; one starting elsewhere would move everyone's.
  if (opts.start !== undefined && opts.cluster) throw new Ascii360Error('BAD_OPTION', '--start cannot be used with --cluster: the shared timeline says where it is', EXIT_USAGE);
  const tools = opts.tools ?? (await findFfmpeg());
  const opened = await openSource(opts.source, { fps: opts.fps, loop: opts.loop, hwaccel: opts.hwaccel, realtime: opts.realtime ?? true, format: opts.format, openTimeoutMs: opts.openTimeoutS === undefined ? undefined : opts.openTimeoutS * 1000 }, tools, log);
  const info = opened.info;
  // Joined before anything else is built: an unreachable Redis refuses the start with one line.
  // Loaded only for a cluster: its Redis client is a fifth of the server's start-up imports.
  const clustering = opts.cluster ? await import('../cluster/cluster.js') : null;
  // The demo always loops; a file loops with --loop. Every server of one timeline must agree (timeline-terms.ts).
  const loops = info.kind === 'demo' || opts.loop;
  const terms = followsTimeline(info) ? { duration: info.duration, loop: loops } : null;
  const cluster = opts.cluster && clustering
    ? await clustering.Cluster.join({ ...opts.cluster, name: opts.cluster.name ?? (await clustering.clusterNameFor(opts.source ? info.label : undefined, info.duration, info.width, info.height)), terms, log })
    : null;
  const started = Date.now();
  const store = new DisposableStore();
  // The copies of a CMAF playlist (temporary files) go last, after every run that reads them.
  const cmaf = opened.cmaf;
  if (cmaf) store.add(cmaf);
  const audience = new Audience();
  const drops = new DropWatch();

  const pool = store.add(new RenderPool(opts.workers ?? defaultWorkerCount(), log));
  // A frame's renders are measured against the source's frame interval (fit-effort.ts).
  pool.frameIntervalMs = 1000 / info.fps;

  const scheduler = store.add(new RenderScheduler(pool, {
    views: () => audience.views(),
    deliver: (_frame, payloads) => audience.deliver(payloads),
    stale: (frame) => playback.isStale(frame),
    withhold: (payloads) => audience.withhold(payloads),
  }));

  // The most detail worth decoding: the file's own, as the width of an equirect panorama.
  const detailCap = sourceDetail(info.format);
  const playback = new Playback(opened.create, chooseWorkWidth([], detailCap), {
    frame: (frame) => {
      // Views that moved by themselves since the last frame render with this one (§4 `auto`).
      audience.takeAutoViews();
      scheduler.push(frame);
    },
    problem: (message) => audience.error(message),
    status: (status) => audience.status(status),
    ended: (failed, message) => {
      if (failed) {
        audience.error(message);
        audience.closeAll(CloseCode.SOURCE_FAILED, message);
        // Listeners too: the sound waits for a picture that will not come, and their responses hung open.
        audio.end();
        return;
      }
      // The last frames are still rendering: every viewer gets them before the close.
      scheduler.whenIdle(() => {
        // A viewer who joined meanwhile (a replay pressed at once) started the file again: it plays on.
        if (playback.status.code !== 'ENDED') return;
        audience.closeAll(CloseCode.END_OF_STREAM, message, true);
        audio.end();
      });
    },
  }, log);
  store.add(playback);
  if (opts.start !== undefined && opts.start > 0) {
    // Refused as a viewer's seek would be (a live stream, a photo, past the end), on one line.
    const refused = playback.seek(opts.start);
    if (refused !== null) {
      await store.dispose();
      throw new Ascii360Error('BAD_OPTION', `--start: ${refused}`, EXIT_USAGE);
    }
  }
  if (opts.paused) playback.setPaused(true);
  if (cluster) {
    // Added after the playback, so it is disposed before it: no change arrives mid-shutdown.
    store.add(cluster);
    cluster.onRecord = (record) => playback.applyShared(record);
    playback.followShared(cluster, loops);
  }

  const clients = (): number => audience.size + audio.listeners.count;
  const audioInput = info.kind === 'demo'
    ? { kind: 'demo' as const, loopSeconds: DEMO_DURATION_SECONDS }
    : info.hasAudio && opened.input
      ? { kind: 'media' as const, input: opened.input, loop: opts.loop && !info.live, cut: cmaf && ((position: number) => cmaf.soundFrom(position)) }
      : null;
  const audio = store.add(new AudioTrack({
    tools, input: audioInput, fps: info.fps, log,
    now: () => playback.now(),
    onListenersChange: () => playback.setClients(clients()),
    problem: (message) => audience.error(message),
  }));
  playback.setAudio(audio);
  scheduler.onPresented = (frame) => {
    // The picture at this clock has left (or nobody watches): the sound for it may follow.
    if (frame.run === playback.run && frame.clock !== undefined) audio.noteVideo(frame.clock);
    // Frames the server itself lost; a slow viewer's own drops are its connection's, not the server's health.
    drops.note(scheduler.dropped + playback.source.discarded);
  };

  const workSize = store.add(new WorkSizeScheduler({
    specs: () => [...audience].map((s) => s.spec),
    effort: () => pool.effort,
    get workWidth() {
      return playback.workWidth;
    },
    setWorkWidth: (width) => playback.setWorkWidth(width),
  }, detailCap));
  pool.onEffort = (effort, busy) => {
    log.info('render.effort', { effort, busy: Math.round(busy * 100) / 100, distinctViews: audience.distinctViews });
    // Coarse fits need a smaller working frame, and decoding less is what relieves an overload most.
    workSize.schedule(true);
  };

  const initBase = (): Omit<InitInfo, 'mode' | 'cols' | 'rows' | 'pixel' | 'style' | 'palette' | 'camera'> => ({
    fps: info.fps,
    duration: info.duration,
    startSec: playback.position,
    live: info.live,
  });

  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  let refused = 0;
  /** Set when close() begins: the port stays open until last, but takes nobody new. */
  let closingDown = false;
  const admit = (): string | null => {
    if (closingDown) return 'server shutting down';
    if (clients() < maxClients) return null;
    refused++;
    log.warn('client.refused', { reason: 'server full', max: maxClients });
    return `server full (at most ${maxClients} ${maxClients === 1 ? 'client' : 'clients'}); try again later`;
  };

  /** Decoded frames are coming: playing, and not a photo. */
  const framesFlowing = (): boolean => !playback.isPaused && playback.source.running && info.kind !== 'still';
  const hooks = {
    initBase,
    messageRate: opts.messageRate ?? DEFAULT_MESSAGE_RATE,
    onSpecChange(session: ViewerSession, previousKey: string, needsInit: boolean, byItself: boolean) {
      audience.regroup(session, previousKey);
      // Look-around answers at once: the newest decoded frame is rendered for the new view now,
      // not at the next decoded frame (which would take up to a frame interval, and never come
      // while paused or for a photo). A frame already waiting renders it instead. A view moving by
      // itself (auto-rotate, coasting) while frames flow is taken as the next one goes to render
      // (ViewerSession.takeAutoView): answered at once too, each step cost a second render and
      // terminal write a frame (52 fps of a 30 fps clip).
      if (!(byItself && framesFlowing() && !needsInit)) scheduler.refresh(session.key);
      workSize.schedule();
    },
    framesFlowing,
    onKeyframe(session: ViewerSession) {
      scheduler.refresh(session.key);
    },
    onBaseLost(session: ViewerSession) {
      // While frames flow the next one brings the keyframe; re-rendering now would double a slow
      // viewer's renders. Paused, stopped or a photo, nothing would come.
      if (!framesFlowing()) scheduler.refresh(session.key);
    },
    onTimeline(_session: ViewerSession, message: { type: 'pause'; paused: boolean } | { type: 'seek'; time: number }) {
      const refused = message.type === 'pause' ? playback.setPaused(message.paused) : playback.seek(message.time);
      // Paused, no frame comes to take the views waiting for one: they are taken (and rendered) now.
      audience.takeAutoViews();
      return refused;
    },
  };

  const { server, wss } = createHttpServer({
    defaultMode: opts.mode,
    defaultCamera: opts.camera ?? 'flat',
    defaultQuality: opts.quality ?? DEFAULT_QUALITY,
    initialView: info.format.initialView,
    log,
    health: () => {
      const body = health();
      return { httpStatus: httpStatusOf(body), body };
    },
    audioAvailable: () => audio.available,
    audioFailed: () => audio.givenUp,
    sourceFailed: () => {
      const timeline = playback.status;
      return timeline.code === 'FAILED' ? (timeline.reason ?? 'given up') : null;
    },
    access: { token: opts.token ?? null, allowOrigins: opts.allowOrigins ?? [] },
    admit,
    pingIntervalMs: (opts.pingInterval ?? DEFAULT_PING_INTERVAL_S) * 1000,
    metrics: () => prometheusText(health()),
    audioListener(res) {
      audio.addListener(res);
      log.info('listener.joined', { listeners: audio.listeners.count });
      res.on('close', () => log.info('listener.left', { listeners: audio.listeners.count }));
    },
    viewer(ws: WebSocket, spec: ViewSpec, notice: string | null) {
      const session = new ViewerSession(ws, spec, hooks);
      // The first viewer decides the working size before the source starts, saving a restart.
      if (audience.size === 0) workSize.sizeNow([spec]);
      // Counted before it is told anything: a first viewer here takes up the shared timeline where
      // it is now, a newcomer after the end restarts the file, and its INIT's startSec says so.
      // What that announces goes to the others; the joiner hears the timeline once, after its INIT.
      playback.setClients(clients() + 1);
      audience.add(session);
      log.info('viewer.joined', { id: session.id, grid: `${spec.cols}x${spec.rows}`, mode: spec.mode, style: spec.style, codec: spec.codec, viewers: audience.size });
      session.sendInit();
      ws.on('close', () => {
        audience.remove(session);
        session.queue.close();
        if (session.queue.overflowed) log.warn('viewer.not_reading', { id: session.id, note: 'its control texts piled up unread: connection cut' });
        log.info('viewer.left', { id: session.id, sent: session.queue.sent, dropped: session.queue.dropped, viewers: audience.size });
        playback.setClients(clients());
        if (audience.size === 0) pool.forgetViews();
      });
      ws.on('error', (error) => log.debug('viewer.socket_error', { id: session.id, error: error.message }));
      // The timeline right after INIT (§2.1), then what its query asked for that it does not get.
      session.sendStatus(playback.status);
      if (notice) session.sendError(notice);
      if (!playback.source.running) scheduler.refresh(session.key);
      workSize.schedule();
    },
  });
  // The port closes last: viewers and listeners get their goodbye (a close code, the end of the
  // AAC stream) from the parts that own them before their connections are cut.
  store.addFinally(async () => {
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Seconds to the millisecond, as STATUS: gives them. */
  const toMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

  function health(): Health {
    const totals = audience.totals();
    playback.observe();
    const timeline = playback.status;
    const dropped = scheduler.dropped + playback.source.discarded;
    // Noted here too: a source whose every frame is lost presents none, so the frame event never notes them.
    drops.note(dropped);
    const stalledMs = playback.stillFor();
    const clusterLost = cluster !== null && !cluster.connected;
    const sound = audio.health();
    return {
      // A sound given up leaves the picture playing: degraded, not failed, so a balancer keeps the server.
      status: statusOf(timeline, drops.recent() || stalledMs >= STALLED_MS || clusterLost || sound.failed),
      // To the millisecond, as `position` and STATUS: give it (frame times add up to 8.199999999999998).
      timeline: timeline.position === undefined ? timeline : { ...timeline, position: toMs(timeline.position) },
      // Anyone who reaches the server reads this: the file's name, not its directories or a URL's key.
      source: publicName(info.label),
      kind: info.kind,
      fps: info.fps,
      duration: info.duration,
      live: info.live,
      position: toMs(playback.position),
      paused: playback.isPaused,
      ended: playback.isEnded,
      stalledMs,
      viewers: audience.size,
      distinctViews: audience.distinctViews,
      workWidth: playback.workWidth,
      decoder: { ...playback.source.decoder, pixels: describePixels(playback.framePixels) },
      format: formatHealth(info, playback.frameSize),
      workers: pool.workerCount,
      tables: pool.tables(),
      renderMs: Math.round(pool.lastRenderMs * 100) / 100,
      workerFailures: pool.failures,
      fitEffort: pool.effort,
      heldBack: pool.heldBack,
      cells: { fitted: pool.cellsFitted, reused: pool.cellsReused },
      samples: { simd: pool.samplesSimd, js: pool.samplesJs, kept: pool.samplesKept },
      frames: { decoded: scheduler.decoded, rendered: scheduler.rendered, dropped, sent: totals.sent, bytesSent: totals.bytes, viewerDropped: totals.dropped },
      views: [...audience].slice(0, HEALTH_VIEWS_MAX).map(({ id, spec: s }) => ({
        id, yaw: s.yaw, pitch: s.pitch, roll: s.roll, fov: s.fov, camera: s.camera, cols: s.cols, rows: s.rows, mode: s.mode, style: s.style, palette: s.palette, pixel: s.style === 'half',
      })),
      ffmpegRestarts: playback.restarts + audio.restarts,
      listeners: audio.listeners.count,
      clients: { max: maxClients, refused },
      memory: { ...(({ rss, heapUsed, external, arrayBuffers }) => ({ rss, heapUsed, external, arrayBuffers }))(process.memoryUsage()), frames: playback.frameMemoryBytes },
      audio: sound,
      uptime: Math.round((Date.now() - started) / 1000),
      ...(cluster ? { cluster: { ...cluster.health(), offsetMs: playback.offsetMs, resyncs: playback.resyncs } } : {}),
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: NodeJS.ErrnoException) => {
    await store.dispose();
    const hint = LISTEN_HINTS[error.code ?? ''];
    throw new Ascii360Error('LISTEN_FAILED', `cannot listen on ${opts.host}:${opts.port}: ${error.code ?? error.message}${hint ? `: ${hint}` : ''}`);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const decoder = playback.source.decoder;
  log.info('server.listening', { url, source: info.label, kind: info.kind, fps: info.fps, duration: info.duration, workers: pool.workerCount, ffmpeg: tools.version, decoder: `${decoder.hwaccel}/${decoder.resizer}` });
  cluster?.startHeartbeat(() => ({
    url,
    viewers: audience.size,
    listeners: audio.listeners.count,
    distinctViews: audience.distinctViews,
    renderMs: Math.round(pool.lastRenderMs * 100) / 100,
    fitEffort: pool.effort,
    offsetMs: playback.offsetMs,
  }));

  let closing: Promise<void> | null = null;
  return {
    url,
    host: address.address,
    port: address.port,
    health,
    close() {
      closing ??= (async () => {
        closingDown = true;
        // Viewers first, so they hear why; then everything in the reverse order it was built.
        audience.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
        await store.dispose();
        // Children stopped before the shutdown (the source stops when its last viewer leaves) too.
        await childrenStopped();
        log.info('server.closed');
      })();
      return closing;
    },
  };
}
