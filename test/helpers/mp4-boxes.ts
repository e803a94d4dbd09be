/**
 * A small MP4 (ISOBMFF) box writer for tests: puts Spherical Video V2 boxes (`st3d`, `sv3d`) into
 * the video sample entry, or a Spherical Video V1 `uuid` box into the video track, of a file ffmpeg
 * made. ffmpeg writes `moov` after `mdat`, so growing `moov` moves no sample data and no chunk
 * offset needs fixing; only the sizes of the boxes on the path change.
 * Box layouts: google/spatial-media docs/spherical-video-v2-rfc.md and spherical-video-rfc.md.
 */

export function box(type: string, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...payload);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

function i32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeInt32BE(v | 0, 4 * i));
  return b;
}

/** `st3d`: 0 mono, 1 top-bottom, 2 left-right, 4 right-left. */
export function st3d(mode: 0 | 1 | 2 | 4): Buffer {
  return fullBox('st3d', 0, 0, Buffer.of(mode));
}

export interface Sv3dOptions {
  pose?: { yaw: number; pitch: number; roll: number };
  /** Equirect bounds, fractions cropped from each edge. */
  bounds?: { top: number; bottom: number; left: number; right: number };
  /** A cube map (layout 0, 3×2) instead of equirect. */
  cubemap?: boolean;
}

/** `sv3d` with `svhd`, `proj`, `prhd` (16.16 degrees) and `equi` (0.32 bounds) or `cbmp`. */
export function sv3d(o: Sv3dOptions = {}): Buffer {
  const pose = o.pose ?? { yaw: 0, pitch: 0, roll: 0 };
  const fixed16 = (deg: number): number => Math.round(deg * 65536);
  const fixed32 = (f: number): number => Math.min(0xffffffff, Math.round(f * 2 ** 32));
  const b = o.bounds ?? { top: 0, bottom: 0, left: 0, right: 0 };
  const data = o.cubemap
    ? fullBox('cbmp', 0, 0, u32(0, 0))
    : fullBox('equi', 0, 0, u32(fixed32(b.top), fixed32(b.bottom), fixed32(b.left), fixed32(b.right)));
  return box(
    'sv3d',
    fullBox('svhd', 0, 0, Buffer.from('ascii360 test\0', 'utf8')),
    box('proj', fullBox('prhd', 0, 0, i32(fixed16(pose.yaw), fixed16(pose.pitch), fixed16(pose.roll))), data),
  );
}

/** Spherical Video V1 XML in its `uuid` box. */
export function sphericalV1(stereoMode?: 'top-bottom' | 'left-right'): Buffer {
  const uuid = Buffer.from('ffcc8263f8554a938814587a02521fdd', 'hex');
  const xml =
    '<?xml version="1.0"?><rdf:SphericalVideo xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:GSpherical="http://ns.google.com/videos/1.0/spherical/">' +
    '<GSpherical:Spherical>true</GSpherical:Spherical><GSpherical:Stitched>true</GSpherical:Stitched>' +
    '<GSpherical:StitchingSoftware>ascii360 test</GSpherical:StitchingSoftware>' +
    '<GSpherical:ProjectionType>equirectangular</GSpherical:ProjectionType>' +
    (stereoMode ? `<GSpherical:StereoMode>${stereoMode}</GSpherical:StereoMode>` : '') +
    '</rdf:SphericalVideo>';
  return box('uuid', uuid, Buffer.from(xml, 'utf8'));
}

interface Found {
  start: number;
  size: number;
  /** Offset of the first child box. */
  body: number;
}

function children(file: Buffer, start: number, end: number): Found[] {
  const out: Found[] = [];
  for (let o = start; o + 8 <= end; ) {
    const size = file.readUInt32BE(o);
    if (size < 8) throw new Error(`mp4: box size ${size} at ${o}`);
    out.push({ start: o, size, body: o + 8 });
    o += size;
  }
  return out;
}

const typeAt = (file: Buffer, f: Found): string => file.toString('latin1', f.start + 4, f.start + 8);

/** The path moov → trak (video) → mdia → minf → stbl → stsd → first sample entry. */
function videoPath(file: Buffer): { path: Found[]; trak: Found; entry: Found } {
  const moov = children(file, 0, file.length).find((f) => typeAt(file, f) === 'moov');
  if (!moov) throw new Error('mp4: no moov');
  for (const trak of children(file, moov.body, moov.start + moov.size).filter((f) => typeAt(file, f) === 'trak')) {
    const find = (parent: Found, type: string, skip = 0): Found | undefined =>
      children(file, parent.body + skip, parent.start + parent.size).find((f) => typeAt(file, f) === type);
    const mdia = find(trak, 'mdia');
    const hdlr = mdia && find(mdia, 'hdlr');
    if (!mdia || !hdlr || file.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'vide') continue;
    const minf = find(mdia, 'minf')!;
    const stbl = find(minf, 'stbl')!;
    const stsd = find(stbl, 'stsd')!;
    // stsd: version/flags and entry count before its entries.
    const entry = children(file, stsd.body + 8, stsd.start + stsd.size)[0]!;
    return { path: [moov, trak, mdia, minf, stbl, stsd], trak, entry };
  }
  throw new Error('mp4: no video track');
}

/** Inserts `data` at `at`, growing every box in `grown` by its length. */
function insert(file: Buffer, at: number, data: Buffer, grown: readonly Found[]): Buffer {
  const out = Buffer.concat([file.subarray(0, at), data, file.subarray(at)]);
  for (const f of grown) out.writeUInt32BE(f.size + data.length, f.start);
  return out;
}

/** The file with `boxes` appended to its video sample entry (V2's place for st3d and sv3d). */
export function withSampleEntryBoxes(file: Buffer, ...boxes: Buffer[]): Buffer {
  const { path, entry } = videoPath(file);
  return insert(file, entry.start + entry.size, Buffer.concat(boxes), [...path, entry]);
}

/** The file with `data` appended to its video track (V1's place for its uuid box). */
export function withTrackBox(file: Buffer, data: Buffer): Buffer {
  const { path, trak } = videoPath(file);
  return insert(file, trak.start + trak.size, data, path.slice(0, 2));
}
