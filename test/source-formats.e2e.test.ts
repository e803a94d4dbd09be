/**
 * Source layouts end to end (issue: formats): files in the layouts real cameras and sites produce,
 * made here from the synthetic scene with ffmpeg (v360 for the layouts, our MP4 box writer for the
 * Spherical Video metadata, sharp for GPano XMP), served by the real CLI with no flag where the
 * metadata says it all. Each viewer's picture (half-block pixel frames over a real socket) must
 * match v360's view of the original equirect scene; the other eye of a stereo file is the scene
 * in negative, so showing the wrong eye fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMERAS, parseInit } from '../protocol/index.js';
import { tempDir } from './helpers/media.js';
import { sphericalV1, st3d, sv3d, withSampleEntryBoxes, withTrackBox } from './helpers/mp4-boxes.js';
import { CLI, getJson, inits, serverPool, type CliServer, type TestViewer } from './helpers/server.js';
import { H, makeEquirect, W } from './helpers/sphere-scene.js';

const tmp = tempDir('ascii360-formats-');
const scene = makeEquirect();
const negative = scene.map((v) => 255 - v);
const scenePath = join(tmp.dir, 'scene.rgb');
const negativePath = join(tmp.dir, 'negative.rgb');
const pool = serverPool();

/** Mean error (of 255 per channel) a right picture stays under; the wrong eye is far above. */
const MAE_BOUND = 8;

