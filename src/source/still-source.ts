/**
 * A 360° photo (JPEG, PNG, WebP, AVIF) decoded with sharp. It is not re-sent at the frame rate:
 * one frame is produced per start, and the playback re-renders it when a view changes or a viewer joins.
 */
import type { Logger } from '../shared/logger.js';
import type { FrameRing } from './frame-ring.js';
import type { FrameSource, SourceEvents, SourceInfo } from './frame-source.js';
import { publicName } from '../shared/source-name.js';

/** sharp, loaded with the first photo: its native library is a fifth of a video server's start-up imports. */
type Sharp = typeof import('sharp');
let sharpModule: Promise<{ default: Sharp }> | null = null;
async function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp');
  return (await sharpModule).default;
}

/**
 * Files sharp decodes without asking ffprobe first. Not GIF: an animated one is a video (sharp
 * would show its first frame for good), so ffprobe tells (ffmpeg-tools.ts: one frame is a photo).
 */
export const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|avif|tiff?)$/i;

/**
 * Reads the photo's size as shown (after its EXIF orientation), its XMP, and how many frames of an
 * animation it holds (1 for a photo; the pages of a multi-page TIFF are not frames); throws when
 * sharp cannot read it (the caller words the error).
 */
export async function probeStill(path: string | Buffer): Promise<{ width: number; height: number; xmp: string | null; frames: number }> {
  const sharp = await loadSharp();
  const meta = await sharp(path, { limitInputPixels: false }).metadata();
  if (!meta.width || !meta.height) throw new Error('no picture size');
  // The header alone let a truncated JPEG start a server that failed only when a viewer came, after
  // its retries. A decode to a few pixels reads the whole file (a JPEG shrinks as it loads: an
  // 8000×4000 one took 23 ms) and fails as the real one would.
  await sharp(path, { limitInputPixels: false }).resize(64, 32, { fit: 'fill' }).raw().toBuffer();
  // Orientations 5–8 turn the photo a quarter: its shown width is the stored height.
  const turned = (meta.orientation ?? 1) >= 5;
  return {
    width: turned ? meta.height : meta.width,
    height: turned ? meta.width : meta.height,
    xmp: meta.xmp ? meta.xmp.toString('utf8') : null,
    // Frames with delays are an animation (WebP, an AVIF sequence); sharp draws the first.
    frames: Array.isArray(meta.delay) && (meta.pages ?? 1) > 1 ? meta.pages! : 1,
  };
}

export class StillSource implements FrameSource {
  private generation = 0;
  /** A photo is decoded on demand; there is no stream to lose frames from. */
  readonly discarded = 0;
  readonly decoder = { hwaccel: 'none', resizer: 'sharp' };
  /** The last decode, kept per working size: re-renders need no decode. */
  private cached: { width: number; height: number; rgb: Buffer } | null = null;

  constructor(
    /** The file, or its picture as PNG where only ffmpeg reads the file (open-source.ts). */
    private readonly path: string | Buffer,
    readonly info: SourceInfo,
    private readonly events: SourceEvents,
    private readonly log: Logger,
  ) {}

  get running(): boolean {
    return false;
  }

  start(_position: number, ring: FrameRing): void {
    const generation = ++this.generation;
    void this.decode(ring.width, ring.height).then(
      (rgb) => {
        if (generation !== this.generation) return;
        const slot = ring.acquire();
        if (slot < 0) return;
        ring.slots[slot]!.set(rgb);
        this.events.onFrame({ ring, slot, width: ring.width, height: ring.height, index: 0, position: 0, elapsed: 0 });
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.events.onError(`could not decode ${publicName(this.info.label)}: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  private async decode(width: number, height: number): Promise<Buffer> {
    if (this.cached && this.cached.width === width && this.cached.height === height) return this.cached.rgb;
    const started = Date.now();
    // A stereo photo decodes one eye: cut before the resize.
    const { x, y, width: cw, height: ch } = this.info.format.crop;
    const whole = cw === this.info.width && ch === this.info.height;
    const sharp = await loadSharp();
    const rotated = sharp(this.path, { limitInputPixels: false }).rotate();
    // sharp extracts before it rotates within one pipeline, so the eye is cut from the upright
    // photo's raw pixels (no second encode of the file's format).
    let picture = rotated;
    if (!whole) {
      const upright = await rotated.raw().toBuffer({ resolveWithObject: true });
      picture = sharp(upright.data, { raw: { width: upright.info.width, height: upright.info.height, channels: upright.info.channels } }).extract({ left: x, top: y, width: cw, height: ch });
    }
    const rgb = await picture
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer();
    this.log.debug('still.decoded', { width, height, ms: Date.now() - started });
    this.cached = { width, height, rgb };
    return rgb;
  }

  stop(): void {
    this.generation++;
  }

  async dispose(): Promise<void> {
    this.stop();
    this.cached = null;
  }
}
