/**
 * Equirectangular test scenes for the picture bench, made by ffmpeg's lavfi generators at run time
 * (no media is committed), and the reference view of each: ffmpeg's own v360 of the full-resolution
 * scene at 8×16 pixels per cell, the picture a terminal cell grid is trying to be.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { verticalFovDegrees } from '../../protocol/view.js';

export interface Scene {
  name: string;
  /** One line for the report. */
  description: string;
  /** The full-resolution equirectangular PNG. */
  path: string;
  width: number;
  height: number;
  /** The view the bench looks at: chosen to show the scene's structure. */
  yaw: number;
  pitch: number;
}

/** The view's grid and geometry (the issue's: 160×45 cells, 90° across, cells 8×16 px). */
export const VIEW = { cols: 160, rows: 45, fov: 90, aspect: 0.5, cellW: 8, cellH: 16 } as const;
export const REF_W = VIEW.cols * VIEW.cellW;
export const REF_H = VIEW.rows * VIEW.cellH;

const SCENE_W = 4096;
const SCENE_H = 2048;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export function ffmpeg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-nostdin', ...args], { maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`ffmpeg: ${String(stderr).trim().split('\n').pop() ?? error.message}`));
      else resolve(String(stderr));
    });
  });
}

/**
 * The scenes, written as PNGs into `dir`:
 * - mandelbrot: a zoom into the seahorse valley (smooth colour gradients around filaments of
 *   pixel-fine detail: the nearest lavfi has to a photograph), rendered at 2× and averaged down,
 *   mirrored so the 360° wraps without a seam;
 * - testcard: testsrc2's colour bars with a 256 px grid of 3 px lines, text at three sizes, an
 *   outlined and a filled box, a band of rule-110 automaton cells (hard edges at every scale) and
 *   a band of smooth multi-point gradients.
 */
export async function makeScenes(dir: string, only?: readonly string[]): Promise<Scene[]> {
  const scenes: Scene[] = [];
  const want = (name: string) => !only || only.length === 0 || only.includes(name);
  if (want('mandelbrot')) {
    const path = join(dir, 'scene-mandelbrot.png');
    const half = SCENE_W / 2;
    await ffmpeg([
      '-loglevel', 'error', '-y', '-filter_complex',
      // Rendered at 2× and averaged down, as a camera's optics would: without it the filaments are aliased noise.
      `mandelbrot=size=${2 * half}x${2 * SCENE_H}:start_scale=0.012:maxiter=512:outer=normalized_iteration_count:inner=period,` +
        `scale=${half}:${SCENE_H}:flags=area,split[l][r];[r]hflip[rf];[l][rf]hstack`,
      '-frames:v', '1', '-pix_fmt', 'rgb24', path,
    ]);
    scenes.push({ name: 'mandelbrot', description: 'mandelbrot zoom, mirrored (gradients + pixel-fine filaments)', path, width: SCENE_W, height: SCENE_H, yaw: -60, pitch: -8 });
  }
  if (want('testcard')) {
    const path = join(dir, 'scene-testcard.png');
    const font = existsSync(FONT) ? `fontfile=${FONT}:` : '';
    const text = (t: string, size: number, x: number, y: number, colour: string, box: string) =>
      `drawtext=${font}text='${t}':fontsize=${size}:fontcolor=${colour}:x=${x}:y=${y}:box=1:boxcolor=${box}:boxborderw=${Math.round(size / 10)}`;
    const graph = [
      `testsrc2=s=${SCENE_W}x${SCENE_H}:d=1:r=1,drawgrid=w=256:h=256:t=3:c=white@0.7[a]`,
      // Every colour and end point given: ffmpeg 5.1 draws unset (or out-of-frame) ones at random, whatever the seed.
      `gradients=s=${SCENE_W}x648:d=1:r=1:n=5:c0=0x1f77b4:c1=0xff7f0e:c2=0x2ca02c:c3=0xd62728:c4=0x9467bd:x0=0:y0=0:x1=${SCENE_W - 1}:y1=647:seed=7[g]`,
      `cellauto=s=1024x40:rule=110:r=1:random_seed=3,scale=${SCENE_W}x160:flags=neighbor,format=rgb24,` +
        `geq=r='p(X,Y)*0.9':g='p(X,Y)*(0.5+0.5*sin(X/300))':b='p(X,Y)*(0.5+0.5*cos(X/500))'[c]`,
      '[a][g]overlay=0:1400[ag]',
      '[ag][c]overlay=0:1240,' +
        [
          'drawbox=x=1650:y=980:w=760:h=420:c=red@0.8:t=12',
          'drawbox=x=2250:y=1040:w=220:h=220:c=yellow:t=fill',
          text('ascii360 picture', 72, 1640, 860, 'white', 'black@0.6'),
          text('EDGES gradients 0123456789', 40, 1700, 1110, 'black', 'white'),
          text('fine print, the quick brown fox jumps over the lazy dog', 22, 1700, 1180, 'white', 'black@0.5'),
        ].join(','),
    ].join(';');
    await ffmpeg(['-loglevel', 'error', '-y', '-filter_complex', graph, '-frames:v', '1', '-pix_fmt', 'rgb24', path]);
    scenes.push({ name: 'testcard', description: 'testsrc2 bars, grid, text at 72/40/22 px, boxes, automaton band, gradients', path, width: SCENE_W, height: SCENE_H, yaw: 0, pitch: -10 });
  }
  return scenes;
}

/** Vertical field of view of the bench's view (PROTOCOL-NOTES.md §7). */
export function viewVerticalFov(): number {
  return verticalFovDegrees(VIEW.fov, VIEW.cols, VIEW.rows, VIEW.aspect);
}

/**
 * The reference: `v360=input=e:output=flat` of the full-resolution scene at REF_W × REF_H, with
 * PROTOCOL-NOTES.md §7's angles, bicubic (the scene has about 0.8 source pixels per output pixel).
 */
export async function renderReference(scene: Scene, path: string): Promise<void> {
  const v = viewVerticalFov();
  await ffmpeg([
    '-loglevel', 'error', '-y', '-i', scene.path, '-vf',
    `v360=input=e:output=flat:yaw=${scene.yaw}:pitch=${scene.pitch}:roll=0:h_fov=${VIEW.fov}:v_fov=${v.toFixed(4)}:w=${REF_W}:h=${REF_H}:interp=cubic,format=rgb24`,
    '-frames:v', '1', path,
  ]);
}
