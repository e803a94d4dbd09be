/**
 * The metadata readers and the format decision (src/source/spherical-metadata.ts,
 * source-format.ts) on what ffprobe and sharp report, including metadata that is wrong: every
 * correction is a warning, never a throw, and flags win over the file.
 */
import { describe, expect, it } from 'vitest';
import { frameSize, parseFormatFlags, resolveFormat, sourceDetail } from '../src/source/source-format.js';
import { fromSideData, fromXmp } from '../src/source/spherical-metadata.js';

const gpano = (attrs: Record<string, string | number>): string =>
  `<x:xmpmeta><rdf:RDF><rdf:Description xmlns:GPano="http://ns.google.com/photos/1.0/panorama/" ${Object.entries(attrs).map(([k, v]) => `GPano:${k}="${v}"`).join(' ')}/></rdf:RDF></x:xmpmeta>`;

describe('spherical metadata', () => {
  it('reads Spherical Video side data: stereo, inverted eyes, bounds against the whole frame, pose in our angles', () => {
    const m = fromSideData([
      { side_data_type: 'Stereo 3D', type: 'side by side', inverted: 1 },
      { side_data_type: 'Spherical Mapping', projection: 'tiled equirectangular', bound_left: 1024, bound_right: 1024, bound_top: 0, bound_bottom: 0, yaw: 30, pitch: -10, roll: 5 },
    ], 2048, 1024)!;
    expect(m).toMatchObject({ layout: 'equirect', stereo: 'sbs', swapEyes: true, area: { left: 0.25, top: 0, right: 0.75, bottom: 1 }, pose: { yaw: -30, pitch: -10, roll: -5 } });
    const f = resolveFormat(m, {}, 2048, 1024, () => {});
    // Right-left storage: the left eye is the right half.
    expect(f.crop).toEqual({ x: 1024, y: 0, width: 1024, height: 1024 });
    expect(resolveFormat(m, { eye: 'right' }, 2048, 1024, () => {}).crop.x).toBe(0);
  });

  it('warns about what it cannot use and goes on: a mesh, cube padding, an out-of-range pose', () => {
    const mesh = fromSideData([{ side_data_type: 'Spherical Mapping', projection: 'mesh', yaw: 400, pitch: 120, roll: 0 }], 1024, 512)!;
    expect(mesh.layout).toBe('equirect');
    expect(mesh.warnings.join('\n')).toMatch(/projection "mesh" not supported/);
    expect(mesh.warnings.join('\n')).toMatch(/pose 400\/120\/0 out of range; using 40\/90\/0/);
    const cube = fromSideData([{ side_data_type: 'Spherical Mapping', projection: 'cubemap', padding: 4 }], 1536, 1024)!;
    // The RFC's cube map, not v360's c3x2: its up and down faces are drawn the other way up.
    expect(cube.layout).toBe('cbmp');
    expect(cube.warnings).toEqual(['cube map padding 4 px ignored']);
    expect(fromSideData([{ side_data_type: 'Display Matrix' }], 1024, 512)).toBeNull();
  });

  it('reads GPano from attributes or elements: cropped area, initial view relative to the pose heading', () => {
    const m = fromXmp(gpano({ ProjectionType: 'equirectangular', FullPanoWidthPixels: 8000, FullPanoHeightPixels: 4000, CroppedAreaImageWidthPixels: 8000, CroppedAreaImageHeightPixels: 2000, CroppedAreaLeftPixels: 0, CroppedAreaTopPixels: 1000, PoseHeadingDegrees: 90, InitialViewHeadingDegrees: 45, InitialViewPitchDegrees: 5, InitialHorizontalFOVDegrees: 80 }), 4000, 1000)!;
    expect(m).toMatchObject({ area: { left: 0, top: 0.25, right: 1, bottom: 0.75 }, initialView: { yaw: -45, pitch: 5, fov: 80 }, warnings: [] });
    const elements = fromXmp('<rdf:Description><GPano:PosePitchDegrees>10</GPano:PosePitchDegrees><GPano:PoseRollDegrees>-3</GPano:PoseRollDegrees></rdf:Description>', 2000, 1000)!;
    expect(elements.pose).toEqual({ yaw: 0, pitch: 10, roll: -3 });
    expect(fromXmp('<x:xmpmeta/>', 2000, 1000)).toBeNull();
  });

  it('metadata that contradicts the frame: a warning, and the best effort', () => {
    const outside = fromXmp(gpano({ FullPanoWidthPixels: 1000, FullPanoHeightPixels: 500, CroppedAreaImageWidthPixels: 900, CroppedAreaImageHeightPixels: 500, CroppedAreaLeftPixels: 300, CroppedAreaTopPixels: 0 }), 900, 500)!;
    expect(outside.area).toBeUndefined();
    expect(outside.warnings.join('\n')).toMatch(/does not fit the 1000x500 panorama; ignored/);
    const shape = fromXmp(gpano({ FullPanoWidthPixels: 1000, FullPanoHeightPixels: 500, CroppedAreaImageWidthPixels: 500, CroppedAreaImageHeightPixels: 250, CroppedAreaLeftPixels: 250, CroppedAreaTopPixels: 125, InitialViewHeadingDegrees: 'north' }), 800, 200)!;
    expect(shape.area).toEqual({ left: 0.25, top: 0.25, right: 0.75, bottom: 0.75 });
    expect(shape.warnings.join('\n')).toMatch(/not the photo's shape 800x200/);
    expect(shape.warnings.join('\n')).toMatch(/InitialViewHeadingDegrees="north" is not a number/);
    const warnings: string[] = [];
    const f = resolveFormat(shape, {}, 800, 200, (w) => warnings.push(w));
    expect(warnings.length).toBeGreaterThanOrEqual(3); // each reader warning, and the stretch
    // Kept with the format too, for /healthz and play's status line.
    expect(f.notes).toEqual(warnings);
  });

  it('a flag that does not apply is named as ignored: --eye on a mono file, --in-fov on a layout with no lens angle', () => {
    const warnings: string[] = [];
    const f = resolveFormat(null, parseFormatFlags({ eye: 'right', inFov: '200' }), 2048, 1024, (w) => warnings.push(w));
    expect(warnings).toEqual(['--eye right ignored: the source is not stereo', '--in-fov 200 ignored: only a fisheye or dfisheye picture has a lens angle (the layout is equirect)']);
    expect(f.notes).toEqual(warnings);
    // None of them is a stretch: the page has nothing to say of the picture's shape.
    expect(f.stretched).toBeNull();
    const fisheye: string[] = [];
    resolveFormat(null, parseFormatFlags({ projection: 'fisheye', inFov: '200' }), 1024, 1024, (w) => fisheye.push(w));
    expect(fisheye).toEqual([]);
  });

  it('a stretch suggests what fits the eye: another stereo mode, or none, and unless a flag named one, other layouts', () => {
    const notes = (flags: Record<string, string>, w = 1920, h = 960): readonly string[] => resolveFormat(null, parseFormatFlags(flags), w, h, () => {}).notes;
    // Two 960x960 half-spheres side by side: VR180, whichever stereo mode was named.
    expect(notes({ projection: 'he' })).toEqual(["1920x960 is not hequirect's 1.00:1: stretched (the flag says hequirect); try --stereo sbs"]);
    expect(notes({ projection: 'he', stereo: 'tb' })).toEqual(["1920x480 (one eye of tb) is not hequirect's 1.00:1: stretched (the flag says hequirect); try --stereo sbs"]);
    // A mono equirect given a stereo flag: the shapes are the eye's, and leaving the flag out fits.
    expect(notes({ stereo: 'tb' })).toEqual(["1920x480 (one eye of tb) is not equirect's 2.00:1: stretched (no metadata says what it is); try without --stereo"]);
    expect(notes({ stereo: 'sbs' })).toEqual(["960x960 (one eye of sbs) is not equirect's 2.00:1: stretched (no metadata says what it is); try without --stereo or --projection hequirect|fisheye"]);
    expect(notes({ stereo: 'tb' }, 6144, 1024)).toEqual(["6144x512 (one eye of tb) is not equirect's 2.00:1: stretched (no metadata says what it is); try --projection c6x1 without --stereo"]);
    // Stereo the metadata said: overriding it is --stereo mono.
    const fromMeta = resolveFormat(fromSideData([{ side_data_type: 'Stereo 3D', type: 'top and bottom' }], 1920, 960), {}, 1920, 960, () => {}).notes;
    expect(fromMeta).toEqual(["1920x480 (one eye of tb) is not equirect's 2.00:1: stretched (Spherical Video says tb); try --stereo mono"]);
    const shaped = (w: number, h: number): readonly string[] => resolveFormat(null, {}, w, h, () => {}).notes;
    // A square frame: two equirect eyes stacked, or a one-lens fisheye or a half sphere.
    expect(shaped(2048, 2048)).toEqual(["2048x2048 is not equirect's 2.00:1: stretched (no metadata says what it is); try --stereo tb or --projection hequirect|fisheye"]);
    expect(shaped(3840, 2560)).toEqual(["3840x2560 is not equirect's 2.00:1: stretched (no metadata says what it is); try --projection c3x2|cbmp|eac"]);
    // A phone's portrait video fits no 360° layout.
    expect(shaped(1080, 1920)).toEqual(["1080x1920 is not equirect's 2.00:1: stretched (no metadata says what it is); no known 360 layout has this shape"]);
    // The stretch is picked out of the notes for the page (/healthz format.stretched), beside the reader's warnings.
    const gpanoShape = fromXmp(gpano({ FullPanoWidthPixels: 1000, FullPanoHeightPixels: 500, CroppedAreaImageWidthPixels: 500, CroppedAreaImageHeightPixels: 250, CroppedAreaLeftPixels: 250, CroppedAreaTopPixels: 125 }), 800, 200)!;
    const withReader = resolveFormat(gpanoShape, {}, 800, 200, () => {});
    expect(withReader.notes.length).toBeGreaterThan(1);
    expect(withReader.stretched).toBe(withReader.notes.at(-1));
    expect(withReader.stretched).toMatch(/^800x200 is not equirect's 2\.00:1: stretched /);
    expect(resolveFormat(null, {}, 2048, 1024, () => {}).stretched).toBeNull();
  });

  it('flags win over the file, and a flag naming another layout drops the file\'s equirect bounds', () => {
    const m = fromSideData([{ side_data_type: 'Spherical Mapping', projection: 'tiled equirectangular', bound_left: 512, bound_right: 512, bound_top: 0, bound_bottom: 0 }], 1024, 1024)!;
    const f = resolveFormat(m, parseFormatFlags({ projection: 'he', stereo: 'tb', inFov: '200' }), 1024, 1024, () => {});
    expect(f.picture.layout).toBe('hequirect');
    expect(f.picture.area).toEqual({ left: 0, top: 0, right: 1, bottom: 1 });
    expect(f.from).toMatchObject({ layout: 'flag', stereo: 'flag', inFov: 'flag', area: 'default' });
    expect(f.crop).toEqual({ x: 0, y: 0, width: 1024, height: 512 });
  });

  it('sizes working frames in the layout\'s own shape, never beyond the eye\'s detail', () => {
    const cube = resolveFormat(null, { projection: 'c3x2' }, 1536, 1024, () => {});
    expect(frameSize(cube, 1024)).toEqual({ width: 768, height: 512 });
    expect(sourceDetail(cube)).toBe(2048);
    expect(frameSize(cube, 4096)).toEqual({ width: 1536, height: 1024 });
    const dual = resolveFormat(null, { projection: 'dfisheye' }, 3840, 1920, () => {});
    expect(dual.picture.inFov).toBe(190);
    expect(frameSize(dual, 2048).width / frameSize(dual, 2048).height).toBeCloseTo(2, 2);
  });
});
