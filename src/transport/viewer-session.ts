/**
 * One WebSocket viewer: its ViewSpec, its send queue, and the handling of its messages. Everything a
 * client says is checked by protocol/messages.ts; a bad message earns `Error: <reason>` and the
 * connection stays open (PROTOCOL-NOTES.md §6.1).
 */
import type { RawData, WebSocket } from 'ws';
import { clampFov, CloseCode, encodeInit, PONG_TEXT, encodeStatus, type TimelineStatus, frameShape, Limits, parseClientMessage, ProtocolError, sampleCount, type ClientMessage, type InitInfo } from '../../protocol/index.js';
import type { ViewSpec } from '../shared/types.js';
import type { FramePayload } from '../shared/frame-payload.js';
import { viewKey } from '../shared/view-key.js';
import { RateLimit } from './rate-limit.js';
import { SendQueue } from './send-queue.js';

export interface SessionHooks {
  /**
   * The spec (and so the key) changed; `previousKey` is the one the session had. `byItself`: a view
   * the client's own motion made (auto-rotate, coasting: §4 `auto`), not the user's hand.
   */
  onSpecChange(session: ViewerSession, previousKey: string, needsInit: boolean, byItself: boolean): void;
  /** Whether decoded frames are coming (playing, not a photo): an `auto` view then waits for the next (takeAutoView). */
  framesFlowing(): boolean;
  /** pause/seek act on the shared timeline; returns an error reason, or null when done. */
  onTimeline(session: ViewerSession, message: Extract<ClientMessage, { type: 'pause' | 'seek' }>): string | null;
  /** INIT fields that do not depend on the viewer (fps, duration, position, live). */
  initBase(): Omit<InitInfo, 'mode' | 'cols' | 'rows' | 'pixel' | 'style' | 'palette' | 'camera'>;
  /** The viewer asked for a keyframe (§5): it needs one soon, even with nothing new decoded. */
  onKeyframe?(session: ViewerSession): void;
  /** The viewer lost the frame its next DELTA would patch (§3.7); frames flowing bring a keyframe by themselves. */
  onBaseLost?(session: ViewerSession): void;
  /** Control messages per second a viewer may send (`--max-message-rate`). */
  messageRate: number;
}

/** A viewer that has this many messages ignored, with no quiet spell of THROTTLE_FORGET_MS, is closed. */
const THROTTLE_CLOSE_AFTER = 1000;
const THROTTLE_FORGET_MS = 10_000;

let nextSessionId = 1;

export class ViewerSession {
  readonly id = nextSessionId++;
  key: string;
  readonly queue: SendQueue;
  private readonly rate: RateLimit;
  private throttled = 0;
  private lastThrottled = -Infinity;
  private lastThrottleNotice = -Infinity;
  /**
   * Coded frames (PROTOCOL-NOTES.md §3.7): the id of the state this viewer shows once its queue is
   * sent, or null when it has none to patch (it just joined, got an INIT, lost a frame, asked for a
   * keyframe). A DELTA goes only to viewers whose `shows` is its base; the others get its keyframe.
   */
  shows: number | null = null;
  /** The `requestId` of this viewer's seek on its way, answered with SEEKED when the timeline's STATUS:SEEKED comes (§2.2). */
  private seekAsked: number | string | null = null;
  /**
   * An `auto` view (§4) waiting for the next decoded frame (takeAutoView): taken at once, the frame
   * already rendering for the view before went to a key the viewer had left, and was lost (21 of
   * 30 frames a second reached an auto-rotating mosaic page).
   */
  private autoView: ViewSpec | null = null;

  constructor(
    private readonly ws: WebSocket,
    public spec: ViewSpec,
    private readonly hooks: SessionHooks,
  ) {
    this.key = viewKey(spec);
    this.queue = new SendQueue(ws);
    this.rate = new RateLimit(hooks.messageRate);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
  }

  sendInit(): void {
    // The INIT discards waiting frames, and the frames after it have a new shape: no base.
    this.shows = null;
    const s = this.spec;
    const shape = frameShape(s);
    this.queue.pushText(encodeInit({ ...this.hooks.initBase(), mode: s.mode, cols: s.cols, rows: shape.initRows, pixel: shape.pixel, style: s.style, palette: s.palette, camera: s.camera, view: { yaw: s.yaw, pitch: s.pitch, fov: s.fov } }));
  }

