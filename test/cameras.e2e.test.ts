/**
 * Cameras end to end (PROTOCOL-NOTES.md §1.2, §2, §5, §7): a real server on a still photo whose
 * western half (longitude −180…0) is white and eastern half black, viewers over real sockets.
 * Looking east (yaw 90), a flat 90° view sees only black; a 300° fisheye sees white around it.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseInit } from '../protocol/index.js';
import { CLI, errors, getJson, halvesPhotoServer, inits, startCli, TestViewer } from './helpers/server.js';

const halves = halvesPhotoServer();
const viewer = halves.viewer;

/** Share of a half-block pixel frame's pixels that are bright. */
function brightShare(frame: Buffer): number {
  let bright = 0;
  for (let i = 4; i < frame.length; i += 3) if (frame[i]! > 128) bright++;
  return bright / ((frame.length - 4) / 3);
}

describe('cameras over the wire', () => {
  it('camera=fisheye: INIT names it, and the picture reaches round behind the view', async () => {
    const flat = viewer('cols=40&rows=10&style=half&yaw=90&fov=90');
    const fish = viewer('cols=40&rows=10&style=half&yaw=90&fov=300&camera=fisheye');
    await flat.until(() => flat.frames.length >= 1, 'a flat frame');
    await fish.until(() => fish.frames.length >= 1, 'a fisheye frame');
    expect(parseInit(inits(flat)[0]!).camera).toBe('flat');
    expect(inits(fish)[0]!.split(':')[12]).toBe('fisheye');
    expect(brightShare(flat.frames[0]!)).toBe(0);
    // 300° wide: everything more than 90° from east is the white half, at the picture's sides.
    expect(brightShare(fish.frames[0]!)).toBeGreaterThan(0.15);
    expect(errors(fish)).toEqual([]);
  });

  it('a view message switches the camera: a new INIT, and frames through the new camera', async () => {
    const v = viewer('cols=40&rows=10&style=half&yaw=90&fov=90');
    await v.until(() => v.frames.length >= 1, 'a first frame');
    v.send({ type: 'view', camera: 'equirect', fov: 360 });
    await v.until(() => inits(v).length >= 2, 'the INIT for the new camera');
    expect(parseInit(inits(v)[1]!).camera).toBe('equirect');
    await v.until(() => v.frames.length >= 2 && brightShare(v.frames.at(-1)!) > 0.3, 'a frame of the whole map');
    // The map of the whole sphere is half white, half black.
    expect(brightShare(v.frames.at(-1)!)).toBeLessThan(0.7);
  });

  it('each camera keeps its own FOV range; an unknown camera is flat with an Error, the connection stays', async () => {
    const wide = viewer('cols=20&rows=6&fov=300');
    const odd = viewer('cols=20&rows=6&camera=hyperbolic');
    await wide.until(() => wide.frames.length >= 1, 'a clamped frame');
    await odd.until(() => errors(odd).length >= 1 && odd.frames.length >= 1, 'the Error and a frame');
    expect(errors(odd)[0]).toBe('Error: unknown camera "hyperbolic"; cameras: flat, stereographic, fisheye, pannini, equirect');
    expect(parseInit(inits(odd)[0]!).camera).toBe('flat');
    // A flat camera stops at 160°; switching to stereographic lets the same 300° through.
    const viewsNow = async () => (await getJson(`${halves.server().url}/healthz`))['views'] as { fov: number; camera: string; cols: number }[];
    const before = await viewsNow();
    expect(before.some((x) => x.camera === 'flat' && x.fov === 160), JSON.stringify(before)).toBe(true);
    wide.send({ type: 'view', fov: 300, camera: 'stereographic' });
    await wide.until(() => inits(wide).length >= 2, 'the stereographic INIT');
    expect(parseInit(inits(wide)[1]!).camera).toBe('stereographic');
    const deadline = Date.now() + 5000;
    while (!(await viewsNow()).some((x) => x.camera === 'stereographic' && x.fov === 300)) {
      if (Date.now() > deadline) throw new Error('the server never showed the 300° little planet');
      await new Promise((r) => setTimeout(r, 50));
    }
    odd.send({ type: 'view', camera: 'nope' });
    await odd.until(() => errors(odd).length >= 2, 'the second Error');
    expect(errors(odd)[1]).toMatch(/^Error: unknown camera "nope"/);
  });

  it('serve --camera sets the camera of viewers that name none, at its own starting FOV; a viewer\'s camera= wins', async () => {
    const other = await startCli([halves.photo(), '--log-level', 'warn', '--camera', 'stereographic']);
    try {
      const plain = new TestViewer(`${other.wsUrl}?cols=20&rows=6`);
      const flat = new TestViewer(`${other.wsUrl}?cols=20&rows=6&camera=flat`);
      await plain.until(() => plain.frames.length >= 1, 'a plain viewer\'s frame');
      await flat.until(() => flat.frames.length >= 1, 'a flat viewer\'s frame');
      expect(parseInit(inits(plain)[0]!).camera).toBe('stereographic');
      expect(parseInit(inits(flat)[0]!).camera).toBe('flat');
      const views = (await getJson(`${other.url}/healthz`))['views'] as { camera: string; fov: number }[];
      expect(views.map((x) => [x.camera, x.fov]).sort()).toEqual([['flat', 90], ['stereographic', 200]]);
      plain.close();
      flat.close();
    } finally {
      await other.stop();
    }
    const bad = spawnSync(process.execPath, [CLI, 'serve', '--camera', 'hyperbolic'], { encoding: 'utf8', timeout: 15_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/argument 'hyperbolic' is invalid\. Allowed choices are flat, stereographic, fisheye, pannini, equirect/);
  });
});
