/**
 * Picture quality (issue: picture): what a terminal shows of one view, in each of our cell styles
 * and by the peers, against ffmpeg's own rendering of the same view.
 *
 * For each generated scene (bench/picture/scenes.ts), the view 160×45 cells at 90° is rendered by:
 * - the reference: ffmpeg v360 of the full-resolution scene at 1280×720 (8×16 px per cell);
 * - each of our styles through the real path: the scene decoded by ffmpeg with the server's own
 *   arguments (buildDecodeArgs) at the working size the server would choose for that view
 *   (chooseWorkWidth), ViewRenderer (sampling + quantising or fitting, the worker's code), and the
 *   payload turned into terminal bytes by the terminal client's VideoRenderer (truecolor,
 *   tolerance 0, a first frame: a full draw);
 * - the peers, from the reference image: chafa (block + sextant symbols, its hardest work), timg
 *   (quarter blocks; half blocks too) and mpv's tct output (half blocks), each forced to 160×45.
 * Every byte stream is replayed into @xterm/headless, read back and drawn at 8×16 by the same code
 * (bench/picture/terminal-picture.ts), then compared with the reference by ffmpeg's psnr and ssim
 * filters over RGB (bench/picture/compare.ts).
 *
 * Run alone: `node dist/bench/picture-bench.js [--out DIR] [--screenshots [DIR]] [--scenes a,b]`.
 * --out keeps the drawn pictures and references (default: ascii360-picture in the temp folder);
 * --screenshots writes DIR/terminal-<style>.png (default docs/screenshots), 640 px wide, of the
 * testcard scene, and DIR/terminal-reference.png, its reference (256-colour dithered PNGs, to keep
 * the repository small; the figures are measured on the full 24-bit pictures).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CELL_STYLES, frameShape, STYLE_NAMES, type StyleName } from '../protocol/index.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import { VideoRenderer } from '../src/client/terminal/video-renderer.js';
import type { ViewSpec } from '../src/shared/types.js';
import { buildDecodeArgs } from '../src/source/ffmpeg-source.js';
import { findFfmpeg, protocolsFor, type FfmpegTools } from '../src/source/ffmpeg-tools.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { payloadCapacity, ViewRenderer } from '../src/workers/view-renderer.js';
import { EQUIRECT_FORMAT, type PictureFormat } from '../src/projection/layouts/index.js';
import { RGB24, type FramePixels } from '../src/shared/frame-pixels.js';
import { FrameAssembler } from '../src/source/frame-assembler.js';
import { FrameRing } from '../src/source/frame-ring.js';

/** How a 4:2:0 video of an untagged scene is read (ffmpeg's RGB→YUV conversion uses BT.601). */
const VIDEO_PIXELS: FramePixels = { kind: 'yuv420p', matrix: 'bt601', range: 'limited' };
import { compare, writePng, writeThumbnail, type Quality } from './picture/compare.js';
import { GlyphBook } from './picture/glyphs.js';
import { makeScenes, REF_H, REF_W, renderReference, VIEW, type Scene } from './picture/scenes.js';
import { drawCells, replay } from './picture/terminal-picture.js';

export interface PictureOptions {
  /** Folder for the drawn pictures and references; default ascii360-picture in the temp folder. */
  out?: string;
  /** Folder for terminal-<style>.png screenshots of the testcard scene; none when absent. */
  screenshots?: string;
  /** Scene names to run (default all). */
  scenes?: string[];
}

/** The style the terminal client picks where sextants draw: the issue's default. */
const DEFAULT_PICTURE_STYLE: StyleName = 'mosaic';
const SCREENSHOT_WIDTH = 640;
/** Text and edges show the styles apart at 640 px better than the fractal's gradients do (and compress). */
const SCREENSHOT_SCENE = 'testcard';
/** Working widths the default style is also measured at, beyond the one the server picks. */
const WIDER_WORKING = [2048, 4096];

export interface PictureRow {
  name: string;
  /** How it was drawn, for the table. */
  how: string;
  quality: Quality | null;
  bytes: number;
  /** Grid the bytes drew, when not 160×45; or why the row is empty. */
  note: string;
}

