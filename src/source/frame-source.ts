/**
 * What every picture source offers the playback: ffmpeg video, a still photo, the built-in demo.
 */
import type { DecodedFrame } from '../shared/types.js';
import type { SourceFormat } from './source-format.js';
import type { FrameRing } from './frame-ring.js';
import type { FramePixels } from '../shared/frame-pixels.js';

export type SourceKind = 'video' | 'still' | 'demo';

export interface SourceInfo {
  /** What the operator named (a path, a URL, "demo"), for logs and /healthz. */
  label: string;
  kind: SourceKind;
  /** Output frame rate of the stream. */
  fps: number;
  /** Seconds; 0 when unknown (live). */
  duration: number;
  /** No end and no position: pause and seek are refused. */
  live: boolean;
  /**
   * Why ffmpeg cannot start this file anywhere but at its beginning (a raw H.264 stream has no
   * index: started at 2 s it gives no frame at all), for the Error refusing a seek or a pause;
   * absent where it can.
   */
  unseekable?: string;
  hasAudio: boolean;
  /** Native picture size (the whole frame, both eyes of a stereo file). */
  width: number;
  height: number;
  /** What the frames hold: layout, stereo eye, pose, initial view (source-format.ts). */
  format: SourceFormat;
  /** How the source stores working frames of an even size: its decoder's 4:2:0, or RGB24 (frame-pixels.ts). */
  pixels: FramePixels;
}

export interface SourceEvents {
  /** A complete frame; its slot is retained once on behalf of the receiver, who must release it. */
  onFrame(frame: DecodedFrame): void;
  /** The source stopped unexpectedly (one line); the owner decides whether to restart it. */
  onError(message: string): void;
  /** The source reached its natural end (non-looping file). */
  onEnd(): void;
}

/** The accelerator in use (`none` in software) and what shrinks each frame: an ffmpeg filter, `sharp`, or `none`. */
export interface DecoderInfo {
  hwaccel: string;
  resizer: string;
}

export interface FrameSource {
  readonly info: SourceInfo;
  /** Frames are being produced (a still source produces one and stops). */
  readonly running: boolean;
  /** How frames are decoded and shrunk to the working size (/healthz `decoder`). */
  readonly decoder: DecoderInfo;
  /** Frames lost before the queue because every frame slot was busy (counted in /healthz). */
  readonly discarded: number;
  /**
   * Produces frames from `position` (seconds) into `ring`, replacing any run in progress.
   * With `once`, stops after the first frame (a paused seek shows the new picture). With `dueMs`
   * (a wall-clock time, Date.now()), frame k of the run is held until dueMs + k / fps: servers of a
   * cluster start their decoders a little ahead and show each frame at the same moment.
   */
  start(position: number, ring: FrameRing, once?: boolean, dueMs?: number): void;
  stop(): void;
  /** Stops for good, killing any child process. */
  dispose(): Promise<void>;
}