  sendError(reason: string): void {
    this.sendText(`Error: ${reason}`);
  }

  /** The timeline as the server has it (PROTOCOL-NOTES.md §2.1). */
  sendStatus(status: TimelineStatus): void {
    this.sendText(encodeStatus(status));
    // This viewer's own seek has landed: its answer follows the STATUS every viewer gets (§2.2).
    // In a cluster that STATUS comes back through Redis, after the seek message was handled.
    if (status.code === 'SEEKED' && this.seekAsked !== null) {
      this.sendText(`SEEKED:${this.seekAsked}:${(status.position ?? 0).toFixed(9)}`);
      this.seekAsked = null;
    }
  }

  /** A control text; a frame it discarded from the queue was this viewer's next base, so it needs a keyframe. */
  private sendText(text: string): void {
    if (this.queue.pushText(text) > 0) this.lostBase();
  }

  /** Sends a frame, or its keyframe when this viewer lacks the frame's base; false when neither could go (a keyframe is due). */
  sendFrame(payload: FramePayload): boolean {
    if (payload.base !== -1 && payload.base === this.shows) {
      if (this.queue.pushFrame(payload, true)) return this.showing(payload);
      // A DELTA cannot push out the frame it patches (a backed-up link): its keyframe replaces both.
      if (!payload.keyframe) {
        this.queue.dropPending(1);
        this.lostBase();
        return false;
      }
    }
    const whole = payload.base === -1 ? payload : payload.keyframe;
    if (!whole) {
      // A DELTA on a frame this viewer lacks, offered without its keyframe: this frame is lost to it.
      this.queue.missed();
      this.lostBase();
      return false;
    }
    this.queue.pushFrame(whole);
    return this.showing(whole);
  }

  private showing(frame: FramePayload): true {
    this.shows = frame.id;
    return true;
  }

  /**
   * This viewer lacks the frame the next DELTA patches: the next render makes it a keyframe. While
   * paused no next render would come, so the app is told (after this delivery) to make one.
   */
  private lostBase(): void {
    this.shows = null;
    setImmediate(() => this.hooks.onBaseLost?.(this));
  }

  /** Whether this viewer can take a DELTA on the state `id` (false: the next frame it gets must be a keyframe). */
  hasState(id: number | undefined): boolean {
    return this.shows !== null && this.shows === id;
  }