interface Peer {
  name: string;
  how: string;
  command: string;
  args: (reference: string) => string[];
  /** Cuts what the tool writes after the picture (mpv clears the screen on exit). */
  trim?: (bytes: Buffer) => Buffer;
}

const PEERS: Peer[] = [
  {
    name: 'chafa',
    how: 'chafa 160x45 block+sextant -w 9',
    command: 'chafa',
    args: (ref) => ['--symbols', 'block+sextant', '-w', '9', '--size', `${VIEW.cols}x${VIEW.rows}`, '--stretch', '--colors', 'full', '-f', 'symbols', '--animate', 'off', '--font-ratio', '1/2', ref],
  },
  {
    // Like for like: the glyphs our sextant style draws (sextants, the vertical halves, space, full block).
    name: 'chafa sextant',
    how: 'chafa, our sextant glyph set only',
    command: 'chafa',
    args: (ref) => ['--symbols', 'sextant+space+solid+u258c+u2590', '-w', '9', '--size', `${VIEW.cols}x${VIEW.rows}`, '--stretch', '--colors', 'full', '-f', 'symbols', '--animate', 'off', '--font-ratio', '1/2', ref],
  },
  { name: 'timg -pq', how: 'timg quarter blocks, 24-bit', command: 'timg', args: (ref) => ['-pq', `-g${VIEW.cols}x${VIEW.rows}`, ref] },
  { name: 'timg -ph', how: 'timg half blocks, 24-bit', command: 'timg', args: (ref) => ['-ph', `-g${VIEW.cols}x${VIEW.rows}`, ref] },
  {
    name: 'mpv tct',
    how: 'mpv --vo=tct half-blocks (rows addressed from 0: its first row is overdrawn)',
    command: 'mpv',
    args: (ref) => ['--no-config', '--vo=tct', '--vo-tct-algo=half-blocks', `--vo-tct-width=${VIEW.cols}`, `--vo-tct-height=${VIEW.rows}`, '--frames=1', '--really-quiet', '--no-audio', ref],
    // mpv draws the still twice, each from CUP 0;0, and clears the screen on exit: keep the last frame.
    // It numbers rows from 0, so its rows 0 and 1 both land on the terminal's first row, as in a real terminal.
    trim: (bytes) => {
      const end = bytes.lastIndexOf('\x1b[?25h');
      const cut = end > 0 ? bytes.subarray(0, end) : bytes;
      const start = cut.lastIndexOf('\x1b[0;0f');
      return start > 0 ? cut.subarray(start) : cut;
    },
  },
];

function run(command: string, args: string[]): Promise<Buffer | null> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { encoding: 'buffer', maxBuffer: 64 << 20, timeout: 120_000, env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' } }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolvePromise(null);
      else if (error) reject(new Error(`${command}: ${String(stderr).trim().split('\n').pop() ?? error.message}`));
      else resolvePromise(stdout);
    });
  });
}

/** The scene as the server's decoder delivers it at working width `width`: RGB24, width × width/2, or `pixels`' planes as a frame ring's slot holds them. */
async function decodeAtWorkingSize(tools: FfmpegTools, scene: Scene, width: number, pixels: FramePixels = RGB24): Promise<Uint8Array> {
  const height = width / 2;
  const args = buildDecodeArgs({ input: scene.path, width, height, fps: 30, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer: tools.resizer, realtime: false, loop: false, position: 0, protocols: protocolsFor(scene.path), decoded: { width: scene.width, height: scene.height }, crop: null, pixels: pixels.kind });
  const out = await run(tools.ffmpeg, args);
  const ring = new FrameRing(width, height, EQUIRECT_FORMAT, pixels, 1);
  const bytes = ring.layout.pictureBytes;
  if (!out || out.length < bytes) throw new Error(`picture bench: ffmpeg gave ${out?.length ?? 0} bytes, not a ${width}x${height} frame`);
  if (pixels.kind === 'rgb24') return new Uint8Array(out.buffer, out.byteOffset, bytes);
  new FrameAssembler(ring, () => {}).consume(new Uint8Array(out.buffer, out.byteOffset, bytes));
  return ring.slots[0]!;
}

