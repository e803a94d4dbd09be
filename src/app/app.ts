/**
 * Composition root: source → playback → frame pipeline → render pool → viewer sessions, behind one
 * HTTP + WebSocket port. Owns every resource it creates and disposes of them on close (STYLE.md §2.8).
 */
import type { AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import { CloseCode, type CameraName, type InitInfo, type Mode } from '../../protocol/index.js';
import { Ascii360Error } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { DecodedFrame, ViewSpec } from '../shared/types.js';
import { AudioTrack, type AudioHealth } from '../audio/audio-track.js';
import { DEMO_DURATION_SECONDS } from '../source/demo-scene.js';
import { findFfmpeg, type FfmpegTools, type Hwaccel } from '../source/ffmpeg-tools.js';
import { openSource } from '../source/open-source.js';
import { sourceDetail, type FormatFlags } from '../source/source-format.js';
import { createHttpServer } from '../transport/http-server.js';
import { ViewerSession } from '../transport/viewer-session.js';
import type { SharedPayload } from '../workers/payload.js';
import { defaultWorkerCount, RenderPool, type KeyedView } from '../workers/render-pool.js';
import { FramePipeline } from './frame-pipeline.js';
import { prometheusText } from './metrics.js';
import { Playback } from './playback.js';
import { chooseWorkWidth } from './working-size.js';

export interface ServeOptions {
  source?: string;
  host: string;
  port: number;
  fps: number;
  mode: Mode;
  hwaccel: Hwaccel;
  loop: boolean;
  log: Logger;
  /** Native pace (default); false decodes as fast as possible, for benchmarks. */
  realtime?: boolean;
  /** Render worker threads; 0 renders inline. */
  workers?: number;
  /** Shared secret required on /ws and /audio; required when listening beyond loopback. */
  token?: string | null;
  /** Browser origins allowed besides the server's own. */
  allowOrigins?: string[];
  /** Viewers plus listeners at most (default DEFAULT_MAX_CLIENTS). */
  maxClients?: number;
  /** Control messages per second per viewer (default DEFAULT_MESSAGE_RATE). */
  messageRate?: number;
  /** The camera of viewers that name none (`serve --camera`; default flat). */
  camera?: CameraName;
  /** Overrides of the file's layout, stereo mode, eye and lens field of view (`--projection`, …). */
  format?: FormatFlags;
  tools?: FfmpegTools;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  health(): Health;
  close(): Promise<void>;
}

export interface Health {
  status: 'ok';
  source: string;
  kind: string;
  fps: number;
  duration: number;
  live: boolean;
  position: number;
  paused: boolean;
  ended: boolean;
  viewers: number;
  distinctViews: number;
  workWidth: number;
  /** What the source's frames hold and where each fact came from (source-format.ts). */
  format: {
    layout: string;
    stereo: string;
    eye: string;
    inFov: number | null;
    area: { left: number; top: number; right: number; bottom: number } | null;
    pose: { yaw: number; pitch: number; roll: number };
    initialView: { yaw: number; pitch: number; fov?: number } | null;
    /** The working frame (one eye, in the layout's own shape). */
    frame: { width: number; height: number };
    metadata: string | null;
    from: Record<string, string>;
  };
  workers: number;
  /** How hard mosaic fits work now: full, blocks, sextants or quadrants (src/workers/fit-effort.ts). */
  fitEffort: string;
  frames: { decoded: number; rendered: number; dropped: number; sent: number; viewerDropped: number };
  /** Each viewer's current view (the first HEALTH_VIEWS_MAX), so operators and tests can see who looks where. */
  views: { id: number; yaw: number; pitch: number; roll: number; fov: number; camera: string; cols: number; rows: number; mode: number; style: string; palette: string; pixel: boolean }[];
  ffmpegRestarts: number;
  listeners: number;
  clients: { max: number; refused: number };
  memory: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  /** The sound: availability, listeners, and the audio-minus-picture offset measured at the server. */
  audio: AudioHealth;
  uptime: number;
}

export const DEFAULT_MAX_CLIENTS = 64;
/** Well above one view message per displayed frame at 60 fps, with room for resizes and keys. */
export const DEFAULT_MESSAGE_RATE = 200;

/** Views listed in /healthz: enough to inspect, bounded so the answer stays small. */
const HEALTH_VIEWS_MAX = 64;

/** A change of working size waits this long, so a burst of zooms restarts ffmpeg once. */
const RESIZE_DEBOUNCE_MS = 1000;
/** A smaller working size must have sufficed this long before ffmpeg restarts for it. */
const SHRINK_AFTER_MS = 10_000;

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log;
  const tools = opts.tools ?? (await findFfmpeg());
  const opened = await openSource(opts.source, { fps: opts.fps, loop: opts.loop, hwaccel: opts.hwaccel, realtime: opts.realtime ?? true, format: opts.format }, tools, log);
  const info = opened.info;
  const started = Date.now();

  const sessions = new Set<ViewerSession>();
  /** Sessions grouped by view key: one render per key, fanned out to each. */
  const byKey = new Map<string, Set<ViewerSession>>();
  let sentTotal = 0;
  let viewerDroppedTotal = 0;

  const keyedViews = (): KeyedView[] => {
    const views: KeyedView[] = [];
    for (const [key, group] of byKey) {
      const first = group.values().next().value;
      if (first) views.push({ key, spec: first.spec });
    }
    return views;
  };

  const deliver = (frame: DecodedFrame, payloads: SharedPayload[]): void => {
    // The picture at this clock leaves now: the sound for it may follow.
    if (frame.run === playback.run && frame.clock !== undefined) audio.noteVideo(frame.clock);
    for (const payload of payloads) {
      const group = byKey.get(payload.key);
      if (group) for (const s of group) s.sendFrame(payload);
      payload.release();
    }
  };

  const pool = new RenderPool(opts.workers ?? defaultWorkerCount(), log);
  // A frame's renders are measured against the source's frame interval (fit-effort.ts).
  pool.frameIntervalMs = 1000 / info.fps;
  pool.onEffort = (effort, busy) => {
    log.info('render.effort', { effort, busy: Math.round(busy * 100) / 100, distinctViews: byKey.size });
    // Coarse fits need a smaller working frame, and decoding less is what relieves an overload most.
    scheduleWorkWidth(true);
  };
  const pipeline = new FramePipeline(pool, keyedViews, deliver);

  const broadcastError = (message: string): void => {
    for (const s of sessions) s.sendError(message);
  };

  let playback: Playback;
  const source = opened.create({
    onFrame: (frame) => playback.onFrame(frame),
    onError: (message) => playback.onSourceError(message),
    onEnd: () => playback.onSourceEnd(),
  });
  // The most detail worth decoding: the file's own, as the width of an equirect panorama.
  const detailCap = sourceDetail(info.format);
  playback = new Playback(source, chooseWorkWidth([], detailCap), {
    frame: (frame) => {
      // With no viewer nothing is rendered: the picture's clock is the decode's.
      if (sessions.size === 0 && frame.clock !== undefined) audio.noteVideo(frame.clock);
      pipeline.push(frame);
    },
    problem: broadcastError,
    ended: (failed, message) => {
      if (failed) {
        broadcastError(message);
        for (const s of [...sessions]) s.close(CloseCode.SOURCE_FAILED, message);
        return;
      }
      // The last frames are still rendering: every viewer gets them before the close.
      pipeline.whenIdle(() => {
        for (const s of [...sessions]) s.close(CloseCode.END_OF_STREAM, message, true);
        audio.end();
      });
    },
  }, log);

  const clients = (): number => sessions.size + audio.listeners.count;
  const audioInput = info.kind === 'demo'
    ? { kind: 'demo' as const, loopSeconds: DEMO_DURATION_SECONDS }
    : info.hasAudio && opts.source
      ? { kind: 'media' as const, input: opts.source, loop: opts.loop && !info.live }
      : null;
  const audio: AudioTrack = new AudioTrack(tools, audioInput, info.fps, () => playback.now(), () => playback.setClients(clients()), log, broadcastError);
  playback.setAudio(audio);

  let resizeTimer: NodeJS.Timeout | null = null;
  // Growing (someone zoomed in) follows within RESIZE_DEBOUNCE_MS; shrinking waits until the
  // smaller size has been enough for SHRINK_AFTER_MS, so viewers zooming back and forth do not
  // restart ffmpeg every second.
  // An overload (the fit effort stepping down) shrinks at once: it has its own hysteresis.
  let shrinkSince = 0;
  let shrinkNow = false;
  const scheduleWorkWidth = (overload = false): void => {
    shrinkNow ||= overload;
    if (resizeTimer) return;
    resizeTimer = setTimeout(() => {
      resizeTimer = null;
      if (sessions.size === 0) return;
      const target = chooseWorkWidth([...sessions].map((s) => s.spec), detailCap, pool.effort);
      const overloaded = shrinkNow;
      shrinkNow = false;
      if (target >= playback.workWidth || overloaded) {
        shrinkSince = 0;
        playback.setWorkWidth(target);
        return;
      }
      const at = Date.now();
      if (shrinkSince === 0) shrinkSince = at;
      if (at - shrinkSince >= SHRINK_AFTER_MS) {
        shrinkSince = 0;
        playback.setWorkWidth(target);
      } else {
        scheduleWorkWidth(); // look again later: the need may come back
      }
    }, RESIZE_DEBOUNCE_MS);
  };

  const join = (session: ViewerSession): void => {
    let group = byKey.get(session.key);
    if (!group) byKey.set(session.key, (group = new Set()));
    group.add(session);
  };
  const leave = (session: ViewerSession, key: string): void => {
    const group = byKey.get(key);
    if (!group) return;
    group.delete(session);
    if (group.size === 0) byKey.delete(key);
  };

  const initBase = (): Omit<InitInfo, 'mode' | 'cols' | 'rows' | 'pixel' | 'style' | 'palette' | 'camera'> => ({
    fps: info.fps,
    duration: info.duration,
    startSec: playback.position,
    live: info.live,
  });

  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  let refused = 0;
  const admit = (): string | null => {
    if (clients() < maxClients) return null;
    refused++;
    log.warn('client.refused', { reason: 'server full', max: maxClients });
    return `server full (${maxClients} clients); try again later`;
  };

  const hooks = {
    initBase,
    messageRate: opts.messageRate ?? DEFAULT_MESSAGE_RATE,
    onSpecChange(session: ViewerSession, previousKey: string) {
      leave(session, previousKey);
      join(session);
      // Nothing new is being decoded (paused, still photo): render the kept frame for this view.
      if (!source.running) pipeline.refresh(session.key);
      scheduleWorkWidth();
    },
    onTimeline(_session: ViewerSession, message: { type: 'pause'; paused: boolean } | { type: 'seek'; time: number }) {
      return message.type === 'pause' ? playback.setPaused(message.paused) : playback.seek(message.time);
    },
  };

  const { server, wss } = createHttpServer({
    defaultMode: opts.mode,
    defaultCamera: opts.camera ?? 'flat',
    initialView: info.format.initialView,
    log,
    health,
    audioAvailable: () => audio.available,
    access: { token: opts.token ?? null, allowOrigins: opts.allowOrigins ?? [] },
    admit,
    metrics: () => prometheusText(health()),
    audioListener(res) {
      audio.addListener(res);
      log.info('listener.joined', { listeners: audio.listeners.count });
      res.on('close', () => log.info('listener.left', { listeners: audio.listeners.count }));
    },
    viewer(ws: WebSocket, spec: ViewSpec, notice: string | null) {
      const session = new ViewerSession(ws, spec, hooks);
      // The first viewer decides the working size before the source starts, saving a restart.
      if (sessions.size === 0) playback.setWorkWidth(chooseWorkWidth([spec], detailCap, pool.effort));
      sessions.add(session);
      join(session);
      log.info('viewer.joined', { id: session.id, grid: `${spec.cols}x${spec.rows}`, mode: spec.mode, style: spec.style, viewers: sessions.size });
      session.sendInit();
      if (notice) session.sendError(notice);
      ws.on('close', () => {
        sessions.delete(session);
        leave(session, session.key);
        sentTotal += session.queue.sent;
        viewerDroppedTotal += session.queue.dropped;
        session.queue.close();
        log.info('viewer.left', { id: session.id, sent: session.queue.sent, dropped: session.queue.dropped, viewers: sessions.size });
        playback.setClients(clients());
      });
      ws.on('error', (error) => log.debug('viewer.socket_error', { id: session.id, error: error.message }));
      playback.setClients(clients());
      if (!source.running) pipeline.refresh(session.key);
      scheduleWorkWidth();
    },
  });

  function formatHealth(): Health['format'] {
    const f = info.format;
    const p = f.picture;
    const partial = p.layout === 'equirect' && (p.area.left > 0 || p.area.top > 0 || p.area.right < 1 || p.area.bottom < 1);
    return {
      layout: p.layout,
      stereo: f.stereo,
      eye: f.eye,
      inFov: p.layout === 'fisheye' || p.layout === 'dfisheye' ? p.inFov : null,
      area: partial ? { ...p.area } : null,
      pose: { ...p.pose },
      initialView: f.initialView,
      frame: playback.frameSize,
      metadata: f.metadata,
      from: { ...f.from },
    };
  }

  function health(): Health {
    let sent = sentTotal;
    let viewerDropped = viewerDroppedTotal;
    for (const s of sessions) {
      sent += s.queue.sent;
      viewerDropped += s.queue.dropped;
    }
    return {
      status: 'ok',
      source: info.label,
      kind: info.kind,
      fps: info.fps,
      duration: info.duration,
      live: info.live,
      position: Math.round(playback.position * 1000) / 1000,
      paused: playback.isPaused,
      ended: playback.isEnded,
      viewers: sessions.size,
      distinctViews: byKey.size,
      workWidth: playback.workWidth,
      format: formatHealth(),
      workers: pool.workerCount,
      fitEffort: pool.effort,
      frames: { decoded: pipeline.decoded, rendered: pipeline.rendered, dropped: pipeline.dropped + source.discarded, sent, viewerDropped },
      views: [...sessions].slice(0, HEALTH_VIEWS_MAX).map(({ id, spec: s }) => ({
        id, yaw: s.yaw, pitch: s.pitch, roll: s.roll, fov: s.fov, camera: s.camera, cols: s.cols, rows: s.rows, mode: s.mode, style: s.style, palette: s.palette, pixel: s.style === 'half',
      })),
      ffmpegRestarts: playback.restarts + audio.restarts,
      listeners: audio.listeners.count,
      clients: { max: maxClients, refused },
      memory: (({ rss, heapUsed, external, arrayBuffers }) => ({ rss, heapUsed, external, arrayBuffers }))(process.memoryUsage()),
      audio: audio.health(),
      uptime: Math.round((Date.now() - started) / 1000),
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: NodeJS.ErrnoException) => {
    await Promise.all([pool.dispose(), playback.dispose()]);
    throw new Ascii360Error('LISTEN_FAILED', `cannot listen on ${opts.host}:${opts.port}: ${error.code ?? error.message}`);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info('server.listening', { url, source: info.label, kind: info.kind, fps: info.fps, duration: info.duration, workers: pool.workerCount, ffmpeg: tools.version });

  let closing: Promise<void> | null = null;
  return {
    url,
    host: address.address,
    port: address.port,
    health,
    close() {
      closing ??= (async () => {
        if (resizeTimer) clearTimeout(resizeTimer);
        for (const s of [...sessions]) s.close(CloseCode.GOING_AWAY, 'server shutting down');
        await Promise.all([playback.dispose(), audio.dispose()]);
        pipeline.reset();
        await pool.dispose();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        log.info('server.closed');
      })();
      return closing;
    },
  };
}