beforeAll(() => {
  writeFileSync(scenePath, scene);
  writeFileSync(negativePath, negative);
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

function ffmpeg(args: string[]): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...args], { maxBuffer: 64 << 20 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return r.stdout;
}

const rawIn = (path: string): string[] => ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-i', path];

/** v360 turns each scene into the layout, and the two are stacked (`vstack`/`hstack`) or one is kept. */
function layoutFilter(out: string, pack: 'mono' | 'tb' | 'sbs'): string {
  if (pack === 'mono') return `[0]${out}`;
  return `[0]${out}[a];[1]${out}[b];[a][b]${pack === 'tb' ? 'vstack' : 'hstack'}`;
}

/** An H.264 4:4:4 lossless MP4 of the scene (and its negative as the right eye) in a layout. */
function video(name: string, out: string, pack: 'mono' | 'tb' | 'sbs'): string {
  const path = join(tmp.dir, name);
  ffmpeg([...rawIn(scenePath), ...(pack === 'mono' ? [] : rawIn(negativePath)), '-filter_complex', `${layoutFilter(out, pack)},loop=loop=14:size=1`, '-frames:v', '15', '-r', '15',
    '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv444p', '-y', path]);
  return path;
}

/** A PNG photo of the scene in a layout. */
function photo(name: string, out: string): string {
  const path = join(tmp.dir, name);
  ffmpeg([...rawIn(scenePath), '-vf', out, '-frames:v', '1', '-y', path]);
  return path;
}

const GRID = { cols: 48, rows: 12 };

/** v360's view of a scene as the server draws it in half blocks: cols × 2·rows square samples. */
function reference(view: { yaw: number; pitch: number; fov: number }, path = scenePath): Uint8Array {
  const w = GRID.cols, h = GRID.rows * 2;
  const vFov = CAMERAS.flat.verticalFov(view.fov, h / w).toFixed(6);
  return new Uint8Array(ffmpeg([...rawIn(path), '-vf', `v360=input=e:output=flat:yaw=${view.yaw}:pitch=${view.pitch}:h_fov=${view.fov}:v_fov=${vFov}:w=${w}:h=${h}`,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
}

/** Mean absolute error of a half-block frame (index, then BGR) against an RGB picture. */
function frameError(frame: Buffer, rgb: Uint8Array): number {
  let sum = 0;
  for (let i = 0, o = 4; i < rgb.length; i += 3, o += 3) {
    sum += Math.abs(frame[o + 2]! - rgb[i]!) + Math.abs(frame[o + 1]! - rgb[i + 1]!) + Math.abs(frame[o]! - rgb[i + 2]!);
  }
  return sum / rgb.length;
}

// Looping: a second viewer of a short clip's server must still get a frame (on a loaded machine one
// joined 0.07 s before the end of a 0.73 s clip, and its first frame never came).
const serve = (source: string, ...flags: string[]): Promise<CliServer> => pool.serve([source, '--loop', ...flags]);

async function firstFrame(server: CliServer, query: string): Promise<{ frame: Buffer; viewer: TestViewer }> {
  const v = pool.viewer(server, `cols=${GRID.cols}&rows=${GRID.rows}&aspect=0.5&style=half&${query}`);
  await v.until(() => v.frames.length >= 1, 'a frame');
  return { frame: v.frames.at(-1)!, viewer: v };
}

type Format = { layout: string; stereo: string; eye: string; area: unknown; pose: unknown; initialView: unknown; metadata: string | null; from: Record<string, string>; frame: { width: number; height: number } };
const formatOf = async (s: CliServer): Promise<Format> => (await getJson(`${s.url}/healthz`))['format'] as Format;

describe('source layouts, stereo and metadata', () => {
  it('top-bottom stereo with Spherical Video V2 (st3d, sv3d): the left eye, with no flag; --eye right shows the other', async () => {
    const plain = video('tb.mp4', `v360=input=e:output=e:w=${W}:h=${H}`, 'tb');
    const tagged = join(tmp.dir, 'tb-v2.mp4');
    writeFileSync(tagged, withSampleEntryBoxes(readFileSync(plain), st3d(1), sv3d()));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-select_streams', 'v:0', '-print_format', 'json', tagged], { encoding: 'utf8' })) as { streams: { side_data_list?: { side_data_type: string }[] }[] };
    expect(probe.streams[0]!.side_data_list!.map((d) => d.side_data_type).sort()).toEqual(['Spherical Mapping', 'Stereo 3D']);

    const view = { yaw: 150, pitch: 10, fov: 90 };
    // Both eyes' servers started at once: the second's start overlaps the first's checks.
    const [left, right] = await Promise.all([serve(tagged), serve(tagged, '--eye', 'right')]);
    const { frame } = await firstFrame(left, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(frame, reference(view))).toBeLessThan(MAE_BOUND);
    expect(frameError(frame, reference(view, negativePath))).toBeGreaterThan(5 * MAE_BOUND);
    const f = await formatOf(left);
    expect(f).toMatchObject({ layout: 'equirect', stereo: 'tb', eye: 'left', metadata: 'Spherical Video', frame: { height: f.frame.width / 2 } });
    expect(f.from).toMatchObject({ layout: 'metadata', stereo: 'metadata', eye: 'default' });

    const other = await firstFrame(right, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(other.frame, reference(view, negativePath))).toBeLessThan(MAE_BOUND);
    expect((await formatOf(right)).from['eye']).toBe('flag');
  });

  it('VR180 side by side with equi bounds: the front half placed by the bounds, black behind', async () => {
    const plain = video('vr180.mp4', 'v360=input=e:output=hequirect:w=512:h=512', 'sbs');
    const tagged = join(tmp.dir, 'vr180-v2.mp4');
    writeFileSync(tagged, withSampleEntryBoxes(readFileSync(plain), st3d(2), sv3d({ bounds: { top: 0, bottom: 0, left: 0.25, right: 0.25 } })));
    const s = await serve(tagged);
    const view = { yaw: -40, pitch: -15, fov: 80 };
    const { frame } = await firstFrame(s, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(frame, reference(view))).toBeLessThan(MAE_BOUND);
    const behind = await firstFrame(s, 'yaw=180&fov=60');
    expect(Math.max(...behind.frame.subarray(4))).toBe(0);
    const f = await formatOf(s);
    expect(f).toMatchObject({ layout: 'equirect', stereo: 'sbs', from: { layout: 'metadata', stereo: 'metadata', area: 'metadata' } });
    expect(f.area).toEqual({ left: expect.closeTo(0.25, 2) as number, top: 0, right: expect.closeTo(0.75, 2) as number, bottom: 1 });
  });

  it('st3d right-left (mode 4, the right eye in the left half), which ffmpeg 5.1 drops: read from the box, the left eye from the right half', async () => {
    // Packed left half = the scene, right half = its negative: in a right-left file the scene is the right eye.
    const plain = video('rl.mp4', `v360=input=e:output=e:w=${W}:h=${H}`, 'sbs');
    const tagged = join(tmp.dir, 'rl-v2.mp4');
    writeFileSync(tagged, withSampleEntryBoxes(readFileSync(plain), st3d(4), sv3d()));
    const view = { yaw: -60, pitch: 5, fov: 90 };
    const [left, right] = await Promise.all([serve(tagged), serve(tagged, '--eye', 'right')]);
    const { frame } = await firstFrame(left, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(frame, reference(view, negativePath))).toBeLessThan(MAE_BOUND);
    const f = await formatOf(left);
    expect(f).toMatchObject({ layout: 'equirect', stereo: 'sbs', eye: 'left', from: { stereo: 'metadata' } });
    expect(f.frame.width).toBe(2 * f.frame.height);
    const other = await firstFrame(right, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(other.frame, reference(view))).toBeLessThan(MAE_BOUND);
  });

  it('Spherical Video V1 XML (side by side) is read as ffmpeg reports it', async () => {
    const plain = video('v1.mp4', `v360=input=e:output=e:w=${W}:h=${H}`, 'sbs');
    const tagged = join(tmp.dir, 'v1-tagged.mp4');
    writeFileSync(tagged, withTrackBox(readFileSync(plain), sphericalV1('left-right')));
    const s = await serve(tagged);
    const view = { yaw: 30, pitch: 0, fov: 90 };
    const { frame } = await firstFrame(s, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(frame, reference(view))).toBeLessThan(MAE_BOUND);
    expect(await formatOf(s)).toMatchObject({ layout: 'equirect', stereo: 'sbs', from: { stereo: 'metadata' } });
  });

  it('the sv3d pose turns the picture: the file\'s forward is seen to the left for a positive yaw (the RFC\'s counter-clockwise)', async () => {
    const plain = video('posed.mp4', `v360=input=e:output=e:w=${W}:h=${H}`, 'mono');
    const tagged = join(tmp.dir, 'posed-v2.mp4');
    writeFileSync(tagged, withSampleEntryBoxes(readFileSync(plain), sv3d({ pose: { yaw: 40, pitch: 0, roll: 0 } })));
    const s = await serve(tagged);
    const { frame } = await firstFrame(s, 'yaw=-40&pitch=0&fov=90');
    expect(frameError(frame, reference({ yaw: 0, pitch: 0, fov: 90 }))).toBeLessThan(MAE_BOUND);
    expect((await formatOf(s)).pose).toEqual({ yaw: -40, pitch: 0, roll: 0 });
  });

  for (const c of [
    { layout: 'eac', make: 'v360=input=e:output=eac:w=768:h=512', view: { yaw: 45, pitch: 40, fov: 100 }, kind: 'video' },
    { layout: 'c3x2', make: 'v360=input=e:output=c3x2:w=768:h=512', view: { yaw: 170, pitch: -35, fov: 100 }, kind: 'photo' },
    { layout: 'dfisheye', make: 'v360=input=e:output=dfisheye:h_fov=190:v_fov=190:w=1024:h=512', view: { yaw: 95, pitch: 5, fov: 100 }, kind: 'video' },
    { layout: 'fisheye', make: 'v360=input=e:output=fisheye:h_fov=180:v_fov=180:w=512:h=512', view: { yaw: 30, pitch: 20, fov: 60 }, kind: 'photo' },
  ] as const) {
    it(`--projection ${c.layout} (${c.kind}): the view across its seams matches v360's`, async () => {
      const file = c.kind === 'video' ? video(`${c.layout}.mp4`, c.make, 'mono') : photo(`${c.layout}.png`, c.make);
      const extra = c.layout === 'fisheye' ? ['--in-fov', '180'] : [];
      const s = await serve(file, '--projection', c.layout, ...extra);
      const { frame } = await firstFrame(s, `yaw=${c.view.yaw}&pitch=${c.view.pitch}&fov=${c.view.fov}`);
      expect(frameError(frame, reference(c.view))).toBeLessThan(MAE_BOUND);
      const f = await formatOf(s);
      expect(f.layout).toBe(c.layout);
      expect(f.from['layout']).toBe('flag');
    });
  }

  it('a top-bottom stereo photo with --stereo tb --eye right: sharp cuts the right eye', async () => {
    const path = join(tmp.dir, 'stereo.png');
    ffmpeg([...rawIn(scenePath), ...rawIn(negativePath), '-filter_complex', '[0][1]vstack', '-frames:v', '1', '-y', path]);
    const s = await serve(path, '--stereo', 'tb', '--eye', 'right');
    const view = { yaw: -70, pitch: 15, fov: 90 };
    const { frame } = await firstFrame(s, `yaw=${view.yaw}&pitch=${view.pitch}&fov=${view.fov}`);
    expect(frameError(frame, reference(view, negativePath))).toBeLessThan(MAE_BOUND);
    expect(frameError(frame, reference(view))).toBeGreaterThan(5 * MAE_BOUND);
    expect(await formatOf(s)).toMatchObject({ stereo: 'tb', eye: 'right', from: { stereo: 'flag', eye: 'flag' } });
  });

  it('a GPano photo sphere: its cropped area placed, viewers without a direction start at its initial view', async () => {
    // Longitudes −135…135 and latitudes −67.5…67.5 of the scene, tagged as such.
    const path = join(tmp.dir, 'partial.jpg');
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:GPano="http://ns.google.com/photos/1.0/panorama/"
      GPano:ProjectionType="equirectangular" GPano:FullPanoWidthPixels="${W}" GPano:FullPanoHeightPixels="${H}"
      GPano:CroppedAreaImageWidthPixels="${(W * 3) / 4}" GPano:CroppedAreaImageHeightPixels="${(H * 3) / 4}"
      GPano:CroppedAreaLeftPixels="${W / 8}" GPano:CroppedAreaTopPixels="${H / 8}" GPano:PoseHeadingDegrees="100"
      GPano:InitialViewHeadingDegrees="160" GPano:InitialViewPitchDegrees="-10" GPano:InitialHorizontalFOVDegrees="70"/></rdf:RDF></x:xmpmeta>`;
    await sharp(Buffer.from(scene), { raw: { width: W, height: H, channels: 3 } })
      .extract({ left: W / 8, top: H / 8, width: (W * 3) / 4, height: (H * 3) / 4 })
      .jpeg({ quality: 95 })
      .withXmp(xmp)
      .toFile(path);
    const s = await serve(path);
    const f = await formatOf(s);
    expect(f).toMatchObject({ layout: 'equirect', metadata: 'GPano XMP', initialView: { yaw: 60, pitch: -10, fov: 70 }, from: { area: 'metadata', initialView: 'metadata' } });
    const { frame, viewer } = await firstFrame(s, '');
    expect(parseInit(inits(viewer)[0]!).view).toEqual({ yaw: 60, pitch: -10, fov: 70 });
    expect(frameError(frame, reference({ yaw: 60, pitch: -10, fov: 70 }))).toBeLessThan(MAE_BOUND);
    // A viewer that names its direction gets it.
    const named = await firstFrame(s, 'yaw=0&pitch=0&fov=90');
    expect(parseInit(inits(named.viewer)[0]!).view).toEqual({ yaw: 0, pitch: 0, fov: 90 });
  });

  it('a file stored on its side with a display rotation (a phone\'s portrait recording) is the 2:1 panorama ffmpeg turns it into: no warning, the right picture', async () => {
    const stored = join(tmp.dir, 'stored-turned.mp4');
    const turned = join(tmp.dir, 'turned.mp4');
    ffmpeg([...rawIn(scenePath), '-vf', 'transpose=2,loop=loop=14:size=1', '-frames:v', '15', '-r', '15', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv444p', '-y', stored]);
    ffmpeg(['-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=-90', '-y', turned]);
    const s = await serve(turned);
    const { frame } = await firstFrame(s, 'yaw=30&pitch=10&fov=90');
    expect(frameError(frame, reference({ yaw: 30, pitch: 10, fov: 90 }))).toBeLessThan(MAE_BOUND);
    expect(s.stderr()).not.toMatch(/source\.format/);
  });

  it('a non-2:1 file without metadata is stretched as before, with a warning; bad flags get one line naming what is allowed', async () => {
    const odd = photo('odd.png', 'scale=600:500');
    const s = await serve(odd);
    await firstFrame(s, 'yaw=0');
    expect(s.stderr()).toMatch(/600x500 is not equirect's 2\.00:1: stretched \(no metadata says what it is\)/);
    expect((await formatOf(s)).from['layout']).toBe('default');
    for (const [flag, value, line] of [
      ['--projection', 'cube', /^ascii360: unknown --projection "cube"; projections: equirect \(e\), hequirect \(he\), c3x2, cbmp, c6x1, eac, dfisheye, fisheye$/],
      ['--stereo', 'lr', /^ascii360: unknown --stereo "lr"; stereo modes: mono, tb, sbs$/],
      ['--eye', 'both', /^ascii360: unknown --eye "both"; eyes: left, right$/],
      ['--in-fov', '10', /^ascii360: --in-fov must be a number of degrees from 90 to 360, got "10"$/],
    ] as const) {
      const bad = spawnSync(process.execPath, [CLI, 'serve', odd, '--port', '0', flag, value], { encoding: 'utf8', timeout: 15_000 });
      expect(bad.status).toBe(2);
      expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(bad.stderr.trimEnd()).toMatch(line);
    }
  });
});