  /** Closes the session; with `flush`, frames still waiting go out first (end of stream). */
  close(code: number, reason: string, flush = false): void {
    if (flush) this.queue.flush();
    this.queue.close();
    this.ws.close(code, closeReason(reason));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!this.rate.take()) {
      const at = performance.now();
      if (at - this.lastThrottled > THROTTLE_FORGET_MS) this.throttled = 0;
      this.lastThrottled = at;
      this.throttled++;
      if (this.throttled >= THROTTLE_CLOSE_AFTER) {
        this.sendError('too many messages; closing');
        this.close(CloseCode.POLICY, 'too many messages');
        return;
      }
      const now = performance.now();
      // One notice a second at most: the answer must not amplify the flood.
      if (now - this.lastThrottleNotice > 1000) {
        this.lastThrottleNotice = now;
        this.sendError(`too many messages (limit ${this.hooks.messageRate}/s); some were ignored`);
      }
      return;
    }
    if (isBinary) {
      this.sendError('binary messages are not understood; send JSON text');
      return;
    }
    let message: ClientMessage;
    try {
      message = parseClientMessage(data.toString());
    } catch (error) {
      this.sendError(error instanceof ProtocolError ? error.message : 'message could not be read');
      return;
    }
    if (message.type === 'ping') {
      // The page's question whether this server is still there (§5): about the link, not the view.
      this.queue.pushAside(PONG_TEXT);
      return;
    }
    // A pause or a seek takes every viewer's waiting view itself, after it acts (app.ts onTimeline).
    if (message.type !== 'view' && message.type !== 'pause' && message.type !== 'seek') this.takeAutoView();
    switch (message.type) {
      case 'view': {
        // Each camera has its own range of fields of view (§7): the FOV asked for, or kept, is clamped to it.
        const { auto, ...angles } = message;
        const base = this.autoView ?? this.spec;
        const next = { ...base, ...stripUndefined(angles) };
        const spec = { ...next, fov: clampFov(next.camera, next.fov) };
        this.autoView = null;
        if (auto === true && next.camera === this.spec.camera && this.hooks.framesFlowing()) this.autoView = spec;
        else this.update(spec, next.camera !== this.spec.camera, false, auto === true);
        return;
      }
      case 'resize':
        if (!this.fits(message.cols, message.rows, this.spec.style)) return;
        this.update({ ...this.spec, cols: message.cols, rows: message.rows, aspect: message.aspect ?? this.spec.aspect }, true);
        return;
      case 'mode':
        this.update({ ...this.spec, mode: message.mode }, true);
        return;
      case 'style':
        if (!this.fits(this.spec.cols, this.spec.rows, message.style)) return;
        this.update({ ...this.spec, style: message.style, palette: message.palette ?? this.spec.palette }, true);
        return;
      case 'reinit':
        // ASCILINE's client waits for the INIT a reinit brings, whether or not the style changes.
        if (!this.fits(this.spec.cols, this.spec.rows, message.style)) return;
        this.update({ ...this.spec, style: message.style }, true, true);
        return;
      case 'quality':
        this.update({ ...this.spec, quality: message.quality }, false);
        return;
      case 'keyframe':
        // The client lost its base (a frame that did not decode): its next frame stands alone.
        this.shows = null;
        this.hooks.onKeyframe?.(this);
        return;
      case 'pause':
      case 'seek': {
        // ASCILINE's clients wait for their own seek's answer (sendStatus); a newer seek replaces it.
        if (message.type === 'seek') this.seekAsked = message.requestId ?? null;
        const error = this.hooks.onTimeline(this, message);
        if (error) {
          this.seekAsked = null;
          this.sendError(error);
        }
        return;
      }
      case 'buffer':
      case 'filter':
      case 'playback-ready':
        return;
    }
  }

  /** Whether a grid of this style stays within the sample cap (§1.2); if not, says so and changes nothing. */
  private fits(cols: number, rows: number, style: ViewSpec['style']): boolean {
    const samples = sampleCount(cols, rows, style);
    if (samples <= Limits.SAMPLES_MAX) return true;
    this.sendError(`grid ${cols}x${rows} in style ${style} takes ${samples} samples, over the limit of ${Limits.SAMPLES_MAX}`);
    return false;
  }

  /**
   * Takes the `auto` view waiting, if any: called as each decoded frame goes to be rendered (so it
   * renders the new view), before any other message of the viewer's, and when frames stop.
   */
  takeAutoView(): void {
    const spec = this.autoView;
    if (!spec) return;
    this.autoView = null;
    this.update(spec, false, false, true);
  }

  /** `forceInit`: a new INIT even when the shape stays (ASCILINE's reinit); `byItself`: onSpecChange's. */
  private update(next: ViewSpec, shapeMayChange: boolean, forceInit = false, byItself = false): void {
    const s = this.spec;
    const needsInit =
      forceInit ||
      (shapeMayChange &&
        (next.cols !== s.cols || next.rows !== s.rows || next.mode !== s.mode || next.style !== s.style || next.palette !== s.palette || next.camera !== s.camera));
    const previousKey = this.key;
    this.spec = next;
    this.key = viewKey(next);
    if (needsInit) this.sendInit();
    if (this.key !== previousKey || needsInit) this.hooks.onSpecChange(this, previousKey, needsInit, byItself);
  }
}

/** A close frame's reason holds at most 123 bytes (RFC 6455 §5.5): longer ones are cut on a character boundary. */
export const CLOSE_REASON_MAX_BYTES = 123;

export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= CLOSE_REASON_MAX_BYTES) return reason;
  let cut = reason.slice(0, CLOSE_REASON_MAX_BYTES - 1);
  while (Buffer.byteLength(cut) > CLOSE_REASON_MAX_BYTES - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'type') (out as Record<string, unknown>)[k] = v;
  return out;
}