function specFor(scene: Scene, style: StyleName): ViewSpec {
  return { yaw: scene.yaw, pitch: scene.pitch, roll: 0, fov: VIEW.fov, cols: VIEW.cols, rows: VIEW.rows, aspect: VIEW.aspect, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
}

/** Our terminal client's bytes for one full frame of `style` of the scene's view. */
function terminalBytes(spec: ViewSpec, frame: Uint8Array, width: number, format: PictureFormat = EQUIRECT_FORMAT): Uint8Array {
  const shape = frameShape(spec);
  const payload = new Uint8Array(payloadCapacity(spec));
  const length = new ViewRenderer(spec).render({ pixels: frame, width, height: width / 2, format }, 0, payload);
  const cells = payload.subarray(shape.headerBytes, length);
  const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: 0 });
  renderer.setRegion(0, 0, spec.cols, spec.rows);
  let bytes: Uint8Array;
  switch (shape.kind) {
    case 'cells':
      bytes = renderer.renderCells(cells, spec.cols, spec.rows);
      break;
    case 'pixels':
      bytes = renderer.renderPixels(cells, spec.cols, shape.sampleRows);
      break;
    case 'fitted':
      bytes = renderer.renderFitted(cells, spec.cols, spec.rows, CELL_STYLES[spec.style]);
      break;
    case 'text':
      throw new Error('picture bench: mode 5 never makes text frames');
  }
  return bytes.slice(); // the renderer's view is into a reused buffer
}

/** Fitted-style bytes from the reference itself: each sample the area mean of its sub-rectangle of the 8×16 cell. */
async function idealBytes(tools: FfmpegTools, reference: string, style: StyleName): Promise<Uint8Array> {
  const st = CELL_STYLES[style];
  const w = VIEW.cols * st.subX;
  const h = VIEW.rows * st.subY;
  const raw = await run(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-i', reference, '-vf', `scale=${w}:${h}:flags=area,format=rgb24`, '-f', 'rawvideo', 'pipe:1']);
  if (!raw || raw.length < w * h * 3) throw new Error('picture bench: ffmpeg gave no samples of the reference');
  const cells = new Uint8Array(VIEW.cols * VIEW.rows * st.bytesPerCell);
  new CellFitter(st).fit(new Uint8Array(raw.buffer, raw.byteOffset, w * h * 3), VIEW.cols, VIEW.rows, 5, cells, 0);
  const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: 0 });
  renderer.setRegion(0, 0, VIEW.cols, VIEW.rows);
  return renderer.renderFitted(cells, VIEW.cols, VIEW.rows, st).slice();
}

/** Replays, draws, writes `name`.png into `dir` and compares it with the reference. */
async function judge(bytes: Uint8Array, book: GlyphBook, dir: string, file: string, reference: string): Promise<{ quality: Quality; note: string }> {
  const screen = await replay(bytes, VIEW.cols, VIEW.rows);
  const picture = await drawCells(screen, book);
  const path = join(dir, `${file}.png`);
  await writePng(picture, REF_W, REF_H, path);
  const notes: string[] = [];
  if (screen.drawnCols !== VIEW.cols || screen.drawnRows !== VIEW.rows) notes.push(`drew ${screen.drawnCols}x${screen.drawnRows}`);
  if (screen.wide > 0) notes.push(`${screen.wide} wide cells`);
  return { quality: await compare(path, reference), note: notes.join(', ') };
}

