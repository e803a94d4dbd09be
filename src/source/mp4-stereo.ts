/**
 * The Spherical Video V2 stereo mode of a local MP4 or MOV, read from its `st3d` box where ffprobe
 * says nothing of it. ffmpeg 5.1 knows modes 0–2 and drops the box otherwise: a right-left file
 * (mode 4, the right eye in the left half) came out as mono, stretched, and the hint to try
 * `--stereo sbs` then showed the wrong eye. The box's place, per the RFC: moov → trak (the video
 * handler's) → mdia → minf → stbl → stsd → the sample entry's own boxes, after its 78 fixed bytes.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** A moov larger than this is not read (a file whose index is that large plays without the mode). */
const MOOV_MAX_BYTES = 64 << 20;
/** A VisualSampleEntry's fields before its boxes (ISO/IEC 14496-12). */
const VISUAL_ENTRY_FIELDS = 78;

interface Box {
  type: string;
  /** Where its contents start and end, in the buffer it was found in. */
  body: number;
  end: number;
}

/** The boxes laid end to end in `data` from `from` to `to`; a box running past `to` ends the list. */
function boxes(data: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let at = from; at + 8 <= to; ) {
    let size = data.readUInt32BE(at);
    let header = 8;
    if (size === 1 && at + 16 <= to) {
      size = Number(data.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) break;
    out.push({ type: data.toString('latin1', at + 4, at + 8), body: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (data: Buffer, parent: Box, type: string, skip = 0): Box | undefined => boxes(data, parent.body + skip, parent.end).find((b) => b.type === type);

/** The moov box's bytes (its header included), found by walking the file's top-level boxes; null when there is none to read. */
async function readMoov(file: FileHandle): Promise<Buffer | null> {
  const { size: length } = await file.stat();
  const header = Buffer.alloc(16);
  for (let at = 0; at + 8 <= length; ) {
    const { bytesRead } = await file.read(header, 0, 16, at);
    if (bytesRead < 8) return null;
    let size = header.readUInt32BE(0);
    if (size === 1 && bytesRead === 16) size = Number(header.readBigUInt64BE(8));
    else if (size === 0) size = length - at;
    if (size < 8) return null;
    if (header.toString('latin1', 4, 8) === 'moov') {
      if (size > MOOV_MAX_BYTES || at + size > length) return null;
      const moov = Buffer.alloc(size);
      await file.read(moov, 0, size, at);
      return moov;
    }
    at += size;
  }
  return null;
}

/** The `st3d` stereo_mode of the first video track's sample entry that has one (0 mono, 1 top-bottom, 2 left-right, 3 custom, 4 right-left), or null. */
export function stereoModeIn(moovBox: Buffer): number | null {
  const [moov] = boxes(moovBox, 0, moovBox.length);
  if (moov?.type !== 'moov') return null;
  for (const trak of boxes(moovBox, moov.body, moov.end).filter((b) => b.type === 'trak')) {
    const mdia = child(moovBox, trak, 'mdia');
    const hdlr = mdia && child(moovBox, mdia, 'hdlr');
    // hdlr: version/flags, pre_defined, then the handler type.
    if (!mdia || !hdlr || hdlr.body + 12 > hdlr.end || moovBox.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'vide') continue;
    const minf = child(moovBox, mdia, 'minf');
    const stbl = minf && child(moovBox, minf, 'stbl');
    // stsd: version/flags and the entry count before its entries.
    const stsd = stbl && child(moovBox, stbl, 'stsd');
    const entry = stsd && boxes(moovBox, stsd.body + 8, stsd.end)[0];
    const st3d = entry && child(moovBox, entry, 'st3d', VISUAL_ENTRY_FIELDS);
    // st3d: version/flags, then stereo_mode. Another video track (a thumbnail's) may come first.
    if (st3d && st3d.body + 5 <= st3d.end) return moovBox.readUInt8(st3d.body + 4);
  }
  return null;
}

/** The stereo mode `path`'s st3d box says, or null (no box, not an MP4, unreadable: ffprobe's word stands). */
export async function readStereoMode(path: string): Promise<number | null> {
  let file: FileHandle | null = null;
  try {
    file = await open(path, 'r');
    const moov = await readMoov(file);
    return moov ? stereoModeIn(moov) : null;
  } catch {
    return null;
  } finally {
    await file?.close();
  }
}

/** The mode as ffprobe's "Stereo 3D" side data would say it (newer ffmpeg reads mode 4 as side by side, inverted). */
export function stereoSideData(mode: number): Record<string, unknown> {
  const type = mode === 0 ? '2D' : mode === 1 ? 'top and bottom' : mode === 2 || mode === 4 ? 'side by side' : `st3d mode ${mode}`;
  return { side_data_type: 'Stereo 3D', type, inverted: mode === 4 ? 1 : 0 };
}