export async function measurePicture(opts: PictureOptions = {}): Promise<{ scenes: { scene: Scene; rows: PictureRow[] }[]; out: string; fontOther: number[] }> {
  const tools = await findFfmpeg();
  const work = mkdtempSync(join(tmpdir(), 'ascii360-picture-'));
  const out = resolve(opts.out ?? join(tmpdir(), 'ascii360-picture'));
  const book = new GlyphBook();
  const results: { scene: Scene; rows: PictureRow[] }[] = [];
  try {
    const scenes = await makeScenes(work, opts.scenes);
    if (scenes.length === 0) throw new Error(`picture bench: no scene named ${opts.scenes?.join(', ')}`);
    for (const scene of scenes) {
      const dir = join(out, scene.name);
      mkdirSync(dir, { recursive: true });
      const reference = join(dir, 'reference.png');
      await renderReference(scene, reference);
      const rows: PictureRow[] = [];
      const frames = new Map<number, Uint8Array>();
      for (const style of STYLE_NAMES) {
        const spec = specFor(scene, style);
        const width = chooseWorkWidth([spec], scene.width);
        let frame = frames.get(width);
        if (!frame) {
          frame = await decodeAtWorkingSize(tools, scene, width);
          frames.set(width, frame);
        }
        const bytes = terminalBytes(spec, frame, width);
        const { quality, note } = await judge(bytes, book, dir, style, reference);
        rows.push({ name: style, how: `ascii360, working ${width}x${width / 2}`, quality, bytes: bytes.length, note });
      }
      // What the working size costs the default style: the same path from wider working frames.
      const spec = specFor(scene, DEFAULT_PICTURE_STYLE);
      const chosen = chooseWorkWidth([spec], scene.width);
      for (const width of WIDER_WORKING) {
        if (width <= chosen || width > scene.width) continue;
        const bytes = terminalBytes(spec, await decodeAtWorkingSize(tools, scene, width), width);
        const { quality, note } = await judge(bytes, book, dir, `${DEFAULT_PICTURE_STYLE}-${width}`, reference);
        rows.push({ name: `${DEFAULT_PICTURE_STYLE} @${width}`, how: `ascii360, working ${width}x${width / 2} (wider than the server picks)`, quality, bytes: bytes.length, note });
      }
      // The scene as most video stores it (4:2:0, H.264 lossless at qp 0): from its planes as the
      // server keeps them (frame-pixels.ts), and from RGB24 frames ffmpeg converts, side by side.
      {
        const video: Scene = { ...scene, path: join(work, `${scene.name}-420.mp4`) };
        const made = await run(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-i', scene.path, '-frames:v', '1', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', video.path]);
        if (made) {
          for (const pixels of [VIDEO_PIXELS, RGB24]) {
            const frame = await decodeAtWorkingSize(tools, video, chosen, pixels);
            const format = pixels.kind === 'rgb24' ? EQUIRECT_FORMAT : { ...EQUIRECT_FORMAT, pixels };
            const bytes = terminalBytes(spec, frame, chosen, format);
            const { quality, note } = await judge(bytes, book, dir, `${DEFAULT_PICTURE_STYLE}-420-${pixels.kind}`, reference);
            rows.push({ name: `${DEFAULT_PICTURE_STYLE} 4:2:0 ${pixels.kind === 'rgb24' ? 'rgb' : 'yuv'}`, how: `the scene as 4:2:0 video, ${pixels.kind === 'rgb24' ? 'RGB24 frames (ffmpeg converts)' : 'its planes (the server\'s frames)'}`, quality, bytes: bytes.length, note });
          }
        }
      }
      // The style's own ceiling: the fitter fed the reference's sub-rectangle means (no projection, no working frame).
      {
        const bytes = await idealBytes(tools, reference, DEFAULT_PICTURE_STYLE);
        const { quality, note } = await judge(bytes, book, dir, `${DEFAULT_PICTURE_STYLE}-ideal`, reference);
        rows.push({ name: `${DEFAULT_PICTURE_STYLE} ideal`, how: `CellFitter on the reference's own ${CELL_STYLES[DEFAULT_PICTURE_STYLE].subX}x${CELL_STYLES[DEFAULT_PICTURE_STYLE].subY} area means`, quality, bytes: bytes.length, note });
      }
      for (const peer of PEERS) {
        let output: Buffer | null;
        try {
          output = await run(peer.command, peer.args(reference));
        } catch (error) {
          rows.push({ name: peer.name, how: peer.how, quality: null, bytes: 0, note: `failed: ${(error as Error).message}` });
          continue;
        }
        if (!output) {
          rows.push({ name: peer.name, how: peer.how, quality: null, bytes: 0, note: `absent (${peer.command} not on PATH)` });
          continue;
        }
        const bytes = peer.trim ? peer.trim(output) : output;
        const { quality, note } = await judge(bytes, book, dir, peer.name.replace(/[^a-z0-9]+/gi, '-'), reference);
        rows.push({ name: peer.name, how: peer.how, quality, bytes: bytes.length, note });
      }
      results.push({ scene, rows });
    }
    const shot = results.find((x) => x.scene.name === SCREENSHOT_SCENE) ?? results[0];
    if (opts.screenshots && shot) {
      mkdirSync(opts.screenshots, { recursive: true });
      const dir = join(out, shot.scene.name);
      for (const style of STYLE_NAMES) await writeThumbnail(join(dir, `${style}.png`), SCREENSHOT_WIDTH, join(opts.screenshots, `terminal-${style}.png`));
      await writeThumbnail(join(dir, 'reference.png'), SCREENSHOT_WIDTH, join(opts.screenshots, 'terminal-reference.png'));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { scenes: results, out, fontOther: [...book.fontOther].sort((a, b) => a - b) };
}

export function formatPicture(r: Awaited<ReturnType<typeof measurePicture>>): string[] {
  const lines = [
    `picture quality, view ${VIEW.cols}x${VIEW.rows} cells at ${VIEW.fov}°, cells drawn 8x16 (${REF_W}x${REF_H}); reference ffmpeg v360 (cubic) of the 4096x2048 scene;`,
    '  terminal bytes replayed into @xterm/headless and drawn (blocks, sextants, octants by geometry, braille as dots, letters from DejaVu Sans Mono);',
    "  PSNR / SSIM by ffmpeg's psnr and ssim filters over RGB (gbrp); bytes: one full frame; ours truecolor, tolerance 0",
  ];
  let aim = true;
  let aimKnown = true;
  for (const { scene, rows } of r.scenes) {
    lines.push(`  scene ${scene.name} (${scene.description}), yaw ${scene.yaw} pitch ${scene.pitch}:`);
    lines.push(`    ${'style / peer'.padEnd(14)} ${'PSNR dB'.padStart(8)} ${'SSIM'.padStart(7)} ${'bytes'.padStart(8)}   how`);
    for (const row of rows) {
      const q = row.quality;
      lines.push(
        `    ${row.name.padEnd(14)} ${(q ? q.psnr.toFixed(2) : '-').padStart(8)} ${(q ? q.ssim.toFixed(4) : '-').padStart(7)} ${(q ? String(row.bytes) : '-').padStart(8)}   ${row.how}${row.note ? `  [${row.note}]` : ''}`,
      );
    }
    const ours = rows.find((x) => x.name === DEFAULT_PICTURE_STYLE)?.quality;
    const chafa = rows.find((x) => x.name === 'chafa')?.quality;
    if (!ours || !chafa) aimKnown = false;
    else if (ours.psnr < chafa.psnr) aim = false;
  }
  lines.push(`  default style (${DEFAULT_PICTURE_STYLE}) >= chafa PSNR on every scene: ${aimKnown ? (aim ? 'yes' : 'no') : 'unknown (chafa absent)'}`);
  if (r.fontOther.length > 0) lines.push(`  drawn from the font besides ASCII: ${r.fontOther.map((cp) => `U+${cp.toString(16).toUpperCase()}`).join(' ')}`);
  lines.push(`  pictures: ${r.out}/<scene>/{reference,<style>,<peer>}.png`);
  return lines;
}

export async function benchPicture(opts: PictureOptions = {}): Promise<string[]> {
  return formatPicture(await measurePicture(opts));
}

function parseArgs(argv: string[]): PictureOptions {
  const opts: PictureOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const value = next !== undefined && !next.startsWith('--') ? next : undefined;
    if (a === '--out' && value) {
      opts.out = value;
      i++;
    } else if (a === '--screenshots') {
      opts.screenshots = value ?? 'docs/screenshots';
      if (value) i++;
    } else if (a === '--scenes' && value) {
      opts.scenes = value.split(',');
      i++;
    } else {
      throw new Error(`picture bench: unknown argument ${a}; use --out DIR, --screenshots [DIR], --scenes a,b`);
    }
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  benchPicture(parseArgs(process.argv.slice(2)))
    .then((lines) => console.log(lines.join('\n')))
    .catch((error: unknown) => {
      console.error(`picture bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
